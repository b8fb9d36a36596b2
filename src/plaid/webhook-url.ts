// Webhook URLs given as a path: a flow names the route of its webhook node (`/plaid/webhook`), and the config node
// knows where Plaid reaches this Node-RED (its webhook base URL), so no flow needs a host or a port.

/** The URL Plaid must call for `value`: a path (one leading `/`) gets `base` in front; anything else is kept. */
export function onWebhookBase(value: unknown, base: string): unknown {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return value;
  return `${base.replace(/\/+$/, '')}${value}`;
}

/**
 * `body` with the URL at `at` (a path of keys) put on `base`. The objects along the way are copied, not changed:
 * they may be the message's own.
 */
export function withWebhookBase(body: Record<string, unknown>, at: readonly string[], base: string): Record<string, unknown> {
  const [key, ...rest] = at;
  if (key === undefined || !Object.hasOwn(body, key)) return body;
  const value = body[key];
  if (rest.length === 0) {
    const resolved = onWebhookBase(value, base);
    return resolved === value ? body : { ...body, [key]: resolved };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return body;
  const inner = withWebhookBase(value as Record<string, unknown>, rest, base);
  return inner === value ? body : { ...body, [key]: inner };
}
