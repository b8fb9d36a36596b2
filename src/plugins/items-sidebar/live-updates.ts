// Tells open editors when a store's Items changed, so the sidebar reads them again through its route.
//
// The notice carries no Item data on purpose: Node-RED's comms deliver every topic to every editor connection
// (runtime/lib/api/comms.js: "all clients get all messages"), whatever its permissions, so records sent there would
// reach users the route refuses for lack of `plaid-items.read`. The route stays the only way records leave.
import type { PlaidItemStoreNode } from '../../nodes/types';
import { itemStoreRegistry, runningItemStores } from '../../nodes/item-store/registry';

/** The comms topic of a store's notices; the editor subscribes to `plaid-items/#`. */
export const topicOf = (storeId: string): string => `plaid-items/${storeId}`;

export interface ItemsChanged {
  /**
   * `items`: a record changed or was deleted; `cases`: a repair case changed; `store`: the store started or stopped;
   * `deliveries`: its event log has new entries or a replay (at most one such notice a second: webhooks may arrive by
   * the thousand).
   */
  change: 'items' | 'cases' | 'store' | 'deliveries';
  at: string;
}

/** Deliveries notices per store at most this often. */
const DELIVERIES_NOTICE_EVERY_MS = 1000;

type Publish = (topic: string, notice: ItemsChanged) => void;

/** Publishes a notice on every change of every running store, from now on; returns the function that stops it. */
export function publishItemChanges(publish: Publish): () => void {
  const unwatchers = new Map<PlaidItemStoreNode, () => void>();
  const notify = (node: PlaidItemStoreNode, change: ItemsChanged['change']) => publish(topicOf(node.id), { change, at: new Date().toISOString() });

  function watch(node: PlaidItemStoreNode): void {
    let stopped = false;
    unwatchers.set(node, () => {
      stopped = true;
    });
    // A store that did not open has no changes to announce.
    node.usableStore().then((store) => {
      if (stopped) return;
      const onChange = () => notify(node, 'items');
      const onCase = () => notify(node, 'cases');
      let held: NodeJS.Timeout | undefined;
      const onDeliveries = () => {
        held ??= setTimeout(() => {
          held = undefined;
          notify(node, 'deliveries');
        }, DELIVERIES_NOTICE_EVERY_MS);
      };
      store.on('change', onChange);
      store.on('delete', onChange);
      store.on('case', onCase);
      store.deliveries.on('recorded', onDeliveries);
      store.deliveries.on('replayed', onDeliveries);
      unwatchers.set(node, () => {
        store.off('change', onChange);
        store.off('delete', onChange);
        store.off('case', onCase);
        store.deliveries.off('recorded', onDeliveries);
        store.deliveries.off('replayed', onDeliveries);
        clearTimeout(held);
      });
      notify(node, 'store');
    }, () => undefined);
  }

  function unwatch(node: PlaidItemStoreNode): void {
    unwatchers.get(node)?.();
    unwatchers.delete(node);
    notify(node, 'store');
  }

  runningItemStores().forEach(watch);
  itemStoreRegistry.on('added', watch);
  itemStoreRegistry.on('removed', unwatch);
  return () => {
    itemStoreRegistry.off('added', watch);
    itemStoreRegistry.off('removed', unwatch);
    for (const stop of unwatchers.values()) stop();
    unwatchers.clear();
  };
}
