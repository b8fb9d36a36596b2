// Delivers webhooks as Plaid does: POST of the exact body bytes with a Plaid-Verification JWS, re-sent on a non-2xx
// answer or a connection failure after 30 s, then each delay ×4, while the total stays within 24 h; a 429's
// Retry-After (capped at 4 h) replaces the scheduled delay. All delays are multiplied by `timeFactor` so tests
// can run the schedule in milliseconds. Every attempt is recorded for tests to inspect.
import http from 'node:http';
import https from 'node:https';
import type { Counts } from '../model/counts';
import { sha256Hex } from './signing-keys';

const FIRST_RETRY_MS = 30_000;
const RETRY_GROWTH = 4;
const RETRY_HORIZON_MS = 24 * 60 * 60 * 1000;
const MAX_RETRY_AFTER_MS = 4 * 60 * 60 * 1000;

/** Plaid's retry delays before scaling: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, 8 h 32 min (total < 24 h). */
export const RETRY_SCHEDULE_MS: readonly number[] = (() => {
  const delays: number[] = [];
  let total = 0;
  for (let delay = FIRST_RETRY_MS; total + delay <= RETRY_HORIZON_MS; delay *= RETRY_GROWTH) {
    delays.push(delay);
    total += delay;
  }
  return delays;
})();

export interface DeliveryAttempt {
  /** Wall-clock ms (Date.now) when the attempt started: retries run on real timers, whatever the emulator clock. */
  startedAt: number;
  durationMs: number;
  /** HTTP status, or null when the connection failed or timed out. */
  status: number | null;
  error: string | null;
}

export interface DeliveryRecord {
  id: number;
  url: string;
  webhookType: string;
  webhookCode: string;
  itemId: string | null;
  /** The exact bytes sent (JSON, 2-space indented). */
  body: string;
  bodySha256: string;
  attempts: DeliveryAttempt[];
  /**
   * cancelled: the emulator was stopped or reset while the webhook was still pending. dropped: never sent, as asked
   * through dropNext() (a delivery lost for good).
   */
  state: 'pending' | 'delivered' | 'abandoned' | 'cancelled' | 'dropped';
  /** Scaled delay before the next attempt, while one is scheduled. */
  nextRetryInMs: number | null;
}

export interface DeliveryOptions {
  counts: Counts;
  /** Makes the Plaid-Verification header for a body; called per attempt, so each attempt has a fresh iat. */
  sign: (body: Buffer) => string;
  timeFactor: number;
  timeoutMs: number;
  /** Oldest records are dropped beyond this many (long CLI runs). */
  maxRecords: number;
}

type Meta = Pick<DeliveryRecord, 'webhookType' | 'webhookCode' | 'itemId'>;

/** The next `remaining` webhooks of this type and code (null: any) are dropped instead of sent. */
export interface DropRule {
  webhookType: string | null;
  webhookCode: string | null;
  remaining: number;
}

