// The control API over HTTP, under CONTROL_PREFIX. JSON in, JSON out; errors are PlaidError-shaped. No auth:
// the emulator listens on loopback for tests.
//
//   GET  /emulator/state          -> EmulatorSnapshot {items, counts, outstandingPublicTokens, currentKeyId, faults,
//                                    pendingDeliveries, now}
//   GET  /emulator/deliveries     -> {deliveries: DeliveryRecord[]} (url, webhookType, webhookCode, itemId, body,
//                                    bodySha256, attempts [{startedAt, durationMs, status, error}], state)
//   POST /emulator/items          {institution_id?, initial_products?, webhook?} -> {item_id, access_token}
//   POST /emulator/items/repair   {item_id} -> ItemSnapshot (error cleared; LOGIN_REPAIRED sent if webhook set)
//   POST /emulator/webhooks/fire  {item_id | access_token, webhook_type? (ITEM), webhook_code, webhook? (URL),
//                                  fields? (payload fields to add/replace)} -> {webhook_fired, delivery_id, url, payload}
//   GET  /emulator/faults         -> FaultConfig
//   POST /emulator/faults         {rateLimit?, serverError?, serverErrorAfterEffect?, delay?, delayMs?,
//                                  retryAfterSeconds?, paths?, seed?} -> FaultConfig (replaces; {} clears)
//   POST /emulator/keys/rotate    {expireOld?} -> {kid, previousKid}
//   POST /emulator/keys/expire    {kid} -> {kid, expired: true}
//   POST /emulator/clock/advance  {ms} -> {now}
//   POST /emulator/reset          -> {reset: true}
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isoTime } from './clock';
import {
  createItem, fireWebhook, repairItem, resetEmulator, snapshot, type CreateItemRequest, type FireRequest,
} from './control';
import type { EmulatorCore } from './core';
import { errors, PlaidApiError } from './errors';
import { noFaults, type FaultConfig } from './faults';
import { checkFields, type FieldTable, type JsonObject } from './fields';
import { jsonObjectOf, readBody, sendJson, sendPlaidError } from './http-io';
import { PRODUCTS } from './plaid-enums';

export const CONTROL_PREFIX = '/emulator/';

interface ControlRoute {
  fields?: FieldTable;
  handle(core: EmulatorCore, body: JsonObject): object;
}

const ROUTES: ReadonlyMap<string, ControlRoute> = new Map<string, ControlRoute>([
  ['GET /emulator/state', { handle: (core) => snapshot(core) }],
  ['GET /emulator/deliveries', { handle: (core) => ({ deliveries: core.webhooks.records }) }],
  ['POST /emulator/items', {
    fields: {
      institution_id: { type: 'string' },
      initial_products: { type: 'array', minItems: 1, items: { type: 'string', enum: PRODUCTS } },
      webhook: { type: 'string', nullable: true, format: 'url' },
    },
    handle: (core, body) => createItem(core, body as CreateItemRequest),
  }],
  ['POST /emulator/items/repair', {
    fields: { item_id: { type: 'string', required: true } },
    handle: (core, body) => repairItem(core, body.item_id as string),
  }],
  ['POST /emulator/webhooks/fire', {
    fields: {
      item_id: { type: 'string' },
      access_token: { type: 'string' },
      webhook_type: { type: 'string' },
      webhook_code: { type: 'string', required: true },
      webhook: { type: 'string', format: 'url' },
      fields: { type: 'object', open: true, fields: {} },
    },
    handle: (core, body) => fireWebhook(core, body as unknown as FireRequest),
  }],
  ['GET /emulator/faults', { handle: (core) => core.faults.get() }],
  ['POST /emulator/faults', {
    // Only the names are checked here; types and ranges by FaultInjector.set, which the programmatic API uses too.
    fields: Object.fromEntries(Object.keys(noFaults()).map((name) => [name, { type: 'any' }])),
    handle: (core, body) => core.faults.set(body as Partial<FaultConfig>),
  }],
  ['POST /emulator/keys/rotate', {
    fields: { expireOld: { type: 'boolean' } },
    handle: (core, body) => core.keys.rotate({ expireOld: body.expireOld === true }),
  }],
  ['POST /emulator/keys/expire', {
    fields: { kid: { type: 'string', required: true } },
    handle: (core, body) => {
      if (!core.keys.expire(body.kid as string)) throw errors.invalidWebhookVerificationKeyId();
      return { kid: body.kid, expired: true };
    },
  }],
  ['POST /emulator/clock/advance', {
    fields: { ms: { type: 'integer', required: true } },
    handle: (core, body) => {
      core.clock.advance(body.ms as number);
      return { now: isoTime(core.clock.now()) };
    },
  }],
  ['POST /emulator/reset', {
    handle: (core) => {
      resetEmulator(core);
      return { reset: true };
    },
  }],
]);

export async function handleControl(core: EmulatorCore, request: IncomingMessage, response: ServerResponse, path: string) {
  const requestId = core.nextRequestId();
  try {
    const raw = await readBody(request);
    const route = ROUTES.get(`${request.method} ${path}`);
    if (!route) throw errors.notFound();
    const body = parseControlBody(raw);
    checkFields(route.fields ?? {}, body);
    sendJson(response, 200, route.handle(core, body));
  } catch (error) {
    if (!(error instanceof PlaidApiError)) core.counts.unexpectedErrors += 1;
    sendPlaidError(response, error instanceof PlaidApiError ? error : errors.internalServerError(), requestId);
  }
}

/** Lenient on purpose (curl users): an empty body is {}, and any content type is read as JSON. */
function parseControlBody(raw: Buffer | null): JsonObject {
  if (raw === null) throw errors.invalidBody('body is too large');
  return raw.length === 0 ? {} : jsonObjectOf(raw);
}
