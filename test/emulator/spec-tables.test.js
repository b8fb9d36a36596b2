'use strict';
// The emulator's own tables against Plaid's OpenAPI subset (spec/openapi-item-subset.json). The emulator ships
// without the spec, so its field tables and enums are written in code; this test is what keeps them Plaid's: every
// field it accepts exists in the spec with the same type, every field it requires is required there (and the
// reverse), and every enum holds the spec's values exactly.
const assert = require('node:assert/strict');
const { spec } = require('../support/openapi');
const { distDir } = require('./helpers');

const { ENDPOINTS } = require(`${distDir}/emulator/api`);
const enums = require(`${distDir}/emulator/model/plaid-enums`);
const { FIRE_WEBHOOK_TYPES } = require(`${distDir}/emulator/webhooks/payloads`);

const schemas = spec.components.schemas;

/** A spec schema with $ref followed and allOf merged, so its type, enum and properties are on top. */
function resolve(schema) {
  if (schema.$ref) return resolve(schemas[schema.$ref.replace('#/components/schemas/', '')]);
  if (schema.allOf) {
    return schema.allOf.map(resolve).reduce((merged, part) => ({
      ...merged, ...part, properties: { ...merged.properties, ...part.properties },
    }), { ...schema, allOf: undefined });
  }
  return schema;
}

function requestSchema(path) {
  return resolve(spec.paths[path].post.requestBody.content['application/json'].schema);
}

/** Every difference between an emulator field table and the spec's object schema, as readable lines. */
function compareTable(table, schema, where) {
  const problems = [];
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  for (const [name, rule] of Object.entries(table)) {
    const at = `${where}.${name}`;
    if (!properties[name]) {
      problems.push(`${at}: accepted by the emulator, not in the spec`);
      continue;
    }
    if (Boolean(rule.required) !== required.has(name)) {
      problems.push(`${at}: required ${Boolean(rule.required)} in the emulator, ${required.has(name)} in the spec`);
    }
    problems.push(...compareRule(rule, resolve(properties[name]), at));
  }
  for (const name of required) {
    if (!table[name]) problems.push(`${where}.${name}: required by the spec, unknown to the emulator`);
  }
  return problems;
}

function compareRule(rule, schema, at) {
  if (rule.type === 'any') return [];
  const problems = [];
  if (schema.type && rule.type !== schema.type) problems.push(`${at}: type ${rule.type}, spec ${schema.type}`);
  if (rule.nullable && !schema.nullable) problems.push(`${at}: nullable in the emulator, not in the spec`);
  if (schema.enum || rule.enum) {
    if (JSON.stringify(rule.enum) !== JSON.stringify(schema.enum)) {
      problems.push(`${at}: enum ${JSON.stringify(rule.enum)}, spec ${JSON.stringify(schema.enum)}`);
    }
  }
  for (const bound of ['minimum', 'maximum', 'minItems', 'minLength', 'maxLength']) {
    if (schema[bound] !== undefined && rule[bound] !== schema[bound]) {
      problems.push(`${at}: ${bound} ${rule[bound]}, spec ${schema[bound]}`);
    }
  }
  if (rule.type === 'array') problems.push(...compareRule(rule.items, resolve(schema.items), `${at}[]`));
  if (rule.type === 'object') problems.push(...compareTable(rule.fields, schema, at));
  return problems;
}

describe('emulator: its tables hold the spec\'s fields and enums', () => {
  const inSpec = [...ENDPOINTS.keys()].filter((path) => spec.paths[path]);

  it('answers every path of the spec subset', () => {
    assert.deepEqual(Object.keys(spec.paths).filter((path) => !ENDPOINTS.has(path)), []);
    // /accounts/get is the one extra: callers need it to find an account_id, and it is outside the subset.
    assert.deepEqual([...ENDPOINTS.keys()].filter((path) => !spec.paths[path]), ['/accounts/get']);
  });

  for (const path of inSpec) {
    it(`${path}: every field, required flag, type, bound and enum as the spec says`, () => {
      assert.deepEqual(compareTable(ENDPOINTS.get(path).fields, requestSchema(path), path), []);
    });
  }

  it('the product list is the spec\'s Products; initial_products the values it shows for that field', () => {
    assert.deepEqual(enums.PRODUCTS, schemas.Products.enum);
    const shown = requestSchema('/sandbox/public_token/create').properties.initial_products['x-override-enum-values-shown'];
    assert.deepEqual([...enums.INITIAL_PRODUCTS].sort(), [...shown].sort());
  });

  it('PENDING_DISCONNECT reasons are the spec\'s', () => {
    assert.deepEqual(enums.PENDING_DISCONNECT_REASONS, schemas.PendingDisconnectWebhookReason.enum);
  });

  it('/sandbox/item/fire_webhook sends the codes the spec shows for it, each as types the spec knows', () => {
    const { webhook_type: typeSchema, webhook_code: codeSchema } = requestSchema('/sandbox/item/fire_webhook').properties;
    const specTypes = resolve(typeSchema).enum;
    // The enum also holds AUTHORIZATION_GRANTED, which Plaid leaves out of the values it documents as fireable; the
    // emulator accepts the name (the enum) and refuses to fire it, as it does any code it has no types for.
    assert.deepEqual(Object.keys(FIRE_WEBHOOK_TYPES).sort(), [...codeSchema['x-override-enum-values-shown']].sort());
    for (const [code, types] of Object.entries(FIRE_WEBHOOK_TYPES)) {
      for (const type of types) assert.ok(specTypes.includes(type), `${code} as ${type}`);
    }
  });

  it('fire_webhook\'s product per webhook type covers every type the spec knows, each a product of the spec', () => {
    const { FIRE_WEBHOOK_PRODUCT } = require(`${distDir}/emulator/webhooks/payloads`);
    assert.deepEqual(Object.keys(FIRE_WEBHOOK_PRODUCT).sort(), [...schemas.WebhookType.enum].sort());
    for (const product of Object.values(FIRE_WEBHOOK_PRODUCT)) if (product !== null) assert.ok(schemas.Products.enum.includes(product), product);
  });

  it('the comparison finds a difference when there is one', () => {
    const table = { access_token: { type: 'string' }, colour: { type: 'string', enum: ['red'] } };
    assert.deepEqual(compareTable(table, requestSchema('/item/get'), '/item/get'), [
      '/item/get.access_token: required false in the emulator, true in the spec',
      '/item/get.colour: accepted by the emulator, not in the spec',
    ]);
  });
});
