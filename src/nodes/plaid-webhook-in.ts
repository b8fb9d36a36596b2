// plaid-webhook-in: Plaid's webhooks on a route of their own, verified, answered, then split by (type, code). The
// constructor reads the settings and wires the route and the close; each request is the DeliveryHandler's
// (src/nodes/webhook-in/delivery-handler.ts).
import type { RequestHandler } from 'express';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { ItemStore } from '../plaid/store/item-store';
import { DeliveryDeduper } from '../plaid/webhook/dedupe';
import type { ReceiverOptions } from '../plaid/webhook/receiver';
import { unavailable } from '../plaid/webhook/rejection';
import { StoreDeduper } from '../plaid/webhook/store-dedupe';
import type { PlaidConfigNode, PlaidItemStoreNode } from './types';
import { migrate } from './migrations';
import { contextSeenStore } from './webhook-in/context-store';
import { DeliveryHandler } from './webhook-in/delivery-handler';
import { parseByteSize } from './webhook-in/raw-body';
import { openRoute, RouteInUseError, WebhookRoute } from './webhook-in/route';
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

/** The Node-RED settings this node reads; RED.settings' typings do not list them. */
interface HttpNodeSettings {
  httpNodeRoot?: string | false;
  httpNodeMiddleware?: RequestHandler | RequestHandler[];
  apiMaxLength?: string | number;
}

const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Characters express reads as route patterns; the raw-body capture matches paths literally. */
const PATTERN_CHARACTERS = /[\s?#:*+()[\]]/;

/** What the status says of a store that cannot be used: the setting left empty, else what its code says. */
function storeStatus(storeNode: PlaidItemStoreNode | null): string {
  if (!storeNode) return 'noStore';
  if (storeNode.problemKind) return storeNode.problemKind;
  return storeNode.problemCode === 'WRONG_KEY' ? 'wrongKey' : storeNode.problemCode === 'STORE_REFUSED' ? 'storeRefused' : 'storeUnavailable';
}

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
    // Its problem says first what to do (the debug sidebar shows 80 characters of it); the status, what is wrong.
    const configProblem =
      !verify || keys ? undefined : config ? config.problem ?? 'the Plaid config node is not usable' : 'no Plaid config node selected: select one in this node';
    if (configProblem) {
      node.error(`${configProblem}; until then deliveries are answered 503`);
      status.fail(config?.problemKind ?? 'noConfig');
    }
    if (!verify && config?.environment === 'production') {
      node.warn('signature verification is off with a production config node: anyone can post webhooks to this route');
    }
    // With a store, ITEM webhooks update the record before the message goes out, and the seen-set is the store's.
    const storeNode = def.store ? (RED.nodes.getNode(def.store) as PlaidItemStoreNode | null) : undefined;
    const usableStore = (): Promise<ItemStore> =>
      storeNode
        ? storeNode.usableStore().catch((err: Error) => Promise.reject(unavailable(err.message)))
        : Promise.reject(unavailable('the selected Item store config node does not exist'));
    if (storeNode !== undefined) {
      usableStore().catch((err: Error) => {
        node.error(`${err.message}; until then deliveries are answered 503`);
        status.fail(storeStatus(storeNode));
      });
    }
    const receiver: ReceiverOptions = {
      verification: verify && keys ? { keys } : undefined,
      // In the flow's context, under this node's id: with Node-RED's default settings (no contextStorage) a node's
      // own context is deleted whenever the node closes, so the seen-set would be forgotten at every redeploy.
      // (A node on no tab, as in some tests, has no flow context: its own then.)
      deduper: def.dedupe !== true ? undefined : storeNode !== undefined ? new StoreDeduper(usableStore)
        : new DeliveryDeduper(node.context().flow
          ? contextSeenStore(node.context().flow, def.dedupeStore || undefined, `${node.id}:`)
          : contextSeenStore(node.context(), def.dedupeStore || undefined)),
    };
    const handler = new DeliveryHandler({
      node,
      runningNode: (id) => RED.nodes.getNode(id),
      status,
      receiver,
      configProblem,
      environment: config?.environment,
      usableStore: storeNode === undefined ? undefined : usableStore,
      limitBytes: parseByteSize(settings.apiMaxLength, DEFAULT_MAX_BODY_BYTES),
    });

    let route: WebhookRoute;
    try {
      route = openRoute(RED.httpNode, {
        nodeId: node.id,
        path: url.startsWith('/') ? url : `/${url}`,
        middleware: settings.httpNodeMiddleware ? [settings.httpNodeMiddleware].flat() : [],
        handler: handler.receive,
      });
    } catch (err) {
      if (!(err instanceof RouteInUseError)) throw err;
      node.error(err.message);
      status.fail('pathInUse');
      return;
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      handler.close();
      route.close();
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('plaid-webhook-in', PlaidWebhookIn);
};
