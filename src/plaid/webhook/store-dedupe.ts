// The seen-set kept in the Item store: a delivery's body hash claimed there atomically (insert-if-absent, 24 h), so
// instances sharing the store dedupe together, and nothing of it lives in context.
import type { ItemStore } from '../store/item-store';
import type { ClaimOutcome, Deduper } from './dedupe';

export class StoreDeduper implements Deduper {
  /** `store`: the store once it is usable (it rejects while it is not). */
  constructor(private readonly store: () => Promise<ItemStore>) {}

  async claim(sha256: string): Promise<ClaimOutcome> {
    const first = await (await this.store()).claimDelivery(sha256);
    return { duplicate: !first, recorded: first };
  }

  async release(sha256: string): Promise<void> {
    await (await this.store()).releaseDelivery(sha256);
  }
}
