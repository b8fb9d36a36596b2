// Plaid's webhook signature check (the Plaid-Verification header), as Plaid describes it, with every claim pinned.
import { KeyObject, timingSafeEqual, verify } from 'node:crypto';
import { sha256Hex } from './parse';
import { decodeCompactJws } from './jws';
import { unavailable, unverified } from './rejection';

/** Where public keys come from: VerificationKeyCache in practice. */
export interface VerificationKeySource {
  get(kid: string): Promise<KeyObject>;
  /** The key when it is at hand already (fetched, fresh); undefined sends the caller to `get`. */
  cached?(kid: string): KeyObject | undefined;
  /** Told when the key for `kid` has verified a delivery (the cache then keeps it). */
  pin?(kid: string): void;
}

export interface VerifyOptions {
  keys: VerificationKeySource;
  now?: () => number;
  /** Oldest acceptable `iat`, in seconds before now (Plaid: 5 minutes). */
  maxAgeSeconds?: number;
  /** Latest acceptable `iat`, in seconds after now: clocks drift, but not by much. */
  maxFutureSeconds?: number;
  /**
   * How long a delivery waits for its key before it is answered 503. Plaid gives up on an answer after 10 s (and the
   * client's own timeout and retries can take longer); the fetch itself carries on and fills the cache for the retry.
   */
  keyWaitMs?: number;
}

// A kid is handed to Plaid's API; anything but a short printable token is not one Plaid issued.
const PLAUSIBLE_KID = /^[\x21-\x7e]{1,256}$/;

/** A Plaid-Verification token that has passed every check that needs neither the body nor a key. */
export interface ScreenedToken {
  kid: string;
  claimedSha256: string;
  signingInput: Buffer;
  signature: Buffer;
}

/**
 * The checks on the token alone (form, alg, kid, iat, a claimed hash, the signature's length): run before the body
 * is read, so a junk or stale token costs neither reading nor hashing the body. Throws a 401 WebhookRejection.
 */
export function screenToken(token: string | undefined, options: VerifyOptions): ScreenedToken {
  if (!token) throw unverified('no Plaid-Verification header', 'unsigned');
  const jws = decodeCompactJws(token);

  // Pinned, never taken from the token: blocks `none` and HS256 signed with the public key as the secret.
  if (jws.header.alg !== 'ES256') throw unverified(`JWT alg ${JSON.stringify(jws.header.alg)} is not ES256`);
  const kid = jws.header.kid;
  if (typeof kid !== 'string' || !PLAUSIBLE_KID.test(kid)) throw unverified('JWT has no usable kid');

  const { iat, request_body_sha256: claimedSha256 } = jws.claims;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw unverified('JWT has no iat');
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  if (iat < nowSeconds - (options.maxAgeSeconds ?? 300)) throw unverified('JWT iat is more than 5 minutes old', 'stale');
  if (iat > nowSeconds + (options.maxFutureSeconds ?? 60)) throw unverified('JWT iat is in the future', 'stale');
  if (typeof claimedSha256 !== 'string') throw unverified('JWT has no request_body_sha256');
  // ES256 signatures are raw r‖s, 32 bytes each (JWS), not DER.
  if (jws.signature.length !== 64) throw unverified('JWT signature is not a 64-byte ES256 signature');
  return { kid, claimedSha256, signingInput: jws.signingInput, signature: jws.signature };
}

/**
 * Resolves to the body's hex SHA-256 when the screened token is Plaid's signature over exactly `rawBody`, under a
 * current Plaid key. Rejects with a WebhookRejection: 401 for a body that does not match or a forged signature, 503
 * when the key cannot be fetched now. The hash is checked before the key is fetched, so garbage costs no call to
 * Plaid; the signature then covers every claim that was checked.
 */
export async function verifyScreened(token: ScreenedToken, rawBody: Buffer, options: VerifyOptions): Promise<string> {
  const bodySha256 = sha256Hex(rawBody);
  if (!constantTimeEqual(token.claimedSha256, bodySha256)) throw unverified('body does not match request_body_sha256');
  const { kid } = token;
  const key = options.keys.cached?.(kid) ?? (await withDeadline(options.keys.get(kid), options.keyWaitMs ?? 8000));
  if (!verify('sha256', token.signingInput, { key, dsaEncoding: 'ieee-p1363' }, token.signature)) {
    throw unverified('JWT signature does not verify');
  }
  options.keys.pin?.(kid);
  return bodySha256;
}

/**
 * Both steps at once: resolves to the body's hex SHA-256 when `token` is Plaid's signature over exactly `rawBody`,
 * made recently, under a current Plaid key; works on the raw bytes alone (nothing is parsed but the token).
 */
export async function verifyPlaidSignature(token: string | undefined, rawBody: Buffer, options: VerifyOptions): Promise<string> {
  return verifyScreened(screenToken(token, options), rawBody, options);
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(unavailable(`no verification key within ${ms} ms`, 'key_unavailable')), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
