// plaid-webhook-in: Plaid's webhooks on a route of their own, verified, answered, then split by (type, code). The
// constructor reads the settings and wires the route and the close; each request is the DeliveryHandler's
// (src/nodes/webhook-in/delivery-handler.ts).
import type { RequestHandler } from 'express';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { ItemStore } from '../plaid/store/item-store';
import { DeliveryDeduper, seenSetRecorder } from '../plaid/webhook/dedupe';
import type { DeliveryRecorder } from '../plaid/webhook/recorder';
import type { ReceiverOptions } from '../plaid/webhook/receiver';
import { unavailable } from '../plaid/webhook/rejection';
import { StoreRecorder } from '../plaid/webhook/store-recorder';
import type { PlaidConfigNode, PlaidItemStoreNode } from './types';
import { migrate } from './migrations';
import { contextSeenStore } from './webhook-in/context-store';
import { DeliveryHandler } from './webhook-in/delivery-handler';
import { startLogPruning } from './webhook-in/log-pruning';
import { parseByteSize } from './webhook-in/raw-body';
import { registerReceiver } from './webhook-in/registry';
import { openRoute, RouteInUseError, WebhookRoute } from './webhook-in/route';
import { DeliveryStatus, type WebhookInText } from './webhook-in/status';

interface WebhookInDef extends NodeDef {
  url: string;
  plaid: string;
  verify: boolean;
  dedupe: boolean;
  /** A context store name; empty for Node-RED's default store. */
  dedupeStore: string;
  /** A plaid-item-store config node's id, or empty for none. */
  store?: string;
  /** Days the store's event log keeps each delivery; 0 turns the log off. Text as the editor saves it. */
  logRetentionDays?: string | number;
}

/** The Node-RED settings this node reads; RED.settings' typings do not list them. */
interface HttpNodeSettings {
  httpNodeRoot?: string | false;
  httpNodeMiddleware?: RequestHandler | RequestHandler[];
  apiMaxLength?: string | number;
}

const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * `logRetentionDays` as saved. New nodes get the default (30) from the editor; a node saved before the event log
 * existed has none and keeps working as it did, without a log (0). Anything but a number of days >= 0 is undefined.
 */
function retentionDaysOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return 0;
  const days = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  return Number.isFinite(days) && days >= 0 ? days : undefined;
}

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
  const text: WebhookInText = (key, data) => RED._(`plaid-webhook-in.${key}`, data);

  function PlaidWebhookIn(this: Node, saved: WebhookInDef): void {
    const def = migrate('plaid-webhook-in', saved); // older settings brought up to date (src/nodes/migrations.ts)
    RED.nodes.createNode(this, def);
    const node = this;
    const verify = def.verify !== false;
    const status = new DeliveryStatus(node, text, !verify);

    if (settings.httpNodeRoot === false) {
      node.warn(text('errors.noRoutes'));
      status.fail('status.noRoutes');
      return;
    }
    const url = (def.url ?? '').trim();
    if (!url) {
      node.warn(text('errors.noPath'));
      status.fail('status.noPath');
      return;
    }
    if (PATTERN_CHARACTERS.test(url)) {
      node.warn(text('errors.badPath', { path: url }));
      status.fail('status.badPath');
      return;
    }

    const config = RED.nodes.getNode(def.plaid) as PlaidConfigNode | null;
    const keys = config?.verificationKeys;
    // Deliveries cannot be verified without a usable config node: answer 503 so Plaid keeps them until it is fixed.
    // Its problem says first what to do (the debug sidebar shows 80 characters of it); the status, what is wrong.
    const configProblem = !verify || keys ? undefined : config ? config.problem ?? text('errors.configNoClient') : text('errors.noConfig');
    if (configProblem) {
      node.error(text('errors.answered503', { problem: configProblem }));
      status.fail(`status.${config?.problemKind ?? 'noConfig'}`);
    }
    if (!verify && config?.environment === 'production') {
      node.warn(text('errors.verifyOffProduction'));
    }
    // With a store, ITEM webhooks update the record before the message goes out, and the seen-set is the store's.
    const storeNode = def.store ? (RED.nodes.getNode(def.store) as PlaidItemStoreNode | null) : undefined;
    const usableStore = (): Promise<ItemStore> =>
      storeNode
        ? storeNode.usableStore().catch((err: Error) => Promise.reject(unavailable(err.message, 'store_unavailable')))
        : Promise.reject(unavailable(text('errors.noStore'), 'store_unavailable'));
    if (storeNode !== undefined) {
      usableStore().catch((err: Error) => {
        node.error(text('errors.answered503', { problem: err.message }));
        status.fail(`status.${storeStatus(storeNode)}`);
      });
    }
    const dedupe = def.dedupe === true;
    let logRetentionDays = retentionDaysOf(def.logRetentionDays);
    if (logRetentionDays === undefined) {
      node.warn(text('messages.badRetention', { value: String(def.logRetentionDays) }));
      logRetentionDays = 0;
    }
    let recorder: DeliveryRecorder | undefined;
    if (storeNode !== undefined) {
      const log = logRetentionDays > 0;
      if (dedupe || log) recorder = new StoreRecorder({ store: usableStore, nodeId: node.id, dedupe, log });
    } else if (dedupe) {
      // In the flow's context, under this node's id: with Node-RED's default settings (no contextStorage) a node's
      // own context is deleted whenever the node closes, so the seen-set would be forgotten at every redeploy.
      // (A node on no tab, as in some tests, has no flow context: its own then.)
      recorder = seenSetRecorder(new DeliveryDeduper(node.context().flow
        ? contextSeenStore(node.context().flow, def.dedupeStore || undefined, `${node.id}:`)
        : contextSeenStore(node.context(), def.dedupeStore || undefined)));
    }
    const receiver: ReceiverOptions = { verification: verify && keys ? { keys } : undefined, recorder };
    const handler = new DeliveryHandler({
      node,
      runningNode: (id) => RED.nodes.getNode(id),
      status,
      text,
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
      node.error(err.owner === undefined ? text('errors.pathTaken', { path: err.path }) : text('errors.pathInUse', { path: err.path, owner: err.owner }));
      status.fail('status.pathInUse');
      return;
    }

    // With a store: its event log is pruned, and the Admin API can replay what it logged through this node.
    const stopLog: Array<() => void> = [];
    if (storeNode !== undefined && def.store) {
      const storeId = def.store;
      const retentionDays = logRetentionDays;
      stopLog.push(
        registerReceiver({
          id: node.id,
          name: def.name || url,
          storeId,
          logRetentionDays: retentionDays,
          replay: (delivery) => handler.replay(delivery),
          rejected: () => status.rejectedCount,
        }),
        startLogPruning({
          store: usableStore,
          nodeId: node.id,
          storeId,
          retentionDays,
          failed: (err) => status.warn(text('messages.pruneFailed', { error: err.message })),
        }),
      );
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      handler.close();
      route.close();
      status.stop();
      for (const stop of stopLog) stop();
      done();
    });
  }

  RED.nodes.registerType('plaid-webhook-in', PlaidWebhookIn);
};
