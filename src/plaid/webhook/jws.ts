// Splitting a compact JWS (header.claims.signature) without trusting any of it yet.
import { unverified } from './rejection';

export interface DecodedJws {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** `base64url(header) "." base64url(claims)` as ASCII bytes: what the signature covers. */
  signingInput: Buffer;
  signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeSegment(segment: string, what: string): Buffer {
  // Node's base64url decoder skips characters it does not know; a token with any is not one Plaid made.
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) throw unverified(`JWT ${what} is not base64url`);
  return Buffer.from(segment, 'base64url');
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodeSegment(segment, what).toString('utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) throw unverified(`JWT ${what} is not JSON`);
    throw err;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw unverified(`JWT ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

export function decodeCompactJws(token: string): DecodedJws {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw unverified('Plaid-Verification is not a compact JWT');
  const [header, claims, signature] = parts;
  return {
    header: decodeJsonObject(header, 'header'),
    claims: decodeJsonObject(claims, 'claims'),
    signingInput: Buffer.from(`${header}.${claims}`, 'ascii'),
    signature: decodeSegment(signature, 'signature'),
  };
}
