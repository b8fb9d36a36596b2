// Claims made together cost one round trip (ItemStorage.claimBatch): the claims and confirmations asked for while a
// batch is on its way wait and go together as the next one (batcher.ts). A confirmation asked for before a claim
// reaches the backend before it (a delivery confirmed, then the next one for its Item claimed, are seen in that
// order), and goes at once when nothing is in flight: the work it confirms is done, and a process killed from then
// on should leave it confirmed.
import { Batcher } from './batcher';
import type { BatchClaim, BatchResult, ClaimBatch } from './storage';

/** Claims per batch at most (a PostgreSQL statement's parameters grow with it). */
const MAX_CLAIMS_PER_BATCH = 256;

type Work = { claim: BatchClaim } | { confirm: { key: string; retentionMs: number } };

export class ClaimBatcher {
  readonly #batcher: Batcher<Work, BatchResult | undefined>;

  /** `run` makes one batch (the store's backend, through its error handling). */
  constructor(run: (batch: ClaimBatch) => Promise<BatchResult[]>) {
    this.#batcher = new Batcher(async (work) => {
      const batch: ClaimBatch = { confirms: [], claims: [] };
      for (const item of work) {
        if ('claim' in item) (batch.claims as BatchClaim[]).push(item.claim);
        else (batch.confirms as Array<{ key: string; retentionMs: number }>).push(item.confirm);
      }
      const results = await run(batch);
      let next = 0;
      return work.map((item) => ('claim' in item ? results[next++] : undefined));
    }, MAX_CLAIMS_PER_BATCH);
  }

  claim(claim: BatchClaim): Promise<BatchResult> {
    return this.#batcher.add({ claim }) as Promise<BatchResult>;
  }

  /** Resolves once the confirmation reached the backend (with whatever batch it went in). */
  async confirm(key: string, retentionMs: number): Promise<void> {
    await this.#batcher.add({ confirm: { key, retentionMs } }, true);
  }
}
