// The Prometheus exporter, runtime side only: GET /plaid-items/metrics on the editor's Admin API, behind the
// `plaid-items.read` permission (a Prometheus scrapes it with an adminAuth token), counting the core's events
// (src/plaid/channels.ts) from the moment Node-RED loads the package. `plaidMetrics: false` in Node-RED's settings
// turns it off: no route, and no subscriber, so the core's events cost nothing.
import type { NodeAPI } from 'node-red';
import { countEvents } from './metrics/counting';
import { createMetrics } from './metrics/definitions';
import { mountMetricsRoute } from './metrics/route';
import { PERMISSION } from './plaid-items-sidebar';

export const PLUGIN_ID = 'plaid-metrics';

/** One set of subscriptions per process: a runtime started again in the same process (tests, embedding) replaces it. */
let stopCounting: (() => void) | undefined;

export default function (RED: NodeAPI): void {
  RED.plugins.registerPlugin(PLUGIN_ID, { type: PLUGIN_ID });
  stopCounting?.();
  stopCounting = undefined;
  if ((RED.settings as unknown as { plaidMetrics?: boolean }).plaidMetrics === false) return;
  const metrics = createMetrics();
  let warned = false;
  stopCounting = countEvents(metrics, (err) => {
    // Once: an event that cannot be counted is a defect here, and would repeat with every webhook.
    if (!warned) RED.log.warn(`plaid-metrics: an event could not be counted: ${(err as Error)?.message}`);
    warned = true;
  });
  mountMetricsRoute(RED.httpAdmin, RED.auth.needsPermission(PERMISSION), metrics);
}