export class WebhookDispatcher {
  readonly records: DeliveryRecord[] = [];
  private nextId = 1;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<http.ClientRequest>();
  private pending = 0;
  /** Bumped by cancelAll() so callbacks of aborted attempts know to do nothing. */
  private generation = 0;
  private idleWaiters: Array<() => void> = [];
  private drops: DropRule[] = [];
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });

  constructor(private readonly options: DeliveryOptions) {}

  /** Queues a webhook; the first attempt starts on the next turn of the event loop (after the API answer). */
  send(url: string, payload: object, meta: Meta): DeliveryRecord {
    const body = JSON.stringify(payload, null, 2);
    const bytes = Buffer.from(body);
    const record: DeliveryRecord = {
      id: this.nextId++,
      url,
      ...meta,
      body,
      bodySha256: sha256Hex(bytes),
      attempts: [],
      state: 'pending',
      nextRetryInMs: null,
    };
    this.records.push(record);
    if (this.records.length > this.options.maxRecords) this.records.shift();
    this.options.counts.webhooksFired += 1;
    if (this.takeDrop(meta)) {
      record.state = 'dropped';
      this.options.counts.webhooksDropped += 1;
      return record;
    }
    this.pending += 1;
    this.schedule(0, () => this.attempt(record, bytes, 0));
    return record;
  }

  /** Drops the next `count` webhooks of the type and code given (null: any), first rule first; returns the rules left. */
  dropNext(webhookType: string | null, webhookCode: string | null, count: number): DropRule[] {
    this.drops.push({ webhookType, webhookCode, remaining: count });
    return this.pendingDrops();
  }

  pendingDrops(): DropRule[] {
    return this.drops.map((rule) => ({ ...rule }));
  }

  private takeDrop(meta: Meta): boolean {
    const rule = this.drops.find((candidate) => (candidate.webhookType ?? meta.webhookType) === meta.webhookType
      && (candidate.webhookCode ?? meta.webhookCode) === meta.webhookCode);
    if (!rule) return false;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.drops.splice(this.drops.indexOf(rule), 1);
    return true;
  }

  /** Resolves once no delivery is in flight or waiting for a retry. */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels scheduled retries and aborts attempts in flight (records keep their last state). */
  cancelAll(): void {
    this.generation += 1;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const request of this.inFlight) request.destroy();
    this.inFlight.clear();
    for (const record of this.records) {
      record.nextRetryInMs = null;
      if (record.state === 'pending') record.state = 'cancelled';
    }
    this.pending = 0;
    this.wakeIdleWaiters();
  }

  /** Cancels everything pending, forgets the records and the drops asked for. */
  clear(): void {
    this.cancelAll();
    this.records.length = 0;
    this.drops = [];
  }

  close(): void {
    this.cancelAll();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private attempt(record: DeliveryRecord, bytes: Buffer, retriesDone: number): void {
    record.nextRetryInMs = null;
    const started = Date.now();
    const attempt: DeliveryAttempt = { startedAt: started, durationMs: 0, status: null, error: null };
    record.attempts.push(attempt);
    this.options.counts.webhookAttempts += 1;

    const generation = this.generation;
    let settled = false;
    const finish = (status: number | null, error: string | null, retryAfterMs: number | null) => {
      if (settled || generation !== this.generation) return;
      settled = true;
      this.inFlight.delete(request);
      attempt.durationMs = Date.now() - started;
      attempt.status = status;
      attempt.error = error;
      if (status !== null && status >= 200 && status < 300) {
        record.state = 'delivered';
        this.options.counts.webhooksDelivered += 1;
        this.done();
      } else {
        this.retryOrAbandon(record, bytes, retriesDone, retryAfterMs);
      }
    };

    let request: http.ClientRequest;
    try {
      const target = new URL(record.url);
      const secure = target.protocol === 'https:';
      request = (secure ? https : http).request(target, {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': bytes.length,
          'Plaid-Verification': this.options.sign(bytes),
          'User-Agent': 'plaid-emulator',
        },
      });
    } catch (error) {
      // A URL Node cannot request (it passed the field check but e.g. has a bad port) fails like a dead host.
      attempt.error = error instanceof Error ? error.message : String(error);
      this.retryOrAbandon(record, bytes, retriesDone, null);
      return;
    }
    this.inFlight.add(request);
    request.setTimeout(this.options.timeoutMs, () => request.destroy(new Error('timed out')));
    request.on('response', (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      const retryAfterMs = status === 429 ? parseRetryAfter(response.headers['retry-after']) : null;
      response.on('end', () => finish(status, null, retryAfterMs));
      response.on('error', (error) => finish(null, error.message, null));
      response.on('close', () => finish(null, 'connection closed before the answer ended', null));
    });
    request.on('error', (error) => finish(null, error.message, null));
    request.end(bytes);
  }

  private retryOrAbandon(record: DeliveryRecord, bytes: Buffer, retriesDone: number, retryAfterMs: number | null): void {
    const scheduled = RETRY_SCHEDULE_MS[retriesDone];
    if (scheduled === undefined) {
      record.state = 'abandoned';
      this.options.counts.webhooksAbandoned += 1;
      this.done();
      return;
    }
    const delay = Math.round((retryAfterMs ?? scheduled) * this.options.timeFactor);
    record.nextRetryInMs = delay;
    this.schedule(delay, () => this.attempt(record, bytes, retriesDone + 1));
  }

  private schedule(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    // Pending retries (hours apart at timeFactor 1) must not keep a process alive on their own.
    timer.unref();
    this.timers.add(timer);
  }

  private done(): void {
    this.pending -= 1;
    if (this.pending === 0) this.wakeIdleWaiters();
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

function parseRetryAfter(header: string | undefined): number | null {
  if (!header) return null;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  if (!Number.isFinite(ms) || ms < 0) return null;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
