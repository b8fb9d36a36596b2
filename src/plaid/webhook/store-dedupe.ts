// The seen-set kept in the Item store: a delivery's body hash claimed there atomically (insert-if-absent, 24 h), so
// instances sharing the store dedupe together, and nothing of it lives in context. A claim is pending until the
// delivery is emitted (confirm), so an instance that dies in between does not turn Plaid's retries into duplicates.
import { ItemStoreError } from '../store/errors';
import type { ItemStore } from '../store/item-store';
import { unavailable } from './rejection';
import type { ClaimOutcome, Deduper } from './dedupe';

export class StoreDeduper implements Deduper {
  /** `store`: the store once it is usable (it rejects while it is not). */
  constructor(private readonly store: () => Promise<ItemStore>) {}

  /**
   * A copy of a delivery another instance has claimed but not emitted yet is answered 503: Plaid delivers it again,
   * and by then it is a duplicate, or, if that instance died, taken over once the claim's lease is over.
   */
  async claim(sha256: string): Promise<ClaimOutcome> {
    let first: boolean;
    try {
      first = await (await this.store()).claimDelivery(sha256);
    } catch (err) {
      if (err instanceof ItemStoreError && err.code === 'DELIVERY_IN_PROGRESS') throw unavailable(err.message, 'in_progress');
      throw err;
    }
    return { duplicate: !first, recorded: first };
  }

  async confirm(sha256: string): Promise<void> {
    await (await this.store()).confirmDelivery(sha256);
  }

  async release(sha256: string): Promise<void> {
    await (await this.store()).releaseDelivery(sha256);
  }
}
