// The core's events (src/plaid/channels.ts) counted into the metrics. A feature that publishes on its channel is
// counted without a change here; a channel nobody publishes on yet simply counts nothing.
import { channels, type TypedChannel } from '../../plaid/channels';
import type { Metrics } from './definitions';
import { apiOutcome, operationLabel, webhookPair } from './labels';

/**
 * Subscribes to every channel; returns the function that unsubscribes again. A subscriber that threw would throw in
 * the publisher's process as an uncaught exception: a failure to count is handed to `onError` instead.
 */
export function countEvents(metrics: Metrics, onError: (err: unknown) => void, now: () => number = Date.now): () => void {
  /** When each store's last sweep ended (ms): the period of its sweeps is seen from one end to the next. */
  const lastSweepEnd = new Map<string, number>();
  const on = <T>(channel: TypedChannel<T>, count: (message: T) => void) =>
    channel.subscribe((message) => {
      try {
        count(message);
      } catch (err) {
        onError(err);
      }
    });
  const unsubscribers = [
    on(channels.webhookDelivered, ({ node, webhookType, webhookCode, verified, outcome }) => {
      metrics.webhookDeliveries.inc({ node, ...webhookPair(webhookType, webhookCode, verified), outcome });
    }),
    on(channels.webhookRejected, ({ node, reason, status }) => {
      metrics.webhookRejections.inc({ node, reason, status: String(status) });
    }),
    on(channels.verificationKeyFetched, ({ result }) => {
      metrics.keyFetches.inc({ result });
    }),
    on(channels.plaidAttempted, ({ endpoint, attempt, seconds, final, error }) => {
      metrics.apiSeconds.observe({ endpoint }, seconds);
      if (attempt > 1) metrics.apiRetries.inc({ endpoint });
      if (final) metrics.apiCalls.inc({ endpoint, ...apiOutcome(error) });
    }),
    on(channels.itemStoreFailed, ({ store, operation }) => {
      metrics.storeFailures.inc({ store, operation: operationLabel(operation) });
    }),
    on(channels.reconcileSweepEnded, ({ store, completed, checked, changed, rateLimited }) => {
      const endedAt = now();
      metrics.reconcileSweeps.inc({ store, result: completed ? 'completed' : 'incomplete' });
      metrics.reconcileItemsChecked.inc({ store }, checked);
      metrics.reconcileChanges.inc({ store }, changed);
      metrics.reconcileRateLimited.inc({ store }, rateLimited);
      const previousEnd = lastSweepEnd.get(store);
      if (previousEnd !== undefined) metrics.reconcileInterval.set({ store }, (endedAt - previousEnd) / 1000);
      lastSweepEnd.set(store, endedAt);
      if (completed) {
        metrics.reconcileLastCompleted.set({ store }, endedAt / 1000);
        metrics.reconcileIncompleteInARow.set({ store }, 0);
      } else {
        metrics.reconcileIncompleteInARow.inc({ store });
      }
    }),
    on(channels.repairCaseStep, ({ store, step }) => {
      metrics.repairSteps.inc({ store, step });
    }),
  ];
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
