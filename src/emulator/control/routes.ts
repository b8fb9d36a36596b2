// The control API over HTTP, under CONTROL_PREFIX: each route defined once with its method, path, field table
// and handler. JSON in, JSON out; errors are PlaidError-shaped. No auth: the emulator listens on loopback for tests,
// and guard.ts keeps web pages out (a JSON content type on every POST, and the emulator's own Host).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, PlaidApiError } from '../api/errors';
import { checkedHandler, type FieldTable, type JsonObject, type RequestOf } from '../api/fields';
import type { EmulatorCore } from '../core';
import { jsonObjectOf, readBody, sendJson, sendPlaidError } from '../http/body';
import { noFaults } from '../http/faults';
import { isoTime } from '../model/clock';
import { PRODUCTS } from '../model/plaid-enums';
import { controlRefusal } from './guard';
import { createItem, fireWebhook, repairItem, resetEmulator, snapshot } from './operations';
import { changeItemSilently, SILENT_CHANGES } from './silent-changes';

export const CONTROL_PREFIX = '/emulator/';

interface ControlRoute {
  /** e.g. `POST /emulator/items` */
  readonly key: string;
  readonly handle: (core: EmulatorCore, body: JsonObject) => object;
}

function route<T extends FieldTable>(
  method: 'GET' | 'POST',
  name: string,
  fields: T,
  handle: (core: EmulatorCore, request: RequestOf<T>) => object,
): ControlRoute {
  return { key: `${method} ${CONTROL_PREFIX}${name}`, handle: checkedHandler(fields, handle) };
}

const ROUTE_LIST: readonly ControlRoute[] = [
  // -> EmulatorSnapshot {items, counts, outstandingPublicTokens, currentKeyId, faults, pendingDeliveries, now}
  route('GET', 'state', {}, (core) => snapshot(core)),
  // -> {deliveries: DeliveryRecord[]}
  route('GET', 'deliveries', {}, (core) => ({ deliveries: core.webhooks.records })),
  // -> {item_id, access_token}
  route('POST', 'items', {
    institution_id: { type: 'string' },
    initial_products: { type: 'array', minItems: 1, items: { type: 'string', enum: PRODUCTS } },
    webhook: { type: 'string', nullable: true, format: 'url' },
  }, (core, request) => createItem(core, request)),
  // -> ItemSnapshot (error cleared; LOGIN_REPAIRED sent if the Item has a webhook)
  route('POST', 'items/repair', { item_id: { type: 'string', required: true } },
    (core, request) => repairItem(core, request.item_id)),
  // -> ItemSnapshot (the Item changed as its webhook would say, no webhook sent)
  route('POST', 'items/silently', {
    item_id: { type: 'string', required: true },
    change: { type: 'string', required: true, enum: SILENT_CHANGES },
    consent_expiration_time: { type: 'string', nullable: true },
  }, (core, request) => changeItemSilently(core, request)),
  // -> {drops: DropRule[]} (the next `count` webhooks of that type and code are dropped, not sent)
  route('POST', 'webhooks/drop-next', {
    webhook_type: { type: 'string' },
    webhook_code: { type: 'string' },
    count: { type: 'integer', minimum: 1 },
  }, (core, request) => ({
    drops: core.webhooks.dropNext(request.webhook_type ?? null, request.webhook_code ?? null, request.count ?? 1),
  })),
  // -> {webhook_fired, delivery_id, url, payload}
  route('POST', 'webhooks/fire', {
    item_id: { type: 'string' },
    access_token: { type: 'string' },
    webhook_type: { type: 'string' },
    webhook_code: { type: 'string', required: true },
    webhook: { type: 'string', format: 'url' },
    fields: { type: 'object', open: true, fields: {} },
  }, (core, request) => fireWebhook(core, request)),
  // -> FaultConfig
  route('GET', 'faults', {}, (core) => core.faults.get()),
  // -> FaultConfig (replaces the configuration; {} clears). Only the names are checked here; types and ranges by
  // FaultInjector.set, which the programmatic API uses too.
  route('POST', 'faults', Object.fromEntries(Object.keys(noFaults()).map((name) => [name, { type: 'any' } as const])),
    (core, request) => core.faults.set(request)),
  // -> {kid, previousKid}
  route('POST', 'keys/rotate', { expireOld: { type: 'boolean' } },
    (core, request) => core.keys.rotate({ expireOld: request.expireOld === true })),
  // -> {kid, expired: true}
  route('POST', 'keys/expire', { kid: { type: 'string', required: true } }, (core, request) => {
    if (!core.keys.expire(request.kid)) throw errors.invalidWebhookVerificationKeyId();
    return { kid: request.kid, expired: true };
  }),
  // -> {now}
  route('POST', 'clock/advance', { ms: { type: 'integer', required: true } }, (core, request) => {
    core.clock.advance(request.ms);
    return { now: isoTime(core.clock.now()) };
  }),
  // -> {reset: true}
  route('POST', 'reset', {}, (core) => {
    resetEmulator(core);
    return { reset: true };
  }),
];

const ROUTES: ReadonlyMap<string, ControlRoute> = new Map(ROUTE_LIST.map((entry) => [entry.key, entry]));

export async function handleControl(core: EmulatorCore, request: IncomingMessage, response: ServerResponse, path: string) {
  const requestId = core.nextRequestId();
  try {
    const refusal = controlRefusal(core, request);
    if (refusal) {
      request.resume();
      throw refusal;
    }
    const raw = await readBody(request);
    const controlRoute = ROUTES.get(`${request.method} ${path}`);
    if (!controlRoute) throw errors.notFound();
    sendJson(response, 200, controlRoute.handle(core, parseControlBody(raw)));
  } catch (error) {
    if (!(error instanceof PlaidApiError)) core.counts.unexpectedErrors += 1;
    sendPlaidError(response, error instanceof PlaidApiError ? error : errors.internalServerError(), requestId);
  }
}

/** An empty body is {} (curl -X POST -H 'content-type: application/json' with no data). */
function parseControlBody(raw: Buffer | null): JsonObject {
  if (raw === null) throw errors.invalidBody('body is too large');
  return raw.length === 0 ? {} : jsonObjectOf(raw);
}
