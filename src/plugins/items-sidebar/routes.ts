// The sidebar's Admin API: the running Item stores with their counts, one store's Items (filtered, needs-action
// first), one Item's recent history. Answers carry records only (item-overview.ts), never a token.
import type { Express, Request, RequestHandler, Response } from 'express';
import { ItemStoreError } from '../../plaid/store/errors';
import { byAttention, countByStatus, matchesSearch, overviewOf } from '../../plaid/store/item-overview';
import { isItemStatus, ITEM_STATUSES, type ItemStatus } from '../../plaid/store/record';
import { runningItemStore, runningItemStores } from '../../nodes/item-store/registry';
import type { PlaidItemStoreNode } from '../../nodes/types';

/** Below the editor's admin root. */
export const ROUTE_ROOT = '/plaid-items/stores';

/** The path parameters of the routes (express 5's typings allow arrays, which these patterns never give). */
export type RouteRequest = Request<{ storeId?: string; itemId?: string; deliveryId?: string }>;

/** A request the route refuses, with the HTTP status it answers. */
export class RouteError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function statusFor(err: unknown): number {
  if (err instanceof RouteError) return err.status;
  // An entry that does not decrypt is damaged, not unavailable: asking again will not help.
  if (err instanceof ItemStoreError) return err.code === 'INVALID_ITEM' ? 400 : err.code === 'TOKEN_UNREADABLE' ? 500 : 503;
  return 500;
}

/** The route's own errors and the store's say what is wrong without a token; anything else is not repeated. */
function messageOf(err: unknown): string {
  return err instanceof RouteError || err instanceof ItemStoreError ? err.message : 'the store could not be read';
}

export function storeLabel(node: PlaidItemStoreNode): string {
  return node.name || node.id;
}

export function storeNamed(id: string): PlaidItemStoreNode {
  const node = runningItemStore(id);
  if (!node) throw new RouteError(404, `no running plaid-item-store has the id ${id}`);
  return node;
}

/** `?status=a,b` or `?status=a&status=b`; unknown statuses are refused, naming them. */
function statusesOf(query: unknown): ItemStatus[] {
  if (query === undefined || query === '') return [];
  const values = (Array.isArray(query) ? (query as unknown[]) : [query]).flatMap((value) => (typeof value === 'string' ? value.split(',') : [value]));
  const statuses: ItemStatus[] = [];
  for (const value of values) {
    const status = typeof value === 'string' ? value.trim() : value;
    if (status === '') continue;
    if (!isItemStatus(status)) throw new RouteError(400, `status ${JSON.stringify(status)} is none of ${ITEM_STATUSES.join(', ')}`);
    statuses.push(status);
  }
  return statuses;
}

function searchOf(query: unknown): string {
  if (query === undefined) return '';
  if (typeof query !== 'string') throw new RouteError(400, 'q must be given once, as text');
  return query;
}

async function storeSummary(node: PlaidItemStoreNode) {
  const summary = { id: node.id, name: storeLabel(node) };
  try {
    const records = await (await node.usableStore()).list();
    return { ...summary, problem: null, total: records.length, counts: countByStatus(records) };
  } catch (err) {
    return { ...summary, problem: messageOf(err), total: 0, counts: countByStatus([]) };
  }
}

async function listStores(): Promise<object> {
  return { stores: await Promise.all(runningItemStores().map(storeSummary)) };
}

async function listItems(req: RouteRequest): Promise<object> {
  const node = storeNamed(req.params.storeId ?? '');
  const statuses = statusesOf(req.query.status);
  const search = searchOf(req.query.q);
  const records = await (await node.usableStore()).list({ statuses });
  return {
    store: { id: node.id, name: storeLabel(node) },
    items: records.filter((record) => matchesSearch(record, search)).sort(byAttention).map(overviewOf),
  };
}

async function itemHistory(req: RouteRequest): Promise<object> {
  const node = storeNamed(req.params.storeId ?? '');
  const store = await node.usableStore();
  const itemId = req.params.itemId ?? '';
  const record = await store.get(itemId);
  if (!record) throw new RouteError(404, `the store ${storeLabel(node)} has no Item ${itemId}`);
  return { store: { id: node.id, name: storeLabel(node) }, item: overviewOf(record), history: await store.history(itemId) };
}

/** A route's handler: `read`'s answer as JSON, or its error with the status it calls for; never cached. */
export function answering(read: (req: RouteRequest) => Promise<object>) {
  return (req: RouteRequest, res: Response): void => {
    // Records are not for shared caches, nor for the browser's cache once the editor is closed.
    res.set('Cache-Control', 'no-store');
    read(req).then(
      (body) => res.json(body),
      (err: unknown) => res.status(statusFor(err)).json({ error: messageOf(err) }),
    );
  };
}

/** Adds the three GET routes to the editor's admin app, each behind `permission`. */
export function mountItemRoutes(httpAdmin: Express, permission: RequestHandler): void {
  httpAdmin.get(ROUTE_ROOT, permission, answering(listStores));
  httpAdmin.get(`${ROUTE_ROOT}/:storeId/items`, permission, answering(listItems));
  httpAdmin.get(`${ROUTE_ROOT}/:storeId/items/:itemId/history`, permission, answering(itemHistory));
}
