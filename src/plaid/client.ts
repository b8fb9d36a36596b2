import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, BackoffOptions, DEFAULT_BACKOFF, parseRetryAfter } from './backoff';
import { channels } from './channels';
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

/** Plaid's answer to one attempt, read whole. */
interface Answer {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What one attempt ended in: an answer, or a transport failure. */
type Attempt =
  | { response: Answer }
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
  /** The headers of every call (the body's length is added per call). */
  private readonly headers: Record<string, string>;

  constructor(options: PlaidClientOptions) {
    this.options = { backoff: DEFAULT_BACKOFF, maxRetryAfterMs: 60_000, ...options };
    this.agent = {
      http: new http.Agent({ keepAlive: true }),
      https: new https.Agent({ keepAlive: true }),
    };
    this.secrets = [options.secret];
    this.headers = {
      'content-type': 'application/json',
      'plaid-client-id': options.clientId,
      'plaid-secret': options.secret,
      'plaid-version': PLAID_VERSION,
    };
  }

  /** `options.retries` overrides the client's for this call (0: one attempt only). */
  async request(endpoint: EndpointSpec, body: Record<string, unknown>, options: { retries?: number } = {}): Promise<PlaidResponse> {
    const closedError = () => new PlaidRequestError({ kind: 'config', endpoint: endpoint.label, attempts: 0, detail: 'client closed' });
    if (this.closing.signal.aborted) throw closedError();
    const payload = JSON.stringify(body);
    const secrets = [...this.secrets, ...tokensIn(body)];
    const maxAttempts = 1 + Math.max(0, options.retries ?? this.options.retries);
    // An earlier attempt whose answer was lost (timeout, dropped connection, 5xx) may have taken effect: a later
    // INVALID_ACCESS_TOKEN from item/remove then likely means the first attempt removed the Item. The error says so.
    let unclear: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const sentAt = performance.now();
      const outcome = await this.attempt(endpoint, payload);
      const result = this.interpret(endpoint, outcome, attempt, secrets);
      const failed = result instanceof PlaidRequestError;
      if (failed && result.status === 429 && 'response' in outcome) result.retryAfterMs = parseRetryAfter(headerValue(outcome.response.headers['retry-after']));
      const wait = failed && attempt < maxAttempts && !this.closing.signal.aborted ? this.retryDelay(endpoint, outcome, attempt) : undefined;
      channels.plaidAttempted.publish({ endpoint: endpoint.label, attempt, seconds: (performance.now() - sentAt) / 1000, final: wait === undefined, error: failed ? result : undefined });
      if (!failed) return result;
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
   * One POST on the client's keep-alive agent, its answer read whole; never rejects. Node's own client rather than a
   * library: got 16 destroyed each request as its promise settled, and under load (an answer read before the request
   * had finished writing) that closed the kept-alive connection, so about half the calls opened a new one (test/nodes).
   * `timeout` bounds the whole attempt, from sending to the answer's end.
   */
  private attempt(endpoint: EndpointSpec, payload: string): Promise<Attempt> {
    const url = this.options.baseUrl + endpoint.path;
    const secure = url.startsWith('https:');
    return new Promise((resolve) => {
      let request: http.ClientRequest;
      try {
        request = (secure ? https : http).request(url, {
          method: 'POST',
          agent: secure ? this.agent.https : this.agent.http,
          headers: { ...this.headers, 'content-length': Buffer.byteLength(payload) },
        });
      } catch (err) {
        resolve(this.failureOf(err));
        return;
      }
      let settled = false;
      const timer = setTimeout(() => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), this.options.timeout);
      const settle = (attempt: Attempt) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(attempt);
      };
      const failed = (err: unknown) => settle(this.failureOf(err));
      request.on('error', failed);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', failed);
        response.on('end', () => {
          settle({ response: { statusCode: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') } });
        });
        // A connection dropped mid-answer: the answer closes without having ended.
        response.on('close', () => {
          if (!response.complete) failed({ code: 'ECONNRESET' });
        });
      });
      request.end(payload);
    });
  }

  /** A transport error as an attempt's failure: only its code (its text could carry the request and so the secret). */
  private failureOf(err: unknown): Attempt {
    const code = (err as { code?: string }).code ?? 'ERROR';
    if (code === 'ETIMEDOUT') return { failure: 'timeout', detail: `no answer within ${this.options.timeout} ms` };
    if (code === 'ECONNREFUSED') return { failure: 'refused', detail: `connection refused by ${hostOf(this.options.baseUrl)}` };
    return { failure: 'network', detail: code };
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
