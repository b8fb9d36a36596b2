import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { PlaidClient } from '../plaid/client';
import { EndpointSpec, ENDPOINTS, offersStore, storeFieldsOf } from '../plaid/endpoints';
import { PlaidRequestError } from '../plaid/errors';
import { callWithStore, CustodyOutcome, withoutTokens } from '../plaid/item-custody';
import { buildRequestBody, FieldSettings } from '../plaid/request-body';
import { ItemStoreError } from '../plaid/store/errors';
import { migrate } from './migrations';
import type { PlaidConfigNode, PlaidItemStoreNode } from './types';

/**
 * Each request field (and, with a store, each store field) is a typedInput: `<field>` holds the value and
 * `<field>Type` its type. `store`: a plaid-item-store config node's id, or empty for none.
 */
interface EndpointNodeDef extends NodeDef {
  plaid: string;
  store?: string;
  [field: string]: unknown;
}

interface PlaidMessage extends NodeMessageInFlow {
  plaid?: Record<string, unknown>;
}

/** The `enum` typedInput type is the editor's select of Plaid's values: its value is the string itself. */
const LITERAL_TYPES = new Set(['str', 'enum']);

/** Where a typedInput reads its value, as an error names it: `msg.item_id`, `global.plaid_tokens[msg.item_id]`. */
function describeSource(value: string, type: string): string | undefined {
  if (LITERAL_TYPES.has(type) || value === '') return undefined;
  if (type === 'json') return `the JSON ${value}`;
  // flow/global: `#:(store)::key` names a context store
  const stored = /^#:\(([^)]*)\)::(.*)$/.exec(value);
  if (stored) return `${type}.${stored[2]} (context store ${stored[1]})`;
  return `${type}.${value}`;
}

