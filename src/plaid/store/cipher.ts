// Access tokens at rest: AES-256-GCM, a fresh 12-byte IV per encryption and the item_id as associated data, so a
// ciphertext copied onto another Item's row does not decrypt. Under a key ring: every envelope names the key it was
// written with (a key id derived from the key, never the key), reads use any key of the ring, writes the current one.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { TokenUnreadableError } from './errors';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** `v1.<iv>.<tag>.<ciphertext>`: names no key; written before key rings, under the key of the store's first key check. */
const ENVELOPE_V1 = 'v1';
/** `v2.<key id>.<iv>.<tag>.<ciphertext>`. */
const ENVELOPE_V2 = 'v2';
/** What a key id is the HMAC of, under the key: the id tells keys apart and says nothing of the key. */
const KEY_ID_LABEL = 'plaid-item-store key id';
/** 8 bytes of the HMAC, base64url: 11 characters, no '.', a collision between two keys of a ring is out of reach. */
const KEY_ID_BYTES = 8;
/** Fewer different byte values than this in 32 bytes is a made-up key (a random one has about 30). */
const MIN_DISTINCT_BYTES = 16;
/** A key that is a pattern this long (or shorter) repeated is a made-up key. */
const MAX_PATTERN_BYTES = 16;

const FORMAT = 'must be 32 bytes written as base64 (44 characters) or hex (64 characters)';

/** A 32-byte key written as base64 (44 characters) or hex (64 characters); anything else is refused clearly. */
export function parseStoreKey(text: string): Buffer {
  const trimmed = (text ?? '').trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new Error(`the encryption key ${FORMAT}`);
}

/**
 * The older keys of a ring as the node keeps them: one per line; blank lines are skipped. A line that is not a key
 * is refused naming its line number, never its text.
 */
export function parseOlderKeys(text: string | undefined): Buffer[] {
  const keys: Buffer[] = [];
  (text ?? '').split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      keys.push(parseStoreKey(line));
    } catch {
      throw new Error(`the older key on line ${index + 1} ${FORMAT}`);
    }
  });
  return keys;
}

/** A new random key, as base64. */
export function generateStoreKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Why `key` cannot be a random key, or undefined: too few different bytes (all one byte, say), a short pattern
 * repeated, a counting sequence, or text. Each of these happens to a random key with odds below 1 in 10^13.
 */
export function keyWeakness(key: Buffer): string | undefined {
  const distinct = new Set(key).size;
  if (distinct === 1) return 'every byte is the same';
  for (let period = 1; period <= MAX_PATTERN_BYTES; period++) {
    if (key.every((byte, i) => byte === key[i % period])) return `it repeats a pattern of ${period} bytes`;
  }
  if (distinct < MIN_DISTINCT_BYTES) return `it has only ${distinct} different byte values`;
  const step = (key[1] - key[0] + 256) % 256;
  if (key.every((byte, i) => i === 0 || (byte - key[i - 1] + 256) % 256 === step)) return 'it counts by a fixed step';
  if (key.every((byte) => byte >= 0x20 && byte <= 0x7e)) return 'it is text (every byte a printable character), not random bytes';
  return undefined;
}

/** The key id of `key`: what envelopes, the key-usage counts and the error messages name it by. */
export function storeKeyId(key: Buffer): string {
  return createHmac('sha256', key).update(KEY_ID_LABEL).digest().subarray(0, KEY_ID_BYTES).toString('base64url');
}

/** The key id an envelope names; undefined for a v1 envelope (it names none) or text that is no envelope. */
export function envelopeKeyId(envelope: string): string | undefined {
  if (!envelope.startsWith(`${ENVELOPE_V2}.`)) return undefined;
  const end = envelope.indexOf('.', ENVELOPE_V2.length + 1);
  return end > 0 ? envelope.slice(ENVELOPE_V2.length + 1, end) : undefined;
}

/** True for an envelope written before key rings (see ENVELOPE_V1). */
export function isLegacyEnvelope(envelope: string): boolean {
  return envelope.startsWith(`${ENVELOPE_V1}.`);
}

const asKey = (key: Buffer | string): Buffer => (typeof key === 'string' ? parseStoreKey(key) : Buffer.from(key));

export class TokenCipher {
  /** The key id writes go under. */
  readonly currentKeyId: string;
  /** Key id -> key, the current key first, then the older keys in the order given. */
  readonly #keys = new Map<string, Buffer>();

  /**
   * `current` encrypts; it must look random (keyWeakness). `older` keys only decrypt, so a store written under a
   * weak key can still be rewrapped off it.
   */
  constructor(current: Buffer | string, older: ReadonlyArray<Buffer | string> = []) {
    const key = asKey(current);
    if (key.length !== KEY_BYTES) throw new Error(`the encryption key must be ${KEY_BYTES} bytes`);
    const weakness = keyWeakness(key);
    if (weakness) {
      throw new Error(
        `the encryption key has too little entropy (${weakness}): generate a random one (the editor's Generate button). ` +
          'A store written under this key opens with it under Older keys and the new one as the key; then rewrap',
      );
    }
    this.currentKeyId = storeKeyId(key);
    this.#keys.set(this.currentKeyId, key);
    for (const olderKey of older.map(asKey)) {
      if (olderKey.length !== KEY_BYTES) throw new Error(`an older key must be ${KEY_BYTES} bytes`);
      const id = storeKeyId(olderKey);
      if (!this.#keys.has(id)) this.#keys.set(id, olderKey);
    }
  }

  /** The ring's key ids, the current one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** `v2.<key id>.<iv>.<tag>.<ciphertext>` under the current key, each binary part base64. */
  encrypt(itemId: string, token: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.currentKeyId) as Buffer, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(itemId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return [ENVELOPE_V2, this.currentKeyId, ...[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64'))].join('.');
  }

  /** Throws TokenUnreadableError naming `itemId` for a key not in the ring, a tampered envelope or one moved from another Item. */
  decrypt(itemId: string, envelope: string): string {
    return this.open(itemId, envelope).token;
  }

  /** The token and the id of the ring key that decrypted it (a v1 envelope is tried under every key of the ring). */
  open(itemId: string, envelope: string): { token: string; keyId: string } {
    const parts = typeof envelope === 'string' ? envelope.split('.') : [];
    let candidates: string[];
    let sealed: string[];
    if (parts.length === 5 && parts[0] === ENVELOPE_V2) {
      candidates = this.#keys.has(parts[1]) ? [parts[1]] : [];
      sealed = parts.slice(2);
    } else if (parts.length === 4 && parts[0] === ENVELOPE_V1) {
      candidates = this.keyIds;
      sealed = parts.slice(1);
    } else {
      throw new TokenUnreadableError(itemId);
    }
    const [iv, tag, ciphertext] = sealed.map((part) => Buffer.from(part, 'base64'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new TokenUnreadableError(itemId);
    for (const keyId of candidates) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', this.#keys.get(keyId) as Buffer, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(itemId, 'utf8'));
        decipher.setAuthTag(tag);
        return { token: Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8'), keyId };
      } catch {
        // Not this key (or tampered): the next one, if any.
      }
    }
    throw new TokenUnreadableError(itemId);
  }
}
