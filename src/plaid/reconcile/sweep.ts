// One reconcile sweep of an Item store: each Item's state asked of Plaid (/item/get, and /link/token/get for a
// Hosted Link session nobody reported), the record brought up to date, each status change reported as the webhook
// it stands in for. One sweep per store at a time across every instance sharing it (a held claim); calls paced to
// the rate (pacer.ts); Items not checked for longest first, so a sweep cut short by a deploy, a restart or a crash
// is continued by the next one and no Item is starved.
import type { PlaidClient, PlaidResponse } from '../client';
import { ItemStoreError } from '../store/errors';
import { HeldClaim } from '../store/held-claim';
import type { ItemStore } from '../store/item-store';
import type { ItemRecord, ItemStatus } from '../store/record';
import { delay, REAL_TIMERS, type Timers } from '../timers';
import { ITEM_GET, LINK_TOKEN_GET } from './calls';
import { CheckWriter } from './check-writer';
import { changeMessage, environmentOf, itemChangeBody, type ReconcileChange } from './changes';
import { needsSessionLookup, sessionFinishedBody } from './link-session';
import { failureOf, itemFailure, itemFound, type CallFailure, type ItemFound } from './outcomes';
import { CallPacer, RATE_WINDOW_MS, type FinishCall } from './pacer';

/** The claim that makes a sweep one per store: the store is the scope, so the key is the same for every sweep. */
export const SWEEP_CLAIM_KEY = 'plaid-items-reconcile sweep';
/** How long a sweep's claim outlives an instance that died holding it. */
export const SWEEP_LEASE_MS = 60_000;
/** Tries of one Item within a sweep (429, 5xx, no answer); after that it counts as failed and comes first next time. */
const ATTEMPTS_PER_ITEM = 3;
/** Items under way at once (waiting for their turn or their answer): enough to keep the rate with slow answers. */
const ITEMS_IN_FLIGHT = 100;

export interface SweepSummary {
  checked: number;
  changed: number;
  failed: number;
  skipped: number;
  calls: number;
  rate_limited: number;
  started_at: string;
  finished_at: string;
}

export interface SweepOptions {
  store: ItemStore;
  client: PlaidClient;
  callsPerMinute: number;
  /** The statuses whose Items are checked; the others are skipped. */
  statuses: readonly ItemStatus[];
  linkSessions: boolean;
  /** Only this Item. */
  itemId?: string;
  /** The config node's environment (sandbox, production, custom), for the `environment` of the bodies. */
  environment?: string;
  /** The window the rate counts in (a minute; tests shorten it). */
  windowMs?: number;
  leaseMs?: number;
  timers?: Timers;
  /** Aborting stops the sweep: no call starts after it, the calls under way are recorded, then it rejects. */
  signal?: AbortSignal;
  /** After each Item: how many are done of how many, and until when calls wait after a 429 (-Infinity: none). */
  onProgress?: (done: number, total: number, pausedUntil: number) => void;
  /** Each status change, as it is recorded. */
  onChange?: (change: ReconcileChange) => void;
  /** An Item that could not be checked for a reason of its own (its token unreadable, a call Plaid refused for it). */
  onItemFailed?: (itemId: string, reason: string) => void;
}

export interface SweepResult {
  /** Another sweep of the store holds its claim: this one did nothing (its summary counts nothing). */
  alreadyRunning: boolean;
  summary: SweepSummary;
}

/** The sweep stopped before every Item was done (`reason`); `done` of `total` Items were, `summary` counts them. */
export class SweepStopped extends Error {
  constructor(readonly reason: Error, readonly done: number, readonly total: number, readonly summary: SweepSummary) {
    super(`${reason.message}; ${done} of ${total} Items done, the next sweep starts with the rest`);
    this.name = 'SweepStopped';
  }

  /** What stopped it, as a short code: the store's or Plaid's error code when one of them did. */
  get code(): string | undefined {
    const code = (this.reason as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
}

/** Which Item to check first: one left unsettled by an ambiguous call, then the longest unchecked (never first). */
export function checkOrder(a: ItemRecord, b: ItemRecord): number {
  const unsettled = Number(b.unsettled !== null) - Number(a.unsettled !== null);
  if (unsettled !== 0) return unsettled;
  const checkedA = a.checked_at ?? '';
  const checkedB = b.checked_at ?? '';
  if (checkedA !== checkedB) return checkedA < checkedB ? -1 : 1;
  return a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0;
}

/** Runs one sweep; resolves to its summary, or to `alreadyRunning` when another sweep of the store holds the claim. */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const timers = options.timers ?? REAL_TIMERS;
  const startedAt = new Date(timers.now()).toISOString();
  const held = await HeldClaim.take(options.store, SWEEP_CLAIM_KEY, { leaseMs: options.leaseMs ?? SWEEP_LEASE_MS, timers });
  if (!held) return { alreadyRunning: true, summary: emptySummary(startedAt, startedAt) };
  // Stopped from outside (a deploy closing the node), the claim is given up at once, while the store is still open
  // (its node closes alongside this one): the next sweep, on the new flow, is not refused for a lease's time. The
  // few calls still under way finish meanwhile.
  const releaseNow = (): void => void held.release();
  options.signal?.addEventListener('abort', releaseNow, { once: true });
  try {
    return { alreadyRunning: false, summary: await new Sweep(options, timers, held, startedAt).run() };
  } finally {
    options.signal?.removeEventListener('abort', releaseNow);
    await held.release();
  }
}

function emptySummary(startedAt: string, finishedAt: string): SweepSummary {
  return { checked: 0, changed: 0, failed: 0, skipped: 0, calls: 0, rate_limited: 0, started_at: startedAt, finished_at: finishedAt };
}

/** An Item on its way through the sweep. */
interface Turn {
  itemId: string;
  attempt: number;
}

class Sweep {
  readonly #options: SweepOptions;
  readonly #timers: Timers;
  readonly #pacer: CallPacer;
  readonly #writer: CheckWriter;
  readonly #stop = new AbortController();
  readonly #counts: SweepSummary;
  readonly #retries: Turn[] = [];
  #total = 0;
  #done = 0;

