// A sweep's answers written in batches, one commit per batch rather than one per Item: a SQLite store commits with
// an fsync, which on a busy disk takes tens of milliseconds and would set the pace instead of the rate. A batch is
// written a quarter of a second after its first answer, or at once when it is full; whoever waits for an answer's
// write (to send its change) waits for that commit, so nothing goes out before its record is stored.
import type { CheckApplied, ItemCheck, ItemStore } from '../store/item-store';
import type { Timers } from '../timers';

/** How long an answer waits for others to share its commit; a crash meanwhile leaves its Item to the next sweep. */
export const WRITE_AFTER_MS = 250;
const BATCH_MAX = 100;

interface Pending {
  itemId: string;
  check: ItemCheck;
  resolve: (applied: CheckApplied | undefined) => void;
  reject: (err: unknown) => void;
}

export class CheckWriter {
  #pending: Pending[] = [];
  #timer: unknown;

  constructor(private readonly store: ItemStore, private readonly timers: Timers) {}

  /** Resolves once the check is stored (see ItemStore.applyCheck). */
  write(itemId: string, check: ItemCheck): Promise<CheckApplied | undefined> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ itemId, check, resolve, reject });
      if (this.#pending.length >= BATCH_MAX) this.flush();
      else if (this.#pending.length === 1) this.#timer = this.timers.setTimeout(() => this.flush(), WRITE_AFTER_MS);
    });
  }

  /** Writes what is waiting, now. */
  flush(): void {
    this.timers.clearTimeout(this.#timer);
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    this.store.applyChecks(batch.map(({ itemId, check }) => ({ itemId, check }))).then(
      (applied) => batch.forEach((pending, index) => pending.resolve(applied[index])),
      (err: unknown) => batch.forEach((pending) => pending.reject(err)),
    );
  }
}
