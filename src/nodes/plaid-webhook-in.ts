// plaid-webhook-in: Plaid's webhooks on a route of their own, verified, answered, then split by (type, code).
import type { Request, RequestHandler, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { ItemStore } from '../plaid/store/item-store';
import type { ItemRecord } from '../plaid/store/record';
import { DeliveryDeduper } from '../plaid/webhook/dedupe';
import { unsupportedMediaType } from '../plaid/webhook/parse';
import { acceptDelivery, AcceptedDelivery, ReceiverOptions, webhookMetadata } from '../plaid/webhook/receiver';
import { unavailable, WebhookRejection } from '../plaid/webhook/rejection';
import { OUTPUT_COUNT } from '../plaid/webhook/routing';
import { StoreDeduper } from '../plaid/webhook/store-dedupe';
import { ScreenedToken, screenToken } from '../plaid/webhook/verify';
import type { PlaidConfigNode, PlaidItemStoreNode } from './types';
import { migrate } from './migrations';
import { contextSeenStore } from './webhook-in/context-store';
import { declaredTooLarge, parseByteSize } from './webhook-in/raw-body';
import { openRoute, rawBodyOf, RouteInUseError, WebhookRoute } from './webhook-in/route';
import { DeliveryStatus } from './webhook-in/status';

interface WebhookInDef extends NodeDef {
  url: string;
  plaid: string;
  verify: boolean;
  dedupe: boolean;
  /** A context store name; empty for Node-RED's default store. */
  dedupeStore: string;
  /** A plaid-item-store config node's id, or empty for none. */
  store?: string;
}

/** A delivery with the record the store updated for it (`undefined` without a store, null for an unknown Item). */
type StoredDelivery = AcceptedDelivery & { item?: ItemRecord | null };

/** The Node-RED settings this node reads; RED.settings' typings do not list them. */
interface HttpNodeSettings {
  httpNodeRoot?: string | false;
  httpNodeMiddleware?: RequestHandler | RequestHandler[];
  apiMaxLength?: string | number;
}

const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Answers `status` with its reason phrase as the body, as express's res.sendStatus would, but straight on the
 * response: sendStatus goes through res.send, which hashes every body for an ETag and checks request freshness, a
 * measurable share of a delivery's cost under load (bench/). Headers set before (Connection: close on a 413) are kept.
 */
function answer(res: Response, status: number): void {
  const body = STATUS_CODES[status] ?? String(status);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
/** A request whose body was refused unread: the answer closes the connection. */
class UnreadBody extends Error {
  constructor(readonly rejection: WebhookRejection) {
    super(rejection.message);
  }
}

/** Characters express reads as route patterns; the raw-body capture matches paths literally. */
const PATTERN_CHARACTERS = /[\s?#:*+()[\]]/;

export = function (RED: NodeAPI): void {
  const settings = RED.settings as unknown as HttpNodeSettings;
  const text = (key: string, counts?: Record<string, number>): string => RED._(`plaid-webhook-in.status.${key}`, counts);

  function PlaidWebhookIn(this: Node, saved: WebhookInDef): void {
    const def = migrate('plaid-webhook-in', saved); // older settings brought up to date (src/nodes/migrations.ts)
    RED.nodes.createNode(this, def);
    const node = this;
    const verify = def.verify !== false;
    const status = new DeliveryStatus(node, text, !verify);

    if (settings.httpNodeRoot === false) {
      node.warn('httpNodeRoot is false in the settings: Node-RED serves no node routes, so no webhook can arrive');
      status.fail('noRoutes');
      return;
    }
    const url = (def.url ?? '').trim();
    if (!url) {
      node.warn('no URL path set: the node has no route');
      status.fail('noPath');
      return;
    }
    if (PATTERN_CHARACTERS.test(url)) {
      node.warn(`URL path ${url} is not a literal path (express would read : * ? + ( ) [ ] as a pattern): the node has no route`);
      status.fail('badPath');
      return;
    }

    const config = RED.nodes.getNode(def.plaid) as PlaidConfigNode | null;
    const keys = config?.verificationKeys;
    // Deliveries cannot be verified without a usable config node: answer 503 so Plaid keeps them until it is fixed.
    const configProblem =
      !verify || keys ? undefined : config ? `the Plaid config node is not usable: ${config.problem ?? 'it has no client'}` : 'no Plaid config node selected';
    if (configProblem) {
      node.error(`${configProblem}; deliveries are answered 503 until it is fixed`);
      status.fail('noConfig');
    }
    if (!verify && config?.environment === 'production') {
      node.warn('signature verification is off with a production config node: anyone can post webhooks to this route');
    }
    // With a store, ITEM webhooks update the record before the message goes out, and the seen-set is the store's.
    const storeNode = def.store ? (RED.nodes.getNode(def.store) as PlaidItemStoreNode | null) : undefined;
    const usableStore = (): Promise<ItemStore> =>
      storeNode
        ? storeNode.usableStore().catch((err: Error) => Promise.reject(unavailable(`the Item store is not usable: ${err.message}`)))
        : Promise.reject(unavailable('the selected Item store config node does not exist'));
    if (storeNode !== undefined) {
      usableStore().catch((err: Error) => {
        node.error(`${err.message}; deliveries are answered 503 until it is fixed`);
        status.fail('noStore');
      });
    }
    const options: ReceiverOptions = {
      verification: verify && keys ? { keys } : undefined,
      // In the flow's context, under this node's id: with Node-RED's default settings (no contextStorage) a node's
      // own context is deleted whenever the node closes, so the seen-set would be forgotten at every redeploy.
      // (A node on no tab, as in some tests, has no flow context: its own then.)
      deduper: def.dedupe !== true ? undefined : storeNode !== undefined ? new StoreDeduper(usableStore)
        : new DeliveryDeduper(node.context().flow
          ? contextSeenStore(node.context().flow, def.dedupeStore || undefined, `${node.id}:`)
          : contextSeenStore(node.context(), def.dedupeStore || undefined)),
    };
    const limitBytes = parseByteSize(settings.apiMaxLength, DEFAULT_MAX_BODY_BYTES);
    let closed = false;

    /** What the headers alone decide, before a byte of the body is read: media type, declared size, the token. */
    function screen(req: Request): ScreenedToken | undefined {
      const refusal = unsupportedMediaType(req.get('content-type')) ?? (configProblem ? unavailable(configProblem) : undefined)
        ?? declaredTooLarge(req, limitBytes);
      if (refusal) throw new UnreadBody(refusal);
      try {
        return options.verification ? screenToken(req.get('plaid-verification'), options.verification) : undefined;
      } catch (err) {
        throw err instanceof WebhookRejection ? new UnreadBody(err) : err;
      }
    }

    async function accept(req: Request): Promise<StoredDelivery> {
      const screened = screen(req);
      const body = await rawBodyOf(req, limitBytes);
      if (!body) throw unavailable('the request body was parsed before this node could read its raw bytes');
      if ('refused' in body) throw new UnreadBody(body.refused);
      const store = storeNode === undefined ? undefined : await usableStore();
      const delivery: StoredDelivery = await acceptDelivery({ rawBody: body.bytes, signature: req.get('plaid-verification'), screened }, options);
      if (store && !delivery.duplicate) {
        try {
          delivery.item = await store.applyWebhook(delivery.body);
        } catch (err) {
          await release(delivery);
          throw unavailable(`the Item store could not record the webhook: ${(err as Error).message}`);
        }
      }
      // Redeployed while verifying: the new node's route gets Plaid's retry, this one's wires are gone.
      if (closed) {
        await release(delivery);
        throw unavailable('node closed while the delivery was being verified');
      }
      return delivery;
    }

    /** Undoes the dedupe claim of a delivery that is not acknowledged after all: Plaid's retry must be emitted. */
    async function release(delivery: AcceptedDelivery): Promise<void> {
      if (!options.deduper || delivery.duplicate || delivery.unrecorded) return;
      try {
        await options.deduper.release(delivery.bodySha256);
      } catch {
        // The store failed: the retry may be taken for a duplicate; nothing more can be done here.
        node.warn('dedupe store failed while forgetting a delivery answered 503: its retry may be dropped as a duplicate');
      }
    }

    /** The delivery was emitted: its claim is confirmed (not awaited: nothing waits for it). */
    function confirm(delivery: AcceptedDelivery): void {
      if (!options.deduper?.confirm || delivery.unrecorded) return;
      options.deduper.confirm(delivery.bodySha256).catch(() => {
        // The claim stays pending and expires with its lease: a later re-delivery would be emitted again.
        status.warn('dedupe store failed while confirming a delivery: a re-delivery of it may be emitted again');
      });
    }

    function emit(delivery: StoredDelivery): void {
      const outputs: Array<Record<string, unknown> | null> = new Array(OUTPUT_COUNT).fill(null);
      const plaid: Record<string, unknown> = { ...webhookMetadata(delivery, config?.environment) };
      if (delivery.item !== undefined) {
        plaid.item = delivery.item;
        // LINK webhooks name no item_id: the store found the Item by its link token.
        plaid.item_id ??= delivery.item?.item_id ?? null;
      }
      outputs[delivery.output] = { payload: delivery.body, topic: delivery.webhookCode, plaid };
      node.send(outputs);
    }

    function acknowledge(res: Response, delivery: AcceptedDelivery): void {
      answer(res, 200);
      status.accepted();
      if (delivery.unrecorded) status.warn('dedupe: this hour\'s seen-set is full; a re-delivery of this webhook would be emitted again');
    }

    function refuse(res: Response, err: unknown): void {
      const rejection = err instanceof UnreadBody ? err.rejection : err instanceof WebhookRejection ? err : unavailable((err as Error).message);
      // A body refused before or while it was read (media type, token, size, deadline) is not read any further: the
      // answer ends the connection, so the sender cannot go on sending it.
      if (err instanceof UnreadBody) res.set('Connection', 'close');
      answer(res, rejection.status);
      status.rejectedDelivery();
      // Every rejection at debug level (for an operator tracing one); warnings are throttled.
      const line = `webhook delivery answered ${rejection.status}: ${rejection.message}`;
      node.debug(line);
      status.warn(line);
    }

    function receive(req: Request, res: Response): void {
      accept(req).then(
        (delivery) => {
          if (delivery.duplicate) {
            acknowledge(res, delivery);
            return;
          }
          // Node-RED hands the message to the next nodes on the next turn of the event loop (setImmediate, queued
          // by send() ahead of the check below), and drops it if a deploy stopped them in between. So the answer
          // waits for that turn: 200 if the nodes it went to are still the running ones, else 503 and Plaid
          // delivers again. It still comes before any downstream asynchronous work (Plaid allows 10 s).
          // (A target not found at all, e.g. under an id the lookup does not know, is not judged.)
          const wires = (node as unknown as { wires?: string[][] }).wires ?? [];
          const targets = (wires[delivery.output] ?? []).map((id) => [id, RED.nodes.getNode(id)] as const);
          emit(delivery);
          // Confirmed as it is handed to the runtime: the statement is on its way to the store before the next
          // nodes run, so an instance killed from here on leaves a confirmed claim (its retry is a duplicate).
          confirm(delivery);
          setImmediate(() => {
            if (targets.every(([id, target]) => !target || RED.nodes.getNode(id) === target)) {
              acknowledge(res, delivery);
              return;
            }
            release(delivery).then(() => refuse(res, unavailable('a deploy stopped the flow before the webhook reached the next node')));
          });
        },
        (err: unknown) => refuse(res, err),
      );
    }

    let route: WebhookRoute;
    try {
      route = openRoute(RED.httpNode, {
        nodeId: node.id,
        path: url.startsWith('/') ? url : `/${url}`,
        middleware: settings.httpNodeMiddleware ? [settings.httpNodeMiddleware].flat() : [],
        handler: receive,
      });
    } catch (err) {
      if (!(err instanceof RouteInUseError)) throw err;
      node.error(err.message);
      status.fail('pathInUse');
      return;
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      route.close();
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('plaid-webhook-in', PlaidWebhookIn);
};
