// The gauges that say how the Item stores are now, read from every running plaid-item-store at each scrape (a
// count by status, no row read): stores deployed or removed since the last scrape appear or go.
import { runningItemStores } from '../../nodes/item-store/registry';
import type { PlaidItemStoreNode } from '../../nodes/types';
import { NEEDS_ACTION } from '../../plaid/store/item-overview';
import type { ItemStatus } from '../../plaid/store/record';
import type { Metrics } from './definitions';

interface StoreReading {
  store: string;
  name: string;
  /** Undefined when the store cannot be used now. */
  counts: Record<ItemStatus, number> | undefined;
}

async function read(node: PlaidItemStoreNode): Promise<StoreReading> {
  const reading = { store: node.id, name: node.name || node.id };
  try {
    return { ...reading, counts: await (await node.usableStore()).countByStatus() };
  } catch {
    // Unknown is not zero: a store that cannot be read has no Item counts, only store_up 0.
    return { ...reading, counts: undefined };
  }
}

/** Sets the store gauges to what the running stores hold now. */
export async function readStores(metrics: Metrics): Promise<void> {
  const readings = await Promise.all(runningItemStores().map(read));
  // Reset and set in one synchronous step: a scrape running beside this one sees one reading or the other, whole.
  const { items, itemsNeedingAction, storeUp, storeInfo } = metrics;
  for (const gauge of [items, itemsNeedingAction, storeUp, storeInfo]) gauge.reset();
  for (const { store, name, counts } of readings) {
    storeInfo.set({ store, name }, 1);
    storeUp.set({ store }, counts ? 1 : 0);
    if (!counts) continue;
    for (const [status, count] of Object.entries(counts)) items.set({ store, status }, count);
    itemsNeedingAction.set({ store }, NEEDS_ACTION.reduce((sum, status) => sum + counts[status], 0));
  }
}