  constructor(options: SweepOptions, timers: Timers, held: HeldClaim, startedAt: string) {
    this.#options = options;
    this.#timers = timers;
    this.#pacer = new CallPacer({ callsPerMinute: options.callsPerMinute, windowMs: options.windowMs ?? RATE_WINDOW_MS, timers });
    this.#counts = emptySummary(startedAt, startedAt);
    this.#writer = new CheckWriter(options.store, timers);
    // Stopped, the answers already in are written at once (while the store is still open, on a deploy).
    this.#stop.signal.addEventListener('abort', () => this.#writer.flush(), { once: true });
    held.onLost((reason) => this.#halt(new Error(`the sweep's claim on the store was lost: ${reason.message}`)));
  }

  async run(): Promise<SweepSummary> {
    const outer = this.#options.signal;
    const onAbort = (): void => this.#halt(outer?.reason);
    if (outer?.aborted) onAbort();
    outer?.addEventListener('abort', onAbort, { once: true });
    try {
      const summary = await this.#run();
      await this.#holdUntilNextCallDue();
      return summary;
    } finally {
      outer?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Keeps the claim until this sweep's next call would have been due (one interval of the pace, or a 429's pause):
   * the next sweep, on any instance, starts a pace of its own with a call at once, so sweeps in a row (a message per
   * Item, say) would otherwise call faster than the rate. A stop ends the wait.
   */
  async #holdUntilNextCallDue(): Promise<void> {
    const wait = this.#pacer.nextStartAt - this.#timers.now();
    if (wait > 0) await delay(this.#timers, wait, this.#stop.signal).catch(() => undefined);
  }

  async #run(): Promise<SweepSummary> {
    const queue = await this.#queue();
    this.#total = queue.length;
    this.#progress();
    const underway = new Set<Promise<void>>();
    for (;;) {
      if (this.#stop.signal.aborted) break;
      if (underway.size >= ITEMS_IN_FLIGHT) {
        await Promise.race(underway);
        continue;
      }
      const turn = queue.shift() ?? this.#retries.shift();
      if (!turn) {
        if (underway.size === 0) break;
        await Promise.race(underway);
        continue;
      }
      const begun = this.#begin(turn);
      const task = begun.then(() => {
        underway.delete(task);
      });
      underway.add(task);
      // The Item's record is read before the next Item's, so their calls start in queue order.
      await begun.ready;
    }
    await Promise.all(underway);
    this.#counts.finished_at = this.#nowIso();
    if (this.#stop.signal.aborted) {
      throw new SweepStopped(this.#stop.signal.reason as Error, this.#done, this.#total, { ...this.#counts });
    }
    return { ...this.#counts };
  }

  /** The Items to check, in checkOrder; those of other statuses are counted as skipped. */
  async #queue(): Promise<Turn[]> {
    const { store, itemId, statuses } = this.#options;
    let records = await store.list();
    if (itemId !== undefined) {
      records = records.filter((record) => record.item_id === itemId);
      if (records.length === 0) throw new ItemStoreError('ITEM_NOT_IN_STORE', `Item ${itemId} is not in the Item store`, itemId);
    }
    const due = records.filter((record) => statuses.includes(record.status));
    this.#counts.skipped += records.length - due.length;
    return due.sort(checkOrder).map((record) => ({ itemId: record.item_id, attempt: 1 }));
  }

  /** Reads the Item (`ready` settles then), then checks it; the promise settles once the Item is done with. */
  #begin(turn: Turn): Promise<void> & { ready: Promise<void> } {
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const work = this.#check(turn, markReady).catch((err: unknown) => this.#halt(err)).finally(markReady);
    return Object.assign(work, { ready });
  }

  async #check(turn: Turn, readNow: () => void): Promise<void> {
    const { store, statuses } = this.#options;
    let record: ItemRecord;
    let token: string;
    try {
      ({ record, token } = await store.resolve(turn.itemId));
    } catch (err) {
      if (!(err instanceof ItemStoreError)) throw err;
      if (err.code === 'ITEM_REMOVED' || err.code === 'ITEM_NOT_IN_STORE') return this.#finish('skipped');
      if (err.code === 'TOKEN_UNREADABLE') return this.#finish('failed', turn.itemId, err.message);
      throw err;
    }
    // Its status may have changed since the sweep listed it.
    if (!statuses.includes(record.status)) return this.#finish('skipped');
    // The first call's turn is asked for now, in queue order; a second call asks when it is needed.
    let reserved: Promise<FinishCall> | undefined = this.#pacer.start(this.#stop.signal);
    reserved.catch(() => undefined); // a stop rejects it; whoever awaits it handles that
    readNow();
    const nextTurn = (): Promise<FinishCall> => {
      const turnNow = reserved ?? this.#pacer.start(this.#stop.signal);
      reserved = undefined;
      return turnNow;
    };
    const environment = (seen: string) => environmentOf(this.#options.environment, seen);

    if (this.#options.linkSessions && needsSessionLookup(record, this.#timers.now())) {
      const linkToken = record.link_token;
      const answer = await this.#call(nextTurn(), LINK_TOKEN_GET, { link_token: linkToken });
      const failure = 'body' in answer ? undefined : failureOf(answer.error);
      // A lookup Plaid refused for this token alone does not keep the Item from its check (the keys being wrong
      // would stop the sweep at its /item/get).
      if (failure && failure.kind !== 'failed') return this.#failedCall(turn, failure);
      const session = 'body' in answer ? sessionFinishedBody(answer, linkToken, environment(linkToken)) : undefined;
      if (session) {
        const { body } = session;
        // Through the store's SESSION_FINISHED rules, as the webhook would be, as of when the session finished.
        const after = await store.applyWebhook(body, { environment: this.#options.environment, at: session.finishedAt });
        if (after) {
          if (after.status !== record.status) this.#changed(changeMessage(body, record.status, after, this.#nowIso()));
          record = after;
        }
      }
      if (!statuses.includes(record.status)) return this.#finish('checked');
    }

    const answer = await this.#call(nextTurn(), ITEM_GET, { access_token: token });
    const found: ItemFound | CallFailure = 'body' in answer ? itemFound(answer, record.status, this.#timers.now()) : itemFailure(answer.error);
    if (found.kind !== 'found') return this.#failedCall(turn, found);
    const applied = await this.#writer.write(turn.itemId, {
      status: found.status,
      error_code: found.error_code,
      consent_expiration_time: found.consent_expiration_time,
      basis: record.updated_at,
    });
    if (applied && applied.record.status !== applied.previousStatus) {
      this.#changed(changeMessage(itemChangeBody(applied.record, found.error, environment(token)), applied.previousStatus, applied.record, this.#nowIso()));
    }
    this.#finish('checked');
  }

  /** One call, made once when its turn comes; never rejects (a failure is handed back). */
  async #call(turn: Promise<FinishCall>, endpoint: typeof ITEM_GET, body: Record<string, unknown>): Promise<PlaidResponse | { error: unknown }> {
    const finish = await turn;
    this.#counts.calls++;
    try {
      const answer = await this.#options.client.request(endpoint, body, { retries: 0 });
      finish();
      return answer;
    } catch (error) {
      const failure = failureOf(error);
      const rateLimited = failure.kind === 'retry' && failure.rateLimited;
      if (rateLimited) this.#counts.rate_limited++;
      finish({ rateLimited, retryAfterMs: rateLimited ? failure.retryAfterMs : undefined });
      return { error };
    }
  }

  #failedCall(turn: Turn, failure: CallFailure): void {
    if (failure.kind === 'stop') throw failure.error;
    if (failure.kind === 'retry') {
      if (turn.attempt < ATTEMPTS_PER_ITEM) this.#retries.push({ itemId: turn.itemId, attempt: turn.attempt + 1 });
      // Out of tries: Plaid's trouble, not the Item's (an outage would otherwise log a line per Item); counted only.
      else this.#finish('failed');
      return;
    }
    this.#finish('failed', turn.itemId, failure.reason);
  }

  #finish(outcome: 'checked' | 'failed' | 'skipped', itemId?: string, reason?: string): void {
    this.#counts[outcome]++;
    this.#done++;
    if (outcome === 'failed' && itemId !== undefined && reason !== undefined) this.#options.onItemFailed?.(itemId, reason);
    this.#progress();
  }

  #changed(change: ReconcileChange): void {
    this.#counts.changed++;
    this.#options.onChange?.(change);
  }

  #nowIso(): string {
    return new Date(this.#timers.now()).toISOString();
  }

  #progress(): void {
    this.#options.onProgress?.(this.#done, this.#total, this.#pacer.pausedUntil);
  }

  #halt(reason: unknown): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort(reason instanceof Error ? reason : new Error(String(reason)));
  }
}
