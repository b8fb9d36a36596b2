// The event log is pruned in the database by each plaid-webhook-in node on a store, for its own entries (and those
// of nodes that no longer run): when the node starts and every hour after, by one instance per hour (a claim).
import type { ItemStore } from '../../plaid/store/item-store';
import { PRUNE_INTERVAL_MS } from '../../plaid/store/delivery-log';
import { receiversOn } from './registry';

export interface LogPruningOptions {
  store: () => Promise<ItemStore>;
  nodeId: string;
  storeId: string;
  retentionDays: number;
  /** A prune failed (the store down): the next one tries again. */
  failed: (err: Error) => void;
}

/** Starts pruning; returns what stops it. */
export function startLogPruning(options: LogPruningOptions): () => void {
  const { store, nodeId, storeId, retentionDays, failed } = options;
  const prune = (): void => {
    store()
      .then((open) => open.deliveries.prune(nodeId, retentionDays, receiversOn(storeId).map((receiver) => receiver.id)))
      .catch((err: Error) => failed(err));
  };
  const first = setImmediate(prune);
  const timer = setInterval(prune, PRUNE_INTERVAL_MS);
  // Pruning never keeps a process alive on its own.
  timer.unref();
  return () => {
    clearImmediate(first);
    clearInterval(timer);
  };
}
