// The node's own POST route on RED.httpNode, with its body kept from every JSON parser until the node reads it raw.
//
// With the default roots the editor's admin app (mounted first, on the same root) runs bodyParser.json() on every
// request, so a route handler would get the body already parsed. Like core's http-in node ("do not parse the body"),
// one middleware sits at the very top of the root express app; for our routes only it claims the body unread
// (marking it as parsed, so body-parser passes it by) and notes when the request arrived. The node then checks what
// it can from the headers before it reads a byte, and reads the body itself. Unlike core's, the route table lives on
// that root app (not module-wide).
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { BODY_READ_DEADLINE_MS, RawBody, readRawBody } from './raw-body';

interface RouteOwner {
  /** The owning node's id, for the "in use" message. */
  nodeId: string;
}

interface Layer {
  handle: unknown;
  route?: { path?: unknown; methods?: Record<string, boolean> };
}

/** Our routes on one root app, keyed by their normalised full path. */
type RouteTable = Map<string, RouteOwner>;

/** When the request of one of our routes arrived (its body claimed, unread). */
const ARRIVED_AT = Symbol('plaid-webhook-in arrived at');
type ClaimedRequest = IncomingMessage & { [ARRIVED_AT]?: number; _body?: boolean };

const tables = new WeakMap<Express, RouteTable>();

/** Express matches case-insensitively and ignores a trailing slash by default; the table does the same. */
function routeKey(path: string): string {
  return path.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1').toLowerCase();
}

function rootOf(app: Express): Express {
  let root = app;
  while ((root as { parent?: Express }).parent) root = (root as { parent?: Express }).parent as Express;
  return root;
}

// Express 4 keeps the router in `_router`, created on first use by lazyrouter() (and throws on `app.router`);
// express 5 has no lazyrouter and names it `router`.
function stackOf(app: Express): Layer[] {
  const internals = app as unknown as { lazyrouter?: () => void; _router?: { stack: Layer[] }; router?: { stack: Layer[] } };
  if (typeof internals.lazyrouter === 'function') {
    internals.lazyrouter();
    return internals._router?.stack ?? [];
  }
  return internals.router?.stack ?? [];
}

function captureFor(table: RouteTable): RequestHandler {
  return function plaidWebhookRawBody(req: Request, _res: Response, next: NextFunction): void {
    const request = req as unknown as ClaimedRequest;
    const owner = req.method === 'POST' ? table.get(routeKey((req.originalUrl ?? req.url).split('?')[0])) : undefined;
    if (owner && request[ARRIVED_AT] === undefined && !request._body) {
      request[ARRIVED_AT] = Date.now();
      // Marks the body as read, so body-parser (the admin app's, any other) passes it by.
      request._body = true;
    }
    next();
  };
}

/** The route table of `app`'s root, installing the capture middleware at the top of the root's stack on first use. */
function tableFor(app: Express): RouteTable {
  const root = rootOf(app);
  let table = tables.get(root);
  if (!table) {
    table = new Map();
    tables.set(root, table);
    const capture = captureFor(table);
    root.use(capture);
    const stack = stackOf(root);
    const index = stack.findIndex((layer) => layer.handle === capture);
    if (index > 0) stack.unshift(...stack.splice(index, 1));
  }
  return table;
}

export class RouteInUseError extends Error {
  /** `owner`: the node of ours that has the path; undefined for another (core's http-in). */
  constructor(readonly path: string, readonly owner: string | undefined) {
    super(`POST ${path} is already the route of ${owner === undefined ? 'another node' : `node ${owner}`}`);
  }
}

export interface WebhookRoute {
  close(): void;
}

export interface RouteOptions {
  nodeId: string;
  /** Path below httpNodeRoot, starting with '/'. */
  path: string;
  /** RED.settings.httpNodeMiddleware, applied before the handler as on core's http-in routes. */
  middleware: RequestHandler[];
  handler: (req: Request, res: Response) => void;
}

/** Adds the POST route; throws RouteInUseError when another node (ours or core's http-in) has the path. */
export function openRoute(httpNode: Express, options: RouteOptions): WebhookRoute {
  const key = routeKey(httpNode.path() + options.path);
  const table = tableFor(httpNode);
  const owner = table.get(key);
  if (owner) throw new RouteInUseError(options.path, owner.nodeId);
  const pathKey = routeKey(options.path);
  const taken = stackOf(httpNode).some(
    (layer) => typeof layer.route?.path === 'string' && routeKey(layer.route.path) === pathKey && layer.route.methods?.post,
  );
  if (taken) throw new RouteInUseError(options.path, undefined);

  const ours: RouteOwner = { nodeId: options.nodeId };
  table.set(key, ours);
  const before = new Set(stackOf(httpNode));
  httpNode.post(options.path, ...options.middleware, options.handler);
  const added = stackOf(httpNode).filter((layer) => !before.has(layer));
  return {
    close(): void {
      const stack = stackOf(httpNode);
      for (let i = stack.length - 1; i >= 0; i--) if (added.includes(stack[i])) stack.splice(i, 1);
      if (table.get(key) === ours) table.delete(key);
    },
  };
}

/**
 * The request's raw body, read now: claimed at the root, or unread because nothing upstream has touched the stream (an
 * app mounted after the route was opened). Its read deadline runs from the request's arrival. Undefined when some
 * parser consumed it first: verification is then impossible.
 */
export function rawBodyOf(req: Request, limitBytes: number): Promise<RawBody> | undefined {
  const request = req as unknown as ClaimedRequest;
  const arrivedAt = request[ARRIVED_AT];
  if (arrivedAt === undefined && (request._body || req.readableEnded)) return undefined;
  return readRawBody(req, limitBytes, (arrivedAt ?? Date.now()) + BODY_READ_DEADLINE_MS);
}
