// What keeps web pages away from the control API, which fires signed webhooks, resets the emulator, rotates its
// keys and shows access tokens. A page on another site can send a "simple" cross-site POST (text/plain, a form, no
// body at all) without asking first, so a POST must declare a JSON body, which a browser sends cross-site only after
// a CORS preflight the emulator never grants. A page whose own host name was rebound to the emulator's address is
// same-origin to the browser but still names its host in Host, so the Host must name the emulator itself.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { errors, type PlaidApiError } from '../api/errors';
import type { EmulatorCore } from '../core';

/** The reason to refuse a control request before reading its body, or null to serve it. */
export function controlRefusal(core: EmulatorCore, request: IncomingMessage): PlaidApiError | null {
  if (!addressedToEmulator(core, request.headers.host)) return errors.foreignHost(core.baseUrl);
  if (request.method === 'POST' && !/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
    return errors.notJson();
  }
  return null;
}

const unbracket = (host: string) => host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

/**
 * True when `hostHeader` names the address the emulator listens on, with its port: the bound host itself;
 * `localhost` when that is a loopback or wildcard address; any IP literal when it listens on every address. A
 * rebinding page always sends a host *name* of its own, which none of these admit.
 */
function addressedToEmulator(core: EmulatorCore, hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  let url: URL;
  try {
    url = new URL(`http://${hostHeader}`);
  } catch {
    return false;
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return false;
  if ((url.port === '' ? 80 : Number(url.port)) !== core.port) return false;
  const named = unbracket(url.hostname);
  const bound = unbracket(core.options.host);
  if (named === bound) return true;
  if (named === 'localhost') return isLoopback(bound) || isWildcard(bound);
  return isWildcard(bound) && isIP(named) !== 0;
}
