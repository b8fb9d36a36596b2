// Webhook signing keys: P-256 key pairs generated in memory, served as JWKs by /webhook_verification_key/get,
// and the Plaid-Verification JWS (ES256, raw r||s signature) over {iat, request_body_sha256}.
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { epochSeconds, type Clock } from '../model/clock';

/** JWKPublicKey of the spec. */
export interface WebhookVerificationJwk {
  alg: 'ES256';
  crv: 'P-256';
  kid: string;
  kty: 'EC';
  use: 'sig';
  x: string;
  y: string;
  created_at: number;
  expired_at: number | null;
}

interface SigningKey {
  privateKey: KeyObject;
  jwk: WebhookVerificationJwk;
  /** base64url of the JWS protected header, computed once per key. */
  encodedHeader: string;
}

export interface KeyRotation {
  kid: string;
  previousKid: string;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export const sha256Hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export class KeyRing {
  private readonly keys = new Map<string, SigningKey>();
  private current: SigningKey;

  constructor(private readonly clock: Clock) {
    this.current = this.generate();
  }

  get currentKid(): string {
    return this.current.jwk.kid;
  }

  /**
   * Signs with a fresh key from now on. The old key stays servable (so webhooks already signed with it still
   * verify) with expired_at null, unless `expireOld` marks it expired now; expire() can do that later.
   */
  rotate(options: { expireOld?: boolean } = {}): KeyRotation {
    const previous = this.current;
    this.current = this.generate();
    if (options.expireOld) this.expire(previous.jwk.kid);
    return { kid: this.current.jwk.kid, previousKid: previous.jwk.kid };
  }

  /** Sets expired_at (default now, in seconds) on a key; false for an unknown kid. */
  expire(kid: string, atSeconds = epochSeconds(this.clock.now())): boolean {
    const key = this.keys.get(kid);
    if (!key) return false;
    key.jwk.expired_at = atSeconds;
    return true;
  }

  publicJwk(kid: string): WebhookVerificationJwk | undefined {
    const key = this.keys.get(kid);
    return key ? { ...key.jwk } : undefined;
  }

  /** The Plaid-Verification header value for these exact body bytes, signed now with the current key. */
  signWebhookBody(body: Buffer): string {
    const claims = { iat: epochSeconds(this.clock.now()), request_body_sha256: sha256Hex(body) };
    const signingInput = `${this.current.encodedHeader}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), {
      key: this.current.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${signingInput}.${signature.toString('base64url')}`;
  }

  private generate(): SigningKey {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const exported = publicKey.export({ format: 'jwk' });
    const kid = randomUUID();
    const jwk: WebhookVerificationJwk = {
      alg: 'ES256',
      crv: 'P-256',
      kid,
      kty: 'EC',
      use: 'sig',
      x: String(exported.x),
      y: String(exported.y),
      created_at: epochSeconds(this.clock.now()),
      expired_at: null,
    };
    const key = { privateKey, jwk, encodedHeader: base64url(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' })) };
    this.keys.set(kid, key);
    return key;
  }
}
