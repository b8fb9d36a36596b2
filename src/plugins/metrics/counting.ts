// The core's events (src/plaid/channels.ts) counted into the metrics. A feature that publishes on its channel is
// counted without a change here; a channel nobody publishes on yet simply counts nothing.
import { channels, type TypedChannel } from '../../plaid/channels';
import type { Metrics } from './definitions';
import { apiOutcome, operationLabel, webhookPair } from './labels';

/**
 * Subscribes to every channel; returns the function that unsubscribes again. A subscriber that threw would throw in
 * the publisher's process as an uncaught exception: a failure to count is handed to `onError` instead.
 */
export function countEvents(metrics: Metrics, onError: (err: unknown) => void): () => void {
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
      metrics.reconcileSweeps.inc({ store, result: completed ? 'completed' : 'incomplete' });
      metrics.reconcileItemsChecked.inc({ store }, checked);
      metrics.reconcileChanges.inc({ store }, changed);
      metrics.reconcileRateLimited.inc({ store }, rateLimited);
      if (completed) metrics.reconcileLastCompleted.set({ store }, Date.now() / 1000);
    }),
    on(channels.repairCaseStep, ({ store, step }) => {
      metrics.repairSteps.inc({ store, step });
    }),
  ];
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
