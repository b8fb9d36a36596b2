import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Got, Response } from 'got' with { 'resolution-mode': 'import' };
import { backoffDelay, BackoffOptions, DEFAULT_BACKOFF, parseRetryAfter } from './backoff';
import type { EndpointSpec } from './endpoints';
import { FailureKind, isPlaidErrorBody, PlaidRequestError, redactPlaidError } from './errors';
import { redact } from './redact';

export const PLAID_VERSION = '2020-09-14';

export interface PlaidClientOptions {
  baseUrl: string;
  clientId: string;
  secret: string;
  /** Per attempt, in ms. */
  timeout: number;
  /** Further attempts after the first, where the endpoint's retry policy allows them. */
  retries: number;
  backoff?: BackoffOptions;
  /** A Retry-After longer than this fails the call at once rather than holding the message. */
  maxRetryAfterMs?: number;
}

export interface PlaidResponse {
  body: Record<string, unknown>;
  status: number;
  attempts: number;
  requestId: string | undefined;
}

// got is ESM-only: load it once, on first use, from this CommonJS package.
let gotModule: Promise<Got> | undefined;
function loadGot(): Promise<Got> {
  gotModule ??= import('got').then((module) => module.default);
  return gotModule;
}

/** What one attempt ended in: an answer, or a transport failure. */
type Attempt =
  | { response: Response<string> }
  | { failure: Exclude<FailureKind, 'plaid' | 'http' | 'bad-response' | 'config'>; detail: string };

/**
 * One client per config node: a keep-alive agent shared by every call of every node using that config node,
 * per-attempt timeouts, and retries only where the endpoint's policy says a repeat is harmless.
 */
export class PlaidClient {
  private readonly options: Required<PlaidClientOptions>;
  private readonly agent: { http: http.Agent; https: https.Agent };
  private readonly secrets: string[];
  /** Aborted by close(): ends a wait between attempts at once, and no attempt starts after it. */
  private readonly closing = new AbortController();
  /** got extended once with everything that is the same on every call; see instance(). */
  private got: Promise<Got> | undefined;

  constructor(options: PlaidClientOptions) {
    this.options = { backoff: DEFAULT_BACKOFF, maxRetryAfterMs: 60_000, ...options };
    this.agent = {
      http: new http.Agent({ keepAlive: true }),
      https: new https.Agent({ keepAlive: true }),
    };
    this.secrets = [options.secret];
  }

