// Access tokens at rest: AES-256-GCM, a fresh 12-byte IV per encryption and the item_id as associated data, so a
// ciphertext copied onto another Item's row does not decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TokenUnreadableError } from './errors';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENVELOPE_VERSION = 'v1';

/** A 32-byte key written as base64 (44 characters) or hex (64 characters); anything else is refused clearly. */
export function parseStoreKey(text: string): Buffer {
  const trimmed = (text ?? '').trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new Error('the encryption key must be 32 bytes written as base64 (44 characters) or hex (64 characters)');
}

/** A new random key, as base64. */
export function generateStoreKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export class TokenCipher {
  readonly #key: Buffer;

  constructor(key: Buffer | string) {
    this.#key = typeof key === 'string' ? parseStoreKey(key) : Buffer.from(key);
    if (this.#key.length !== KEY_BYTES) throw new Error(`the encryption key must be ${KEY_BYTES} bytes`);
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, each part base64. */
  encrypt(itemId: string, token: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(itemId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return [ENVELOPE_VERSION, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
      .join('.');
  }

  /** Throws TokenUnreadableError naming `itemId` for a wrong key, a tampered envelope or one moved from another Item. */
  decrypt(itemId: string, envelope: string): string {
    const parts = typeof envelope === 'string' ? envelope.split('.') : [];
    if (parts.length !== 4 || parts[0] !== ENVELOPE_VERSION) throw new TokenUnreadableError(itemId);
    const [iv, tag, ciphertext] = parts.slice(1).map((part) => Buffer.from(part, 'base64'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new TokenUnreadableError(itemId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(itemId, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new TokenUnreadableError(itemId);
    }
  }
}
