// The client secret is bound to the base URL it was supplied for. The binding lives inside the secret's own
// credential (a password: never sent back to the editor, never readable through the Admin API), so only whoever
// supplies the secret can move it: the editor typing it, or an Admin API deploy that includes it. A secret supplied
// that way arrives as it is (not in the bound form) and is bound to the base URL it is deployed with; one kept from
// before (`__PWRD__`, or a deploy without credentials) stays bound to where it was.

/** Starts a bound secret; no Plaid secret looks like this. */
const BOUND = 'plaid-config bound secret v1 ';

export interface StoredSecret {
  secret: string;
  /** The base URL the secret is bound to; undefined for a secret just supplied, not yet bound. */
  boundTo?: string;
}

export function readSecret(stored: string): StoredSecret {
  if (!stored.startsWith(BOUND)) return { secret: stored };
  const rest = stored.slice(BOUND.length);
  const end = rest.indexOf('\n');
  return end < 0 ? { secret: stored } : { boundTo: rest.slice(0, end), secret: rest.slice(end + 1) };
}

/** The credential's value once `secret` is bound to `baseUrl`. */
export function bindSecret(secret: string, baseUrl: string): string {
  return `${BOUND}${baseUrl}\n${secret}`;
}

/** Why the secret may not be sent to `target`, or undefined when it may. */
export function bindingProblem(stored: StoredSecret, target: string): string | undefined {
  if (stored.boundTo === undefined || stored.boundTo === target) return undefined;
  return `the secret was entered for ${stored.boundTo}, but this config node now calls ${target}: enter the secret again (nothing is sent until then)`;
}
