// Where Plaid reaches this Node-RED's webhook routes, when the config node does not say: Node-RED's own address as
// its settings give it (uiHost, uiPort, https, httpNodeRoot). That reaches a local emulator, never Plaid itself.

/** The settings Node-RED listens by (red.js sets uiPort; an embedding application may leave any of them out). */
export interface ListenSettings {
  https?: unknown;
  uiHost?: unknown;
  uiPort?: unknown;
  httpNodeRoot?: unknown;
}

const DEFAULT_PORT = 1880;
const ANY_ADDRESS = new Set(['', '0.0.0.0', '::']);
const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s?#]*$/;

/** http(s)://host:port/root of this Node-RED, 127.0.0.1 when it listens on every address. */
export function ownWebhookBase(settings: ListenSettings): string {
  const scheme = settings.https ? 'https' : 'http';
  const listen = typeof settings.uiHost === 'string' ? settings.uiHost : '';
  const host = ANY_ADDRESS.has(listen) ? '127.0.0.1' : listen.includes(':') ? `[${listen}]` : listen;
  const port = Number(settings.uiPort) > 0 ? Number(settings.uiPort) : DEFAULT_PORT;
  const root = typeof settings.httpNodeRoot === 'string' ? settings.httpNodeRoot.replace(/\/+$/, '') : '';
  return `${scheme}://${host}:${port}${root}`;
}

/** A webhook base URL setting that is not an http(s) URL. */
export class WebhookBaseError extends Error {
  constructor(readonly url: string) {
    super(`correct the webhook base URL in the Plaid config node: "${url}" is not an http:// or https:// URL`);
  }
}

/** The config node's webhook base URL: its setting (trailing slashes dropped), else this Node-RED's own address. */
export function webhookBaseOf(setting: unknown, settings: ListenSettings): string {
  const given = typeof setting === 'string' ? setting.trim() : '';
  if (given === '') return ownWebhookBase(settings);
  if (!HTTP_URL.test(given)) throw new WebhookBaseError(given);
  return given.replace(/\/+$/, '');
}
