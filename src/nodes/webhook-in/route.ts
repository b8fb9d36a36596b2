// The node's own POST route on RED.httpNode, with its raw body captured before any JSON parser sees it.
//
// With the default roots the editor's admin app (mounted first, on the same root) runs bodyParser.json() on every
// request, so a route handler gets the body already parsed. Like core's http-in node ("do not parse the body"), one
// capture middleware sits at the very top of the root express app and reads the body of our routes only; unlike it,
// the route table lives on that root app (not module-wide) and carries a size limit.
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { RawBody, readRawBody } from './raw-body';

interface RouteOwner {
  /** The owning node's id, for the "in use" message. */
  nodeId: string;
  limitBytes: number;
}

interface Layer {
  handle: unknown;
  route?: { path?: unknown; methods?: Record<string, boolean> };
}

/** Our routes on one root app, keyed by their normalised full path. */
type RouteTable = Map<string, RouteOwner>;

const RAW_BODY = Symbol('plaid-webhook-in raw body');
type CapturedRequest = IncomingMessage & { [RAW_BODY]?: RawBody; _body?: boolean };

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
    const request = req as unknown as CapturedRequest;
    const owner = req.method === 'POST' ? table.get(routeKey((req.originalUrl ?? req.url).split('?')[0])) : undefined;
    if (!owner || request[RAW_BODY] || request._body) return next();
    readRawBody(req, owner.limitBytes).then((body) => {
      request[RAW_BODY] = body;
      // Marks the body as read, so body-parser (the admin app's, any other) passes it by.
      request._body = true;
      next();
    }, next);
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

export class RouteInUseError extends Error {}

export interface WebhookRoute {
  close(): void;
}

export interface RouteOptions {
  nodeId: string;
  /** Path below httpNodeRoot, starting with '/'. */
  path: string;
  limitBytes: number;
  /** RED.settings.httpNodeMiddleware, applied before the handler as on core's http-in routes. */
  middleware: RequestHandler[];
  handler: (req: Request, res: Response) => void;
}

/** Adds the POST route; throws RouteInUseError when another node (ours or core's http-in) has the path. */
export function openRoute(httpNode: Express, options: RouteOptions): WebhookRoute {
  const key = routeKey(httpNode.path() + options.path);
  const table = tableFor(httpNode);
  const owner = table.get(key);
  if (owner) throw new RouteInUseError(`POST ${options.path} is already the route of node ${owner.nodeId}`);
  const pathKey = routeKey(options.path);
  const taken = stackOf(httpNode).some(
    (layer) => typeof layer.route?.path === 'string' && routeKey(layer.route.path) === pathKey && layer.route.methods?.post,
  );
  if (taken) throw new RouteInUseError(`POST ${options.path} is already the route of another node`);

  const ours: RouteOwner = { nodeId: options.nodeId, limitBytes: options.limitBytes };
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
 * The request's raw body: captured at the root, or read here when nothing upstream has touched the stream (an app
 * mounted after the route was opened). Undefined when some parser consumed it first: verification is then impossible.
 */
export async function rawBodyOf(req: Request, limitBytes: number): Promise<RawBody | undefined> {
  const request = req as unknown as CapturedRequest;
  if (request[RAW_BODY]) return request[RAW_BODY];
  if (request._body || req.readableEnded) return undefined;
  return readRawBody(req, limitBytes);
}
