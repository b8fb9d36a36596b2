// The gauges that say how the Item stores are now, read from every running plaid-item-store at each scrape (counts and
// one minimum, no row read): stores deployed or removed since the last scrape appear or go.
import { runningItemStores } from '../../nodes/item-store/registry';
import type { PlaidItemStoreNode } from '../../nodes/types';
import { NEEDS_ACTION } from '../../plaid/store/item-overview';
import type { ItemStatus } from '../../plaid/store/record';
import type { Metrics } from './definitions';

interface StoreState {
  counts: Record<ItemStatus, number>;
  /** See ItemStore.oldestCheck. */
  oldestCheck: string | undefined;
  openCases: number;
}

interface StoreReading {
  store: string;
  name: string;
  /** Undefined when the store cannot be used now. */
  state: StoreState | undefined;
}

async function read(node: PlaidItemStoreNode): Promise<StoreReading> {
  const reading = { store: node.id, name: node.name || node.id };
  try {
    const store = await node.usableStore();
    const [counts, oldestCheck, openCases] = await Promise.all([store.countByStatus(), store.oldestCheck(), store.openRepairCaseCount()]);
    return { ...reading, state: { counts, oldestCheck, openCases } };
  } catch {
    // Unknown is not zero: a store that cannot be read has no Item counts, only store_up 0.
    return { ...reading, state: undefined };
  }
}

/** Sets the store gauges to what the running stores hold now. */
export async function readStores(metrics: Metrics, now: () => number = Date.now): Promise<void> {
  const readings = await Promise.all(runningItemStores().map(read));
  // Reset and set in one synchronous step: a scrape running beside this one sees one reading or the other, whole.
  const { items, itemsNeedingAction, itemsOldestCheckAge, repairCasesOpen, storeUp, storeInfo } = metrics;
  for (const gauge of [items, itemsNeedingAction, itemsOldestCheckAge, repairCasesOpen, storeUp, storeInfo]) gauge.reset();
  const at = now();
  for (const { store, name, state } of readings) {
    storeInfo.set({ store, name }, 1);
    storeUp.set({ store }, state ? 1 : 0);
    if (!state) continue;
    const { counts, oldestCheck, openCases } = state;
    for (const [status, count] of Object.entries(counts)) items.set({ store, status }, count);
    itemsNeedingAction.set({ store }, NEEDS_ACTION.reduce((sum, status) => sum + counts[status], 0));
    // No Item (or every one removed): no age, rather than an age of 0.
    if (oldestCheck !== undefined) itemsOldestCheckAge.set({ store }, Math.max(0, (at - Date.parse(oldestCheck)) / 1000));
    repairCasesOpen.set({ store }, openCases);
  }
}
