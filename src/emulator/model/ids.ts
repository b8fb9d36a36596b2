// Identifiers shaped like Plaid's: 37-character alphanumeric item/account ids, 15-character request ids,
// `<kind>-sandbox-<uuid>` tokens.
import { randomBytes, randomUUID } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function alphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  // The modulo bias is irrelevant for identifiers that only need to be unique and Plaid-shaped.
  for (const byte of bytes) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return out;
}

export const newPlaidId = () => alphanumeric(37);
export const newAccessToken = () => `access-sandbox-${randomUUID()}`;
export const newPublicToken = () => `public-sandbox-${randomUUID()}`;
export const newLinkToken = () => `link-sandbox-${randomUUID()}`;
export { randomUUID };

/**
 * Request ids: a random prefix per emulator plus a counter, so each request costs no crypto call (throughput
 * matters to the benchmark) and ids stay unique within a run.
 */
export function requestIdSource(): () => string {
  const prefix = alphanumeric(7);
  let counter = 0;
  return () => prefix + (counter++).toString(36).padStart(8, '0');
}
