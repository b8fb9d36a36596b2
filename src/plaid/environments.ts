export type PlaidEnvironment = 'sandbox' | 'production' | 'custom';

export const ENVIRONMENTS: readonly PlaidEnvironment[] = ['sandbox', 'production', 'custom'];

const HOSTS: Record<Exclude<PlaidEnvironment, 'custom'>, string> = {
  sandbox: 'https://sandbox.plaid.com',
  production: 'https://production.plaid.com',
};

/** The base URL calls go to; a custom one (an emulator, a proxy) must be http(s) and loses its trailing slash. */
export function baseUrlFor(environment: PlaidEnvironment, customBaseUrl: string | undefined): string {
  if (environment !== 'custom') return HOSTS[environment];
  const url = (customBaseUrl ?? '').trim().replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('a custom environment needs a base URL such as http://127.0.0.1:7878');
  }
  if (!/^https?:$/.test(parsed.protocol)) throw new Error('the base URL must start with http:// or https://');
  return url;
}

export function isEnvironment(value: unknown): value is PlaidEnvironment {
  return ENVIRONMENTS.includes(value as PlaidEnvironment);
}
