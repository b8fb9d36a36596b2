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
  const status = (key: string) => RED._(`plaid-endpoints.status.${key}`);

  function register(endpoint: EndpointSpec): void {
    function PlaidEndpointNode(this: Node, def: EndpointNodeDef): void {
      RED.nodes.createNode(this, def);
      const node = this;
      const config = RED.nodes.getNode(def.plaid) as PlaidConfigNode | null;
      let inFlight = 0;

      const setting = (msg: PlaidMessage): FieldSetting => (name) => {
        const spec = endpoint.fields.find((f) => f.name === name);
        const value = typeof def[name] === 'string' ? (def[name] as string) : (spec?.default.value ?? '');
        const type = typeof def[`${name}Type`] === 'string' ? (def[`${name}Type`] as string) : (spec?.default.type ?? 'str');
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
          node.status({ fill: 'red', shape: 'ring', text: status('refused') });
          done(new Error(problem));
          return;
        }
        inFlight++;
        node.status({ fill: 'blue', shape: 'dot', text: status('requesting') });
        buildRequestBody(endpoint, msg.payload, setting(msg))
          .then((body) => (config as PlaidConfigNode).client!.request(endpoint, body))
          .then(
            (response) => {
              msg.payload = response.body;
              msg.plaid = { endpoint: endpoint.path, request_id: response.requestId, status: response.status, attempts: response.attempts };
              if (--inFlight === 0) node.status({ fill: 'green', shape: 'ring', text: status('ok') });
              send(msg);
              done();
            },
            (err: Error) => {
              msg.plaid = failureInfo(endpoint, err);
              const code = err instanceof PlaidRequestError ? err.code : status('invalid');
              inFlight--;
              node.status({ fill: 'red', shape: 'ring', text: code });
              done(err);
            },
          );
      });

      this.on('close', () => node.status({}));
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
