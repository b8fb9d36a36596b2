'use strict';
// Validates requests, responses and webhook bodies against Plaid's OpenAPI subset (spec/openapi-item-subset.json,
// a copy of ../shared/plaid/openapi-item-subset.json that .ci/run keeps identical).
const path = require('node:path');
const Ajv = require('ajv').default;
const addFormats = require('ajv-formats').default;

const { WEBHOOK_SCHEMAS } = require('./webhook-schemas');

const spec = require(path.join(__dirname, '../../spec/openapi-item-subset.json'));

// OpenAPI 3.0 allows `nullable` beside a bare $ref or allOf; Ajv accepts it only beside `type`. Rewrite those as
// anyOf [schema, null], which means the same.
function nullableAsAnyOf(node) {
  if (Array.isArray(node)) return node.map(nullableAsAnyOf);
  if (!node || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, nullableAsAnyOf(v)]));
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _nullable, description, ...rest } = out;
    return { description, anyOf: [rest, { type: 'null' }] };
  }
  return out;
}
const components = nullableAsAnyOf(spec.components);

function resolveRef(ref) {
  return ref.replace(/^#\/components\//, '').split('/').reduce((node, key) => node[key], components);
}

// Requests must not carry fields Plaid does not know: Plaid answers UNKNOWN_FIELDS. The spec leaves
// additionalProperties open, so request schemas are inlined with every object closed.
function closed(schema, seen = new Set()) {
  if (Array.isArray(schema)) return schema.map((s) => closed(s, seen));
  if (!schema || typeof schema !== 'object') return schema;
  if (schema.$ref) {
    if (seen.has(schema.$ref)) throw new Error(`recursive request schema ${schema.$ref}`);
    return closed(resolveRef(schema.$ref), new Set([...seen, schema.$ref]));
  }
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === 'properties'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, closed(v, seen)]))
      : closed(value, seen);
  }
  if (out.type === 'object' && out.properties) out.additionalProperties = false;
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
// ajv-formats' "url" refuses loopback hosts, which every local test and the emulator use.
ajv.addFormat('url', (value) => {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
});
ajv.addSchema({ components }, 'plaid');

const byRef = (ref) => ajv.compile({ $ref: `plaid${ref}` });
const compiled = new Map();
function memo(key, make) {
  if (!compiled.has(key)) compiled.set(key, make());
  return compiled.get(key);
}

function operation(endpoint) {
  const op = spec.paths[endpoint] && spec.paths[endpoint].post;
  if (!op) throw new Error(`no such endpoint in the spec: ${endpoint}`);
  return op;
}

function report(validate, value) {
  return validate(value) ? [] : validate.errors.map((e) => `${e.instancePath || '(body)'} ${e.message}`);
}

/** Errors (strings) for a request body sent to `endpoint`, auth fields taken from headers. */
function validateRequest(endpoint, body) {
  const validate = memo(`req ${endpoint}`, () => {
    const ref = operation(endpoint).requestBody.content['application/json'].schema.$ref;
    return ajv.compile(closed(resolveRef(ref)));
  });
  return report(validate, body);
}

/** Errors for a response body; `ok` picks the 200 schema, else PlaidError. */
function validateResponse(endpoint, body, ok = true) {
  const validate = memo(`res ${endpoint} ${ok}`, () => {
    const responses = operation(endpoint).responses;
    return byRef(responses[ok ? '200' : 'default'].content['application/json'].schema.$ref);
  });
  return report(validate, body);
}

/**
 * Errors for a webhook body of the given type and code: against the subset's x-webhook-schemas, else the schemas of
 * Plaid's full spec the subset lacks (webhook-schemas.js); a pair in neither is an error too.
 */
function validateWebhook(type, code, body) {
  const pair = `${type}/${code}`;
  const inSubset = spec['x-webhook-schemas'][pair];
  if (!inSubset && !WEBHOOK_SCHEMAS[pair]) return [`no webhook schema for ${pair}`];
  return report(memo(`hook ${pair}`, () => (inSubset ? byRef(inSubset.$ref) : ajv.compile(WEBHOOK_SCHEMAS[pair]))), body);
}

/** Every (type/code) pair validateWebhook has a schema for. */
const webhookPairs = () => [...Object.keys(spec['x-webhook-schemas']), ...Object.keys(WEBHOOK_SCHEMAS)];

/** Errors for the auth headers Plaid requires on every call. */
function validateHeaders(headers) {
  const errors = [];
  for (const scheme of Object.values(spec.components.securitySchemes)) {
    if (!headers[scheme.name.toLowerCase()]) errors.push(`missing header ${scheme.name}`);
  }
  if (headers['plaid-version'] && headers['plaid-version'] !== '2020-09-14') errors.push('Plaid-Version must be 2020-09-14');
  if (!/^application\/json/.test(headers['content-type'] || '')) errors.push('Content-Type must be application/json');
  return errors;
}

module.exports = { spec, validateRequest, validateResponse, validateWebhook, validateHeaders, webhookPairs };
