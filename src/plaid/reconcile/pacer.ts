// Paces a sweep's calls: at most `callsPerMinute` in any window of a minute, spread evenly over it rather than sent
// in a burst at its start, and slower after a 429.
//
// The limit holds as Plaid counts, at its end: a call reaches Plaid somewhere between the moment it starts and the
// moment its answer comes back. So a call starts only once the call `callsPerMinute` places before it has been
// answered (or has failed) a whole window earlier; however late calls travel, no window at Plaid holds more. The
// even spacing (a call every window / rate) is what makes the pace; that rule only keeps it honest.
import { delay, REAL_TIMERS, type Timers } from '../timers';

export const RATE_WINDOW_MS = 60_000;
/**
 * How far the pace may fall behind its plan and still make the delay up (a busy machine runs timers late): the calls
 * due meanwhile go out at once, at most a second's worth; a longer stall moves the plan instead.
 */
const CATCH_UP_MS = 1000;
/** Without a Retry-After, a 429 pauses every call this long, doubling with each 429 in a row up to MAX_PAUSE_MS. */
const FIRST_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 60_000;

export interface PacerOptions {
  callsPerMinute: number;
  /** The window the limit counts in; a minute (tests shorten it). */
  windowMs?: number;
  timers?: Timers;
}

/** How a paced call ended: `rateLimited` when Plaid answered 429, with its Retry-After if it gave one. */
export interface CallEnd {
  rateLimited?: boolean;
  retryAfterMs?: number;
}

/** Marks the call finished (its answer came, or it failed): the pacer counts it from then on. */
export type FinishCall = (end?: CallEnd) => void;

export class CallPacer {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #timers: Timers;
  /** When each of the last `limit` calls finished, by call number modulo limit; Infinity while one is under way. */
  readonly #finishedAt: number[];
  /** Called when the call in a slot finishes (a start waiting on it). */
  readonly #onFinish = new Map<number, () => void>();
  #started = 0;
  /** The earliest moment the next call may start by the spacing. */
  #nextAt = -Infinity;
  #pausedUntil = -Infinity;
  #rateLimitedInARow = 0;
  /** Calls per window now: the limit, halved by each 429, doubled back after a window without one. */
  #rate: number;
  #rateSetAt: number;
  /** Starts are handed out in the order they were asked for. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: PacerOptions) {
    if (!(options.callsPerMinute >= 1)) throw new RangeError('callsPerMinute must be at least 1');
    this.#limit = Math.floor(options.callsPerMinute);
    this.#windowMs = options.windowMs ?? RATE_WINDOW_MS;
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#finishedAt = new Array<number>(this.#limit).fill(-Infinity);
    this.#rate = this.#limit;
    this.#rateSetAt = this.#timers.now();
  }

  /** Until when every call waits after a 429 (-Infinity when none does). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** The earliest moment the next call could start, by the spacing and a 429's pause (-Infinity before any call). */
  get nextStartAt(): number {
    return Math.max(this.#nextAt, this.#pausedUntil);
  }

  /**
   * Resolves when a call may start, in the order asked; the function it gives must be called once the call ends.
   * Rejects with the signal's reason when `signal` aborts first.
   */
  start(signal?: AbortSignal): Promise<FinishCall> {
    const turn = this.#queue.then(() => this.#wait(signal));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #wait(signal: AbortSignal | undefined): Promise<FinishCall> {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const slot = this.#started % this.#limit;
      const previous = this.#finishedAt[slot];
      if (previous === Infinity) {
        await this.#finished(slot, signal);
        continue;
      }
      const now = this.#timers.now();
      const at = Math.max(this.#nextAt, this.#pausedUntil, previous + this.#windowMs);
      if (at > now) {
        await delay(this.#timers, at - now, signal);
        continue;
      }
      return this.#begin(slot, Number.isFinite(at) ? at : now, now);
    }
  }

  /** Starts the call planned for `plannedAt` (now or a little before: timers fire late). */
  #begin(slot: number, plannedAt: number, now: number): FinishCall {
    const interval = this.#windowMs / this.#currentRate(now);
    // The pace follows the plan, so timers firing late do not slow it down; a start more than CATCH_UP_MS late moves
    // the plan, so a long stall is not made up with a long burst.
    this.#nextAt = Math.max(plannedAt, now - CATCH_UP_MS) + interval;
    this.#started++;
    this.#finishedAt[slot] = Infinity;
    let finished = false;
    return (end = {}) => {
      if (finished) return;
      finished = true;
      const at = this.#timers.now();
      this.#finishedAt[slot] = at;
      if (end.rateLimited) this.#slowDown(at, end.retryAfterMs);
      else this.#rateLimitedInARow = 0;
      const waiting = this.#onFinish.get(slot);
      this.#onFinish.delete(slot);
      waiting?.();
    };
  }

  #finished(slot: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#onFinish.delete(slot);
        reject(signal?.reason as Error); // aborted with an Error by the sweep
      };
      this.#onFinish.set(slot, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A 429: every call waits (Retry-After, else a pause doubling with each 429 in a row), then at half the rate. */
  #slowDown(now: number, retryAfterMs: number | undefined): void {
    this.#rateLimitedInARow++;
    const pause = retryAfterMs ?? Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (this.#rateLimitedInARow - 1));
    this.#pausedUntil = Math.max(this.#pausedUntil, now + pause);
    this.#rate = Math.max(1, this.#rate / 2);
    this.#rateSetAt = now;
  }

  #currentRate(now: number): number {
    while (this.#rate < this.#limit && now - this.#rateSetAt >= this.#windowMs) {
      this.#rate = Math.min(this.#limit, this.#rate * 2);
      this.#rateSetAt += this.#windowMs;
    }
    return this.#rate;
  }
}
