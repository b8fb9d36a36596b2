// The sidebar's Admin API routes that change something, behind the permission `plaid-items.write`: replaying a
// store's logged webhook deliveries (POST .../deliveries/replay).
//
// Node-RED matches permissions in @node-red/editor-api's auth/permissions.js: a user's `*` holds every permission,
// `write` (or `*.write`) every name ending in `.write` (so `plaid-items.write`), `read` every name ending in
// `.read`; `read` never holds a write. Its needsPermission answers 401 both to a request without a login and to a
// user who lacks the permission; these routes answer 403 to the latter (logged in, not allowed), as a read-only
// user who can list the deliveries but not replay them should be told.
import { randomUUID } from 'node:crypto';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { receiversOn, runningReceiver } from '../../nodes/webhook-in/registry';
import type { DeliveryOutcome } from '../../plaid/store/delivery-record';
import { replayDeliveries } from '../../nodes/webhook-in/replay';
import { deliveryFilterOf, MAX_REPLAY } from './delivery-filter';
import { answering, ROUTE_ROOT, RouteError, storeLabel, storeNamed, type RouteRequest } from './routes';

export const WRITE_PERMISSION = 'plaid-items.write';

/** A replay request's own id, when the caller gives one (a retry sends the same). */
const REPLAY_ID = /^[A-Za-z0-9_-]{1,100}$/;
const FILTER_FIELDS = ['code', 'item_id', 'since', 'until'];
const REPLAYED_BY_FILTER: DeliveryOutcome[] = ['emitted', 'replayed'];

/** The same response, but a 401 its handler sets becomes 403. */
function forbiddenInsteadOfUnauthorized(res: Response): Response {
  return new Proxy(res, {
    get(target, property) {
      if (property === 'status') return (code: number) => target.status(code === 401 ? 403 : code);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value.bind(target) as unknown) : value;
    },
  });
}

/**
 * `permission` (a name) through Node-RED's `needsPermission`, which decides who holds it: no login is 401 (as every
 * Admin API route answers), a logged-in user without it 403. Without adminAuth everyone passes, as on every route.
 */
export function needsWritePermission(needsPermission: (name: string) => RequestHandler, permission = WRITE_PERMISSION): RequestHandler {
  const loggedIn = needsPermission('');
  const holds = needsPermission(permission);
  return (req: Request, res: Response, next: NextFunction) => {
    loggedIn(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (!(req as Request & { user?: unknown }).user) return next();
      holds(req, forbiddenInsteadOfUnauthorized(res), next);
    });
  };
}

async function replay(req: RouteRequest): Promise<object> {
  const node = storeNamed(req.params.storeId ?? '');
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) throw new RouteError(400, 'the body must be a JSON object: {ids: [...]} or a filter');
  if (body.ids !== undefined && FILTER_FIELDS.some((field) => body[field] !== undefined)) {
    throw new RouteError(400, `give ids or a filter (${FILTER_FIELDS.join(', ')}), not both`);
  }
  // A filter replays each event once: a duplicate entry is a copy of one it selects already. Ids replay what they name.
  const filter = deliveryFilterOf(body);
  if (!filter.ids) filter.outcomes = REPLAYED_BY_FILTER;
  const replayId = body.replay_id === undefined ? randomUUID() : typeof body.replay_id === 'string' ? body.replay_id : '';
  if (!REPLAY_ID.test(replayId)) throw new RouteError(400, 'replay_id must be 1 to 100 letters, digits, _ or -');
  let emitter;
  if (body.node !== undefined) {
    emitter = typeof body.node === 'string' ? runningReceiver(body.node) : undefined;
    if (!emitter || !receiversOn(node.id).includes(emitter)) {
      throw new RouteError(400, `node ${JSON.stringify(body.node)} is no plaid-webhook-in running here on the store ${storeLabel(node)}`);
    }
  }
  const store = await node.usableStore();
  if (!filter.ids) {
    const count = await store.deliveries.count(filter);
    if (count > MAX_REPLAY) throw new RouteError(400, `${count} deliveries match; replay at most ${MAX_REPLAY} at once: narrow the filter`);
  }
  return { store: { id: node.id, name: storeLabel(node) }, ...(await replayDeliveries(store, { storeId: node.id, filter, node: emitter, replayId })) };
}

/** Adds the write routes to the editor's admin app, each behind `permission` (see needsWritePermission). */
export function mountWriteRoutes(httpAdmin: Express, permission: RequestHandler): void {
  httpAdmin.post(`${ROUTE_ROOT}/:storeId/deliveries/replay`, permission, answering(replay));
}
