// Access tokens and public tokens are bearer secrets: anything that can reach a log, a status, an error text or
// msg.error goes through here first. item_id, account_id and request_id are safe to show and are left alone.

const TOKEN_PATTERN = /\b(access|public)-(sandbox|production|development)-[A-Za-z0-9-]+/g;

/** `access-sandbox-…1234`: enough to tell tokens apart in a log, useless to anyone who reads it. */
export function maskToken(token: string): string {
  const match = /^(access|public)-(sandbox|production|development)-/.exec(token);
  const prefix = match ? match[0] : '';
  return `${prefix}…${token.slice(-4)}`;
}

/** Masks every Plaid token in `text` and removes each given secret (client secret, tokens sent). */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(TOKEN_PATTERN, (token) => maskToken(token));
  for (const secret of secrets) {
    // Short values (an empty or placeholder secret) would mask ordinary words; real secrets are long.
    if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  }
  return out;
}
