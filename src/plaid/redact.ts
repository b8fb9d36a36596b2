// Access tokens and public tokens are bearer secrets: anything that can reach a log, a status, an error text or
// msg.error goes through here first. item_id, account_id and request_id are safe to show and are left alone.

const TOKEN_PATTERN = /\b(access|public)-(sandbox|production|development)-[A-Za-z0-9-]+/g;
/** In a webhook body shown to an operator, link tokens are masked too: no token is ever shown. */
const BODY_TOKEN_PATTERN = /\b(access|public|link)-(sandbox|production|development)-[A-Za-z0-9-]+/g;

/** `access-sandbox-…1234`: enough to tell tokens apart in a log, useless to anyone who reads it. */
export function maskToken(token: string): string {
  const match = /^(access|public|link)-(sandbox|production|development)-/.exec(token);
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

/** Fields whose values are tokens whatever their shape (`public_tokens`: a list of them). */
const TOKEN_FIELD = /^(access|public|link)_tokens?$/;

/**
 * A copy of parsed JSON with every access, public and link token masked: in any string by their shape, and under
 * the fields that hold tokens whatever their shape.
 */
export function maskTokensIn(value: unknown, tokenField = false): unknown {
  if (typeof value === 'string') return tokenField ? maskToken(value) : value.replace(BODY_TOKEN_PATTERN, (token) => maskToken(token));
  if (Array.isArray(value)) return value.map((inner) => maskTokensIn(inner, tokenField));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, maskTokensIn(inner, TOKEN_FIELD.test(key))]));
  }
  return value;
}