  /** `options.retries` overrides the client's for this call (0: one attempt only). */
  async request(endpoint: EndpointSpec, body: Record<string, unknown>, options: { retries?: number } = {}): Promise<PlaidResponse> {
    const closedError = () => new PlaidRequestError({ kind: 'config', endpoint: endpoint.label, attempts: 0, detail: 'client closed' });
    if (this.closing.signal.aborted) throw closedError();
    const got = await this.instance();
    // Closed while got loaded: nothing is sent.
    if (this.closing.signal.aborted) throw closedError();
    const payload = JSON.stringify(body);
    const secrets = [...this.secrets, ...tokensIn(body)];
    const maxAttempts = 1 + Math.max(0, options.retries ?? this.options.retries);
    // An earlier attempt whose answer was lost (timeout, dropped connection, 5xx) may have taken effect: a later
    // INVALID_ACCESS_TOKEN from item/remove then likely means the first attempt removed the Item. The error says so.
    let unclear: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(got, endpoint, payload);
      const result = this.interpret(endpoint, outcome, attempt, secrets);
      if (!(result instanceof PlaidRequestError)) return result;
      if (result.status === 429 && 'response' in outcome) result.retryAfterMs = parseRetryAfter(headerValue(outcome.response.headers['retry-after']));
      const wait = attempt < maxAttempts ? this.retryDelay(endpoint, outcome, attempt) : undefined;
      // A close() before or during the wait ends the call with this attempt's error: nothing is sent after close.
      if (wait === undefined || !(await this.waited(wait))) {
        if (unclear && result.kind === 'plaid') {
          result.message += `; an earlier attempt ended in ${unclear} and may have taken effect`;
          result.earlierAttempt = unclear;
        }
        result.mayHaveTakenEffect = unclear !== undefined || mayHaveReachedPlaid(result) !== undefined;
        if (result.mayHaveTakenEffect && endpoint.lostAnswer) result.message += `; ${endpoint.lostAnswer}`;
        throw result;
      }
      unclear ??= mayHaveReachedPlaid(result);
    }
  }

  /** Releases the keep-alive sockets; later calls fail without sending. */
  close(): void {
    this.closing.abort();
    this.agent.http.destroy();
    this.agent.https.destroy();
  }

  /** Waits `ms` between attempts; false when close() came first (the timer is cleared, nothing keeps it). */
  private async waited(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.closing.signal });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The options that never change are merged into a got instance once per client: got validates and merges every
   * option a call passes, so a call that passes only its body costs less (bench/).
   */
  private instance(): Promise<Got> {
    this.got ??= loadGot().then((got) =>
      got.extend({
        headers: {
          'content-type': 'application/json',
          'plaid-client-id': this.options.clientId,
          'plaid-secret': this.options.secret,
          'plaid-version': PLAID_VERSION,
        },
        agent: this.agent,
        timeout: { request: this.options.timeout },
        retry: { limit: 0 },
        throwHttpErrors: false,
        followRedirect: false,
      }),
    );
    return this.got;
  }

  private async attempt(got: Got, endpoint: EndpointSpec, payload: string): Promise<Attempt> {
    try {
      const response = await got.post(this.options.baseUrl + endpoint.path, { body: payload });
      return { response };
    } catch (err) {
      // got's own errors carry the request options, headers (and so the secret) included: keep only the code.
      const code = (err as { code?: string }).code ?? 'ERROR';
      if (code === 'ETIMEDOUT') return { failure: 'timeout', detail: `no answer within ${this.options.timeout} ms` };
      if (code === 'ECONNREFUSED') return { failure: 'refused', detail: `connection refused by ${hostOf(this.options.baseUrl)}` };
      return { failure: 'network', detail: code };
    }
  }

  /** The answer an attempt got, or the error it ended in. */
  private interpret(endpoint: EndpointSpec, outcome: Attempt, attempts: number, secrets: string[]): PlaidResponse | PlaidRequestError {
    const base = { endpoint: endpoint.label, attempts };
    if ('failure' in outcome) return new PlaidRequestError({ ...base, kind: outcome.failure, detail: outcome.detail });
    const status = outcome.response.statusCode;
    let parsed: unknown;
    try {
      parsed = JSON.parse(outcome.response.body);
    } catch {
      return new PlaidRequestError({ ...base, kind: status >= 400 ? 'http' : 'bad-response', status });
    }
    if (status >= 200 && status < 300) {
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return new PlaidRequestError({ ...base, kind: 'bad-response', status });
      }
      const body = parsed as Record<string, unknown>;
      const requestId = typeof body.request_id === 'string' ? body.request_id : undefined;
      return { body, status, attempts, requestId };
    }
    if (isPlaidErrorBody(parsed)) {
      return new PlaidRequestError({ ...base, kind: 'plaid', status, plaidError: redactPlaidError(parsed, secrets) });
    }
    return new PlaidRequestError({ ...base, kind: 'http', status });
  }

  /** How long to wait before the next attempt, or undefined when this failure must not be repeated. */
  private retryDelay(endpoint: EndpointSpec, outcome: Attempt, attempt: number): number | undefined {
    const backoff = backoffDelay(attempt, this.options.backoff);
    if ('failure' in outcome) {
      if (outcome.failure === 'refused' || endpoint.retry === 'idempotent') return backoff;
      return undefined;
    }
    const status = outcome.response.statusCode;
    if (status === 429) {
      const retryAfter = parseRetryAfter(headerValue(outcome.response.headers['retry-after']));
      if (retryAfter === undefined) return backoff;
      return retryAfter <= this.options.maxRetryAfterMs ? retryAfter : undefined;
    }
    if (status >= 500 && endpoint.retry === 'idempotent') return backoff;
    return undefined;
  }
}

function headerValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

/** How a failed attempt that Plaid may have acted on ended; undefined when Plaid surely did nothing. */
function mayHaveReachedPlaid(error: PlaidRequestError): string | undefined {
  if (error.kind === 'timeout' || error.kind === 'network') return `a ${error.kind}`;
  if (error.status !== undefined && error.status >= 500) return `HTTP ${error.status}`;
  return undefined;
}

/** Access and public tokens in a request body: they must be masked if Plaid echoes them back in an error text. */
function tokensIn(body: Record<string, unknown>): string[] {
  return ['access_token', 'public_token'].flatMap((key) => (typeof body[key] === 'string' ? [body[key]] : []));
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return redact(baseUrl);
  }
}
