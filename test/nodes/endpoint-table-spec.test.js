'use strict';
// The endpoint table (src/plaid/endpoints.ts) against Plaid's OpenAPI subset: every field the table sends is one
// the spec knows, the table requires exactly what the spec requires, and every enum offers exactly the spec's values.
// A new row is covered as soon as it is in the table.
const assert = require('node:assert/strict');
const { ENDPOINTS, WEBHOOK_VERIFICATION_KEY_GET } = require('../../dist/plaid/endpoints');
const { spec } = require('../support/openapi');

/** Credentials travel as headers (PLAID-CLIENT-ID, PLAID-SECRET), never as table fields. */
const CREDENTIAL_FIELDS = new Set(['client_id', 'secret']);

function resolve(schema) {
  let node = schema;
  while (node && node.$ref) node = node.$ref.replace(/^#\//, '').split('/').reduce((at, key) => at[key], spec);
  return node;
}

/** The enum a property allows, through $ref and allOf wrappers; undefined when it is not an enum. */
function enumOf(property) {
  const node = resolve(property);
  if (!node) return undefined;
  if (Array.isArray(node.enum)) return node.enum;
  for (const part of node.allOf ?? node.anyOf ?? []) {
    const values = enumOf(part);
    if (values) return values;
  }
  return undefined;
}

function requestSchema(path) {
  const operation = spec.paths[path] && spec.paths[path].post;
  assert.ok(operation, `${path} is in the spec`);
  return resolve(operation.requestBody.content['application/json'].schema);
}

describe('the endpoint table against spec/openapi-item-subset.json', function () {
  for (const endpoint of [...ENDPOINTS, WEBHOOK_VERIFICATION_KEY_GET]) {
    describe(endpoint.path, function () {
      const schema = requestSchema(endpoint.path);
      const properties = schema.properties ?? {};

      /** The object schema a field sits in: the request's, or (`in`) that of one of its members, e.g. `user`. */
      const parentOf = (field) => (field.in ? resolve(properties[field.in]) : schema);
      const propertyOf = (field) => (parentOf(field).properties ?? {})[field.name];

      it('sends only fields the spec knows', function () {
        for (const field of endpoint.fields) {
          assert.ok(propertyOf(field), `${field.in ? `${field.in}.` : ''}${field.name} is a request field of ${endpoint.path}`);
        }
      });

      it('requires exactly the fields the spec requires', function () {
        // A field of one mode only (`mode`: update or new) is required by Plaid's rules for that mode, which the spec
        // states in prose; the top-level list must match the rest.
        const specRequired = (schema.required ?? []).filter((name) => !CREDENTIAL_FIELDS.has(name)).sort();
        const tableRequired = endpoint.fields.filter((field) => field.required && !field.in && !field.mode).map((field) => field.name).sort();
        assert.deepEqual(tableRequired, specRequired);
        for (const field of endpoint.fields.filter((f) => f.in)) {
          assert.equal(field.required, (parentOf(field).required ?? []).includes(field.name), `${field.in}.${field.name}`);
        }
      });

      it('offers exactly the spec\'s values for every enum field', function () {
        for (const field of endpoint.fields) {
          const values = enumOf(propertyOf(field));
          if (field.kind === 'enum') assert.deepEqual([...field.values].sort(), [...(values ?? [])].sort(), field.name);
          else assert.equal(values, undefined, `${field.name} is an enum in the spec: the table should offer its values`);
        }
      });
    });
  }
});