export = function (RED: NodeAPI): void {
  // A text without data is translated once: RED._ (i18next) on every message is a measurable share of a call under
  // load (bench/), and the status texts are asked for with every message.
  const fixedTexts = new Map<string, string>();
  const text = (key: string, data?: Record<string, string>): string => {
    if (data) return RED._(`plaid-endpoints.${key}`, data);
    let translated = fixedTexts.get(key);
    if (translated === undefined) {
      translated = RED._(`plaid-endpoints.${key}`);
      fixedTexts.set(key, translated);
    }
    return translated;
  };

  function register(endpoint: EndpointSpec): void {
    function PlaidEndpointNode(this: Node, saved: EndpointNodeDef): void {
      const def = migrate(endpoint.type, saved); // older settings brought up to date (src/nodes/migrations.ts)
      RED.nodes.createNode(this, def);
      const node = this;
      const config = RED.nodes.getNode(def.plaid) as PlaidConfigNode | null;
      // undefined: no store selected, the node works on tokens from msg/flow/global as it always has.
      const storeNode = def.store && offersStore(endpoint) ? (RED.nodes.getNode(def.store) as PlaidItemStoreNode | null) : undefined;
      const read = [...endpoint.fields, ...(endpoint.mode ? [endpoint.mode] : []), ...(storeNode === undefined ? [] : storeFieldsOf(endpoint))];
      const settings = new Map(read.map((field) => [field.name, {
        value: typeof def[field.name] === 'string' ? (def[field.name] as string) : field.default.value,
        type: typeof def[`${field.name}Type`] === 'string' ? (def[`${field.name}Type`] as string) : field.default.type,
      }]));
      let inFlight = 0;
      // Under load the ring would be redrawn twice per message, each a message to every open editor: only changes go out.
      let shown = '';
      const status = (fill: 'blue' | 'green' | 'red', shape: 'dot' | 'ring', label: string): void => {
        const key = `${fill}/${shape}/${label}`;
        if (key === shown) return;
        shown = key;
        node.status({ fill, shape, text: label });
      };

      const unset = { value: '', type: 'str' };
      const fieldSettings = (msg: PlaidMessage): FieldSettings => ({
        value(name) {
          const { value, type } = settings.get(name) ?? unset;
          if (value === '' && type !== 'json') return Promise.resolve(undefined);
          if (LITERAL_TYPES.has(type)) return Promise.resolve(value);
          return new Promise((resolve, reject) => {
            RED.util.evaluateNodeProperty(value, type, node, msg, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result === '' ? undefined : result)));
          });
        },
        source(name) {
          const { value, type } = settings.get(name) ?? unset;
          return describeSource(value, type);
        },
      });

      const named = { endpoint: endpoint.label };
      const refusal = (): string | undefined => {
        if (!config) return text('errors.noConfig', named);
        if (!config.client) {
          return config.problem ? text('errors.configUnusable', { ...named, problem: config.problem }) : text('errors.configUnusableUnknown', named);
        }
        if (endpoint.sandboxOnly && config.environment === 'production') return text('errors.sandboxOnly', named);
        if (storeNode === null) return text('errors.noStore', named);
        return undefined;
      };

      /** The outcome of one message with the store; the store's problem, if any, is known once it has opened. */
      const throughStore = (store: PlaidItemStoreNode, client: PlaidClient, msg: PlaidMessage): Promise<CustodyOutcome> =>
        store.usableStore().then(
          (itemStore) => callWithStore({ endpoint, client, store: itemStore, payload: msg.payload, settings: fieldSettings(msg), webhookBase: config?.webhookBase }),
          (err: ItemStoreError) => ({ ok: false, error: new ItemStoreError(err.code, text('errors.storeUnusable', { ...named, problem: err.message })), item: null }),
        );

      /** The outcome of one message without a store: the request exactly as the message and settings give it. */
      const direct = (client: PlaidClient, msg: PlaidMessage): Promise<CustodyOutcome> =>
        buildRequestBody(endpoint, msg.payload, fieldSettings(msg), { webhookBase: config?.webhookBase })
          .then((body) => client.request(endpoint, body))
          .then(
            (response) => ({ ok: true, response, body: response.body, item: null }),
            (error: Error) => ({ ok: false, error, item: null }),
          );

      this.on('input', (msg: PlaidMessage, send, done) => {
        // With a store the token lives there only: one in the payload is dropped before anything can show it.
        if (storeNode) msg.payload = withoutTokens(msg.payload);
        const problem = refusal();
        if (problem) {
          msg.plaid = { endpoint: endpoint.path, attempts: 0 };
          status('red', 'ring', text('status.refused'));
          done(new Error(problem));
          return;
        }
        inFlight++;
        status('blue', 'dot', text('status.requesting'));
        const client = (config as PlaidConfigNode).client as PlaidClient;
        // Both settle with an outcome, a failure included: they never reject.
        void (storeNode ? throughStore(storeNode, client, msg) : direct(client, msg)).then((outcome) => {
          const item = storeNode ? { item: outcome.item } : {};
          if (outcome.ok) {
            const { response } = outcome;
            msg.payload = outcome.body;
            msg.plaid = { endpoint: endpoint.path, request_id: response.requestId, status: response.status, attempts: response.attempts, ...item };
            if (--inFlight === 0) status('green', 'ring', text('status.ok'));
            send(msg);
            done();
            return;
          }
          const { error, response } = outcome;
          // Plaid answered, and what the store had to do with the answer failed: the call itself is reported as it went.
          const call = response ? { endpoint: endpoint.path, request_id: response.requestId, status: response.status, attempts: response.attempts } : failureInfo(endpoint, error);
          msg.plaid = { ...call, ...item };
          inFlight--;
          status('red', 'ring', error instanceof PlaidRequestError || error instanceof ItemStoreError ? error.code : text('status.invalid'));
          done(error);
        });
      });

      this.on('close', () => {
        shown = '';
        node.status({});
      });
    }
    RED.nodes.registerType(endpoint.type, PlaidEndpointNode);
  }

  for (const endpoint of ENDPOINTS) register(endpoint);
};

function failureInfo(endpoint: EndpointSpec, err: Error): Record<string, unknown> {
  if (!(err instanceof PlaidRequestError)) return { endpoint: endpoint.path, attempts: 0 };
  return {
    endpoint: endpoint.path,
    request_id: err.plaidError?.request_id,
    status: err.status,
    attempts: err.attempts,
    ...(err.plaidError ? { error: err.plaidError } : {}),
  };
}
