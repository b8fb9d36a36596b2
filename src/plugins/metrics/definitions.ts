// Every metric the exporter serves, in one registry of its own (prom-client's global one is left to whoever else
// runs in the process): names, help texts and labels. Names start with the package's name; labels are bounded sets
// (ids of nodes and stores, Plaid's names, fixed reasons), never an item_id, a user id or a token.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRIC_PREFIX = 'node_red_plaid_';

/** Plaid answers most calls in well under a second; the client's default timeout per attempt is 30 s. */
const API_SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const counter = <L extends string>(suffix: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name: METRIC_PREFIX + suffix, help, labelNames, registers });
  const gauge = <L extends string>(suffix: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name: METRIC_PREFIX + suffix, help, labelNames, registers });

  return {
    registry,

    // Read from the running stores at each scrape (store-state.ts).
    items: gauge('items', 'Items in the Item store, by status.', ['store', 'status']),
    itemsNeedingAction: gauge(
      'items_needing_action',
      "Items whose status asks for someone's action (login_required, pending_expiration, pending_disconnect, revoked, error), as the Plaid Items sidebar counts them.",
      ['store'],
    ),
    itemsOldestCheckAge: gauge(
      'items_oldest_check_age_seconds',
      "Age of the oldest last check among the store's Items not removed: since a reconcile last had Plaid's answer for it (since it was created, if never). Beyond the reconcile period when sweeps do not reach every Item.",
      ['store'],
    ),
    repairCasesOpen: gauge('repair_cases_open', 'Repair cases open in the Item store, of every plaid-item-repair node on it.', ['store']),
    storeUp: gauge('store_up', '1 when the Item store could be read at this scrape; 0 when it cannot be used (the node and the log say why).', ['store']),
    storeInfo: gauge('store_info', 'Always 1: the name of each running plaid-item-store node, by its id.', ['store', 'name']),

    // Counted from the core's events (counting.ts).
    storeFailures: counter('store_operation_failures_total', 'Item store operations its backend failed (disk, database), by store and operation.', ['store', 'operation']),
    webhookDeliveries: counter(
      'webhook_deliveries_total',
      'Webhook deliveries plaid-webhook-in answered 200, by node, webhook_type, webhook_code and outcome (emitted, duplicate, replayed).',
      ['node', 'webhook_type', 'webhook_code', 'outcome'],
    ),
    webhookRejections: counter('webhook_rejections_total', 'Webhook deliveries plaid-webhook-in refused, by node, reason and the HTTP status answered.', ['node', 'reason', 'status']),
    keyFetches: counter('webhook_key_fetches_total', 'Fetches of webhook verification keys from Plaid, by result (ok; rejected: no such key, or expired; failed).', ['result']),
    apiCalls: counter(
      'api_calls_total',
      "Calls to Plaid's API after any retries, by endpoint and outcome (ok, Plaid's error_code, http_<status>, timeout, network, bad_response); error_type is Plaid's, empty without a Plaid error body.",
      ['endpoint', 'outcome', 'error_type'],
    ),
    apiRetries: counter('api_retries_total', "Attempts at Plaid's API after the first of a call, by endpoint.", ['endpoint']),
    apiSeconds: new Histogram({
      name: `${METRIC_PREFIX}api_attempt_duration_seconds`,
      help: "Time from sending one attempt to Plaid's API to its answer or failure, by endpoint.",
      labelNames: ['endpoint'] as const,
      buckets: API_SECONDS_BUCKETS,
      registers,
    }),
    reconcileSweeps: counter('reconcile_sweeps_total', 'Reconcile sweeps ended, by store and result (completed, incomplete).', ['store', 'result']),
    reconcileItemsChecked: counter('reconcile_items_checked_total', 'Items reconcile sweeps compared with Plaid, counted as each sweep ends.', ['store']),
    reconcileChanges: counter('reconcile_changes_total', 'Items whose record reconcile sweeps changed to match Plaid, counted as each sweep ends.', ['store']),
    reconcileRateLimited: counter('reconcile_rate_limited_total', 'Calls of reconcile sweeps that Plaid answered 429, counted as each sweep ends.', ['store']),
    reconcileLastCompleted: gauge('reconcile_last_completed_timestamp_seconds', 'When the last complete reconcile sweep of the store ended (Unix time).', ['store']),
    reconcileInterval: gauge(
      'reconcile_interval_seconds',
      'Time between the ends of the last two reconcile sweeps of the store: the period its sweeps are started at, as seen.',
      ['store'],
    ),
    reconcileIncompleteInARow: gauge('reconcile_incomplete_in_a_row', 'Reconcile sweeps of the store that ended incomplete since the last complete one.', ['store']),
    repairSteps: counter('repair_steps_total', 'Steps of repair cases, by store and step (opened, notice, reminder, fixed, closed_unrepaired).', ['store', 'step']),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
