// The HTTP side: routing (Plaid paths, control API, Hosted Link pages), injected faults, auth, field checks, Plaid error answers.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { CONTROL_PREFIX, handleControl } from '../control/routes';
import { HOSTED_LINK_PATH } from '../hosted-link/paths';
import { handleHostedLink } from '../hosted-link/routes';
import type { EmulatorCore } from '../core';
import { ENDPOINTS } from '../api';
import { errors, PlaidApiError } from '../api/errors';
import type { JsonObject } from '../api/fields';
import { parseJsonObject, readBody, sendJson, sendPlaidError } from './body';

export function createServer(core: EmulatorCore): http.Server {
  return http.createServer((request, response) => {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const handling = path.startsWith(CONTROL_PREFIX) ? handleControl(core, request, response, path)
      : path.startsWith(HOSTED_LINK_PATH) ? handleHostedLink(core, request, response, path)
        : handlePlaid(core, request, response, path);
    handling.catch(() => {
      // Reached only when the request stream itself failed (client gone); there is nobody left to answer.
      request.destroy();
    });
  });
}

async function handlePlaid(core: EmulatorCore, request: IncomingMessage, response: ServerResponse, path: string) {
  const requestId = core.nextRequestId();
  const endpoint = ENDPOINTS.get(path);
  if (!endpoint || request.method !== 'POST') {
    request.resume();
    sendPlaidError(response, errors.notFound(), requestId);
    return;
  }
  core.counts.apiRequests += 1;
  const raw = await readBody(request);

  const fault = core.faults.draw(path);
  if (fault.delayMs > 0) {
    core.counts.faultsDelayed += 1;
    await delay(core, fault.delayMs);
  }
  if (fault.outcome === 'rateLimit') {
    core.counts.faultsRateLimited += 1;
    const error = errors.rateLimit();
    error.headers = { 'Retry-After': String(core.faults.get().retryAfterSeconds) };
    sendPlaidError(response, error, requestId);
    return;
  }
  if (fault.outcome === 'serverError') {
    core.counts.faultsServerErrors += 1;
    sendPlaidError(response, errors.internalServerError(), requestId);
    return;
  }

  try {
    const body = parseJsonObject(request, raw);
    authenticate(core, request, body);
    const result = endpoint.handle(core, body);
    if (fault.outcome === 'serverErrorAfterEffect') {
      core.counts.faultsServerErrors += 1;
      throw errors.internalServerError();
    }
    result.request_id = requestId;
    sendJson(response, 200, result);
  } catch (error) {
    if (!(error instanceof PlaidApiError)) core.counts.unexpectedErrors += 1;
    sendPlaidError(response, error instanceof PlaidApiError ? error : errors.internalServerError(), requestId);
  }
}

/**
 * Plaid takes the keys from the PLAID-CLIENT-ID / PLAID-SECRET headers or from client_id / secret in the body
 * (headers win). Missing keys are MISSING_FIELDS; wrong ones INVALID_API_KEYS.
 */
function authenticate(core: EmulatorCore, request: IncomingMessage, body: JsonObject): void {
  const clientId = header(request, 'plaid-client-id') ?? stringField(body, 'client_id');
  const secret = header(request, 'plaid-secret') ?? stringField(body, 'secret');
  if (clientId === undefined || secret === undefined) {
    throw errors.missingFields([...(clientId === undefined ? ['client_id'] : []), ...(secret === undefined ? ['secret'] : [])]);
  }
  if (clientId !== core.options.clientId || secret !== core.options.secret) throw errors.invalidApiKeys();
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function stringField(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function delay(core: EmulatorCore, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      core.delayTimers.delete(timer);
      resolve();
    }, ms);
    core.delayTimers.add(timer);
  });
}
