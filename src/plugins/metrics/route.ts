// GET /plaid-items/metrics: every metric in Prometheus' text format, the store gauges read at this very request.
import type { Express, RequestHandler } from 'express';
import type { Metrics } from './definitions';
import { readStores } from './store-state';

/** Below the editor's admin root, beside the Plaid Items sidebar's routes. */
export const METRICS_ROUTE = '/plaid-items/metrics';

export function mountMetricsRoute(httpAdmin: Express, permission: RequestHandler, metrics: Metrics): void {
  httpAdmin.get(METRICS_ROUTE, permission, (_req, res) => {
    res.set('Cache-Control', 'no-store');
    readStores(metrics)
      .then(() => metrics.registry.metrics())
      .then(
        // Written as it is: express's send would reorder the content type's parameters and hash the body for an ETag.
        (text) => res.set('Content-Type', metrics.registry.contentType).end(text),
        // Nothing of the error: it could name a store's file or server; the log has the store's own problems.
        () => res.status(500).type('text/plain').send('the metrics could not be collected\n'),
      );
  });
}
