// When a repair node looks at its cases: at once when it starts (what fell due while Node-RED was down goes out
// then), then at the next due time it knows of, and at least every `pollMs` (another instance may have opened or
// advanced a case, or died holding one). One pass at a time; a poke (a case opened here) brings the next pass forward.

/** The timer functions the scheduler uses (tests pass their own). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DueSchedulerOptions {
  /** One pass: hands every due step over. */
  run: () => Promise<void>;
  /** When the next step falls due (ms since the epoch), or undefined when nothing is open. */
  nextDue: () => Promise<number | undefined>;
  /** A pass or the look-up failed (the store is down, say): the scheduler tries again after `pollMs`. */
  onError: (err: Error) => void;
  now?: () => number;
  timers?: Timers;
  /** The longest wait between two looks at the store. */
  pollMs?: number;
}

export const DEFAULT_POLL_MS = 30_000;
/**
 * The shortest wait after a pass that left something due (a step another instance holds, more than one pass can
 * take): the next pass comes soon, but the store is not asked in a tight loop.
 */
const SHORTEST_WAIT_MS = 500;
/** setTimeout's longest delay. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class DueScheduler {
  readonly #options: Required<Omit<DueSchedulerOptions, 'timers'>> & { timers: Timers };
  #timer: unknown;
  #pass: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  constructor(options: DueSchedulerOptions) {
    this.#options = { now: Date.now, timers: realTimers, pollMs: DEFAULT_POLL_MS, ...options };
  }

  /** Starts with a pass at once. */
  start(): void {
    this.#stopped = false;
    this.poke();
  }

  /** A pass now (or right after the one under way). */
  poke(): void {
    if (this.#stopped) return;
    if (this.#pass) {
      this.#again = true;
      return;
    }
    this.#options.timers.clearTimeout(this.#timer);
    this.#pass = this.#runPass().finally(() => {
      this.#pass = undefined;
      if (this.#again) {
        this.#again = false;
        this.poke();
      }
    });
  }

  /** No more passes; resolves once the one under way has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#options.timers.clearTimeout(this.#timer);
    await this.#pass;
  }

  async #runPass(): Promise<void> {
    const { run, nextDue, onError, now, pollMs, timers } = this.#options;
    let wait = pollMs;
    try {
      await run();
      const due = await nextDue();
      if (due !== undefined) wait = Math.min(pollMs, Math.max(SHORTEST_WAIT_MS, due - now()));
    } catch (err) {
      onError(err as Error);
    }
    if (this.#stopped || this.#again) return;
    this.#timer = timers.setTimeout(() => this.poke(), Math.min(wait, LONGEST_TIMER_MS));
  }
}
