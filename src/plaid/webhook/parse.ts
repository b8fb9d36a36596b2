// Parsing a delivery: its media type must be JSON (checked before its body is read), its raw bytes' hash is its
// identity, and once its signature holds (or verification is off) its body must parse as a JSON object with a type
// and a code.
import { createHash } from 'node:crypto';
import { WebhookRejection } from './rejection';

export interface ParsedDelivery {
  body: Record<string, unknown>;
  webhookType: string;
  webhookCode: string;
}

/** Plaid posts `application/json`; parameters such as charset are fine, other media types are not a webhook. */
export function isJsonContentType(header: string | undefined): boolean {
  const mediaType = (header ?? '').split(';')[0].trim().toLowerCase();
  return mediaType === 'application/json';
}

/** The 415 for a Content-Type that is not JSON, else undefined. */
export function unsupportedMediaType(header: string | undefined): WebhookRejection | undefined {
  if (isJsonContentType(header)) return undefined;
  return new WebhookRejection(415, `content type ${JSON.stringify(header ?? '')} is not application/json`);
}

/** Hex SHA-256 of the bytes as received: what Plaid signs as `request_body_sha256`, and the dedupe key. */
export function sha256Hex(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

/** Parses the bytes: only ever called on a verified body, or with verification off. */
export function parseDelivery(raw: Buffer): ParsedDelivery {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new WebhookRejection(400, raw.length === 0 ? 'empty body' : 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new WebhookRejection(400, 'body is not a JSON object');
  }
  const body = parsed as Record<string, unknown>;
  const { webhook_type: webhookType, webhook_code: webhookCode } = body;
  if (typeof webhookType !== 'string' || webhookType === '') throw new WebhookRejection(400, 'body has no webhook_type');
  if (typeof webhookCode !== 'string' || webhookCode === '') throw new WebhookRejection(400, 'body has no webhook_code');
  return { body, webhookType, webhookCode };
}
