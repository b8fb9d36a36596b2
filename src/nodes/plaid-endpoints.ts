import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { EndpointSpec, ENDPOINTS } from '../plaid/endpoints';
import { PlaidRequestError } from '../plaid/errors';
import { buildRequestBody, FieldSetting } from '../plaid/request-body';
import type { PlaidConfigNode } from './types';

/** Each request field is a typedInput: `<field>` holds the value and `<field>Type` its type. */
interface EndpointNodeDef extends NodeDef {
  plaid: string;
  [field: string]: unknown;
}

interface PlaidMessage extends NodeMessageInFlow {
  plaid?: Record<string, unknown>;
}

/** The `enum` typedInput type is the editor's select of Plaid's values: its value is the string itself. */
const LITERAL_TYPES = new Set(['str', 'enum']);

export = function (RED: NodeAPI): void {
  // Translated once per key: RED._ (i18next) on every message is a measurable share of a call under load (bench/).
  const statusTexts = new Map<string, string>();
  const text = (key: string): string => {
    let translated = statusTexts.get(key);
    if (translated === undefined) {
      translated = RED._(`plaid-endpoints.status.${key}`);
      statusTexts.set(key, translated);
    }
    return translated;
  };

  function register(endpoint: EndpointSpec): void {
    function PlaidEndpointNode(this: Node, def: EndpointNodeDef): void {
      RED.nodes.createNode(this, def);
      const node = this;
      const config = RED.nodes.getNode(def.plaid) as PlaidConfigNode | null;
      const settings = new Map(endpoint.fields.map((field) => [field.name, {
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

      const setting = (msg: PlaidMessage): FieldSetting => (name) => {
        const { value, type } = settings.get(name) ?? { value: '', type: 'str' };
        if (value === '' && type !== 'json') return Promise.resolve(undefined);
        if (LITERAL_TYPES.has(type)) return Promise.resolve(value);
        return new Promise((resolve, reject) => {
          RED.util.evaluateNodeProperty(value, type, node, msg, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result === '' ? undefined : result)));
        });
      };

      const refusal = (): string | undefined => {
        if (!config) return `${endpoint.label}: no Plaid config node selected`;
        if (!config.client) return `${endpoint.label}: ${config.problem ?? 'the Plaid config node is not usable'}`;
        if (endpoint.sandboxOnly && config.environment === 'production') {
          return `${endpoint.label} is a sandbox-only endpoint and the Plaid config node points at production: not sent`;
        }
        return undefined;
      };

      this.on('input', (msg: PlaidMessage, send, done) => {
        const problem = refusal();
        if (problem) {
          msg.plaid = { endpoint: endpoint.path, attempts: 0 };
          status('red', 'ring', text('refused'));
          done(new Error(problem));
          return;
        }
        inFlight++;
        status('blue', 'dot', text('requesting'));
        buildRequestBody(endpoint, msg.payload, setting(msg))
          .then((body) => (config as PlaidConfigNode).client!.request(endpoint, body))
          .then(
            (response) => {
              msg.payload = response.body;
              msg.plaid = { endpoint: endpoint.path, request_id: response.requestId, status: response.status, attempts: response.attempts };
              if (--inFlight === 0) status('green', 'ring', text('ok'));
              send(msg);
              done();
            },
            (err: Error) => {
              msg.plaid = failureInfo(endpoint, err);
              inFlight--;
              status('red', 'ring', err instanceof PlaidRequestError ? err.code : text('invalid'));
              done(err);
            },
          );
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
