// Claims made together cost one round trip: the claims (and confirmations) asked for while a batch is on its way
// to the backend wait, and go together as the next batch (ItemStorage.claimBatch). One batch is in flight at a time,
// so a confirmation asked for before a claim reaches the backend before it (a delivery confirmed, then the next one
// for its Item claimed, are seen in that order). A claim asked for while nothing is in flight waits for the end of
// the current turn of the event loop only, to go with the others arriving in it; a confirmation goes at once.
import type { BatchClaim, BatchResult, ClaimBatch } from './storage';

/** Claims per batch at most (a PostgreSQL statement's parameters grow with it). */
const MAX_CLAIMS_PER_BATCH = 256;

interface Waiting<T> {
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

export class ClaimBatcher {
  readonly #run: (batch: ClaimBatch) => Promise<BatchResult[]>;
  #claims: Array<Waiting<BatchResult> & { claim: BatchClaim }> = [];
  #confirms: Array<Waiting<void> & { key: string; retentionMs: number }> = [];
  #inFlight = false;
  #scheduled = false;

  /** `run` makes one batch (the store's backend, through its error handling). */
  constructor(run: (batch: ClaimBatch) => Promise<BatchResult[]>) {
    this.#run = run;
  }

  claim(claim: BatchClaim): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      this.#claims.push({ claim, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once the confirmation reached the backend (with whatever batch it went in). */
  confirm(key: string, retentionMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#confirms.push({ key, retentionMs, resolve, reject });
      // At once: the work it confirms is done, and a process killed from now on should leave it confirmed.
      void this.#flush();
    });
  }

  #schedule(): void {
    if (this.#inFlight || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#inFlight) return;
    const claims = this.#claims.splice(0, MAX_CLAIMS_PER_BATCH);
    const confirms = this.#confirms.splice(0);
    if (!claims.length && !confirms.length) return;
    this.#inFlight = true;
    try {
      const results = await this.#run({
        confirms: confirms.map(({ key, retentionMs }) => ({ key, retentionMs })),
        claims: claims.map((waiting) => waiting.claim),
      });
      claims.forEach((waiting, i) => waiting.resolve(results[i]));
      for (const waiting of confirms) waiting.resolve();
    } catch (err) {
      for (const waiting of [...claims, ...confirms]) waiting.reject(err);
    } finally {
      this.#inFlight = false;
    }
    // What arrived meanwhile has waited long enough: it goes at once.
    if (this.#claims.length || this.#confirms.length) void this.#flush();
  }
}
