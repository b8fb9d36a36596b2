// The Admin API of the store's keys: how many Items each key holds (read), and the rewrap that re-encrypts the
// Items under older keys with the current one (write). Answers carry key ids and counts only, never a key or token.
import type { Express, RequestHandler } from 'express';
import { answering, RouteError, storeLabel, storeNamed, ROUTE_ROOT, type RouteRequest } from './routes';

/** What a rewrap route is limited to per request when the body names no limit: every Item. */
function limitOf(body: unknown): number | undefined {
  const limit = (body as { limit?: unknown } | undefined)?.limit;
  if (limit === undefined || limit === null) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw new RouteError(400, 'limit must be a whole number above 0');
  return limit;
}

async function keyUsage(req: RouteRequest): Promise<object> {
  const node = storeNamed(req.params.storeId ?? '');
  return { store: { id: node.id, name: storeLabel(node) }, ...(await (await node.usableStore()).keyUsage()) };
}

async function rewrap(req: RouteRequest): Promise<object> {
  // JSON only: a page on another site cannot send it without the browser asking first (CORS preflight).
  if (!req.is('application/json')) throw new RouteError(415, 'send the rewrap as JSON (Content-Type: application/json), e.g. {} or {"limit": 100}');
  const limit = limitOf(req.body);
  const node = storeNamed(req.params.storeId ?? '');
  return { store: { id: node.id, name: storeLabel(node) }, ...(await (await node.usableStore()).rewrap({ limit })) };
}

/** GET .../keys behind `read`, POST .../rewrap behind `write`. */
export function mountKeyRoutes(httpAdmin: Express, read: RequestHandler, write: RequestHandler): void {
  httpAdmin.get(`${ROUTE_ROOT}/:storeId/keys`, read, answering(keyUsage));
  httpAdmin.post(`${ROUTE_ROOT}/:storeId/rewrap`, write, answering(rewrap));
}
