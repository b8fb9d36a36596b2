// The event log's read routes: one store's logged webhook deliveries (newest first, filtered, without bodies), and
// one delivery with its body, every token in it masked. Behind the same permission as the Items (plaid-items.read).
import type { Express, RequestHandler } from 'express';
import { receiversOn } from '../../nodes/webhook-in/registry';
import { deliveryFilterOf, limitOf } from './delivery-filter';
import { answering, ROUTE_ROOT, RouteError, storeLabel, storeNamed, type RouteRequest } from './routes';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

async function listDeliveries(req: RouteRequest): Promise<object> {
  const node = storeNamed(req.params.storeId ?? '');
  const filter = deliveryFilterOf(req.query);
  const limit = limitOf(req.query.limit, DEFAULT_LIMIT, MAX_LIMIT);
  // Read before the listing: a replay of "everything matching" up to this time replays what this answer counted.
  const asOf = new Date().toISOString();
  const { deliveries, total } = await (await node.usableStore()).deliveries.list(filter, limit);
  return {
    store: { id: node.id, name: storeLabel(node) },
    as_of: asOf,
    total,
    deliveries,
    // The plaid-webhook-in nodes on this store that run here: names for the node ids, and what they refused.
    receivers: receiversOn(node.id).map((receiver) => ({
      id: receiver.id,
      name: receiver.name,
      log_retention_days: receiver.logRetentionDays,
      rejected: receiver.rejected(),
    })),
  };
}

async function showDelivery(req: RouteRequest): Promise<object> {
  const node = storeNamed(req.params.storeId ?? '');
  const id = req.params.deliveryId ?? '';
  const delivery = await (await node.usableStore()).deliveries.show(id);
  if (!delivery) throw new RouteError(404, `the event log of ${storeLabel(node)} holds no delivery ${id} (pruned, or never logged)`);
  return { store: { id: node.id, name: storeLabel(node) }, delivery };
}

/** Adds the two GET routes to the editor's admin app, each behind `permission`. */
export function mountDeliveryRoutes(httpAdmin: Express, permission: RequestHandler): void {
  httpAdmin.get(`${ROUTE_ROOT}/:storeId/deliveries`, permission, answering(listDeliveries));
  httpAdmin.get(`${ROUTE_ROOT}/:storeId/deliveries/:deliveryId`, permission, answering(showDelivery));
}
