// An endpoint call with the Item store in custody of the token: the token is resolved by item_id inside the call,
// sent only in the request body, and whatever Plaid answers with a token goes into the store, never back out.
import type { PlaidClient, PlaidResponse } from './client';
import { ENDPOINTS, EndpointSpec, storeFieldsOf, takesAccessToken } from './endpoints';
import { ITEM_GONE_CODES, PlaidRequestError } from './errors';
import { buildRequestBody, FieldSettings, RequestBodyError, resolveFields, resolveMode } from './request-body';
import { ItemStoreError } from './store/errors';
import type { ItemStore } from './store/item-store';
import type { ItemRecord } from './store/record';

/** Fields that hold a token, in a request payload or in Plaid's answer: with a store they never reach a message. */
const TOKEN_FIELDS = ['access_token', 'new_access_token'] as const;

// The table has the row; `as` because find() cannot know it.
const ITEM_REMOVE = ENDPOINTS.find((endpoint) => endpoint.path === '/item/remove') as EndpointSpec;

export interface CustodyCall {
  endpoint: EndpointSpec;
  client: PlaidClient;
  store: ItemStore;
  /** The message's payload, already without tokens (see withoutTokens). */
  payload: unknown;
  /** The node's settings: request fields and store fields (item_id, client_user_id, institution_id). */
  settings: FieldSettings;
  /** Where Plaid reaches this Node-RED (the config node's webhook base URL). */
  webhookBase?: string;
}

export type CustodyOutcome =
  | { ok: true; response: PlaidResponse; body: Record<string, unknown>; item: ItemRecord | null }
  /**
   * `item`: the record as it stands after the failure (null when the store does not know the Item); `response`:
   * Plaid's answer when the call succeeded and the store's side of it failed.
   */
  | { ok: false; error: Error; item: ItemRecord | null; response?: PlaidResponse };

/** `value` without its token fields, when it is an object (a shallow copy: the caller's object is left as it is). */
export function withoutTokens(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  if (!TOKEN_FIELDS.some((name) => Object.hasOwn(value, name))) return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const name of TOKEN_FIELDS) delete copy[name];
  return copy;
}

/** One call through the store. Never rejects: a failure is an outcome carrying the error and the record. */
export async function callWithStore(call: CustodyCall): Promise<CustodyOutcome> {
  const { endpoint, store } = call;
  let item: ItemRecord | null = null;
  let response: PlaidResponse | undefined;
  try {
    const mode = await resolveMode(endpoint, call.payload, call.settings);
    const own = await resolveFields(endpoint.label, storeFieldsOf(endpoint), call.payload, call.settings, { mode });
    const itemId = typeof own.item_id === 'string' ? own.item_id : undefined;
    let fixed: Record<string, unknown> | undefined;
    let fallback: Record<string, unknown> | undefined;
    if (itemId !== undefined && takesAccessToken(endpoint)) {
      const resolved = await store.resolve(itemId).catch(async (err: unknown) => {
        // A Catch flow for a removed Item still gets its record (its client_user_id, say).
        if (err instanceof ItemStoreError && err.code === 'ITEM_REMOVED') item = (await store.get(itemId)) ?? null;
        throw err;
      });
      item = resolved.record;
      fixed = { access_token: resolved.token };
      // The record knows whose Item it is: a link token for it needs no client_user_id on the message.
      fallback = { client_user_id: resolved.record.client_user_id ?? undefined };
    } else if (itemId !== undefined && endpoint.recordFallback) {
      const record = await store.get(itemId);
      if (!record) throw new ItemStoreError('ITEM_NOT_IN_STORE', `Item ${itemId} is not in the Item store`, itemId);
      item = record;
      fallback = await fromRecord(endpoint, record, call, mode);
    }
    const body = await buildRequestBody(endpoint, call.payload, call.settings, { fixed, fallback, mode, webhookBase: call.webhookBase });
    try {
      response = await call.client.request(endpoint, body);
    } catch (err) {
      if (itemId !== undefined) {
        // Plaid's error is what the Catch flow needs; a store failure recording it is only added to it.
        const recorded = await afterRefusal(store, endpoint, itemId, err).catch((storeErr: Error) => {
          (err as Error).message += `; the Item store could not record it: ${storeErr.message}`;
          return undefined;
        });
        item = recorded ?? item;
      }
      throw err;
    }
    item = await afterAnswer(call, response.body, itemId, own) ?? item;
    return { ok: true, response, body: withoutTokens(response.body) as Record<string, unknown>, item };
  } catch (err) {
    return { ok: false, error: labelled(endpoint, err as Error), item, response };
  }
}

/** The store's side of a successful answer: the record as it is afterwards (undefined: unchanged). */
async function afterAnswer(
  call: CustodyCall,
  answer: Record<string, unknown>,
  itemId: string | undefined,
  own: Record<string, unknown>,
): Promise<ItemRecord | undefined> {
  const { endpoint, store } = call;
  switch (endpoint.storeEffect) {
    case 'save-item':
      return saveExchanged(call, answer, own);
    case 'replace-token':
      return store.replaceToken(itemId as string, answered(endpoint, answer, 'new_access_token'));
    case 'mark-removed':
      return store.markRemoved(itemId as string);
    case 'keep-link-token':
      // New mode has no Item yet: its session's end brings a public token to exchange instead.
      if (itemId === undefined) return undefined;
      return store.setLinkToken(itemId, answered(endpoint, answer, 'link_token'), typeof answer.expiration === 'string' ? answer.expiration : null);
    default:
      return undefined;
  }
}

/**
 * Saves an exchanged Item before anything is output. When that fails the token would be lost with the message, and
 * the Item left at Plaid, billed and unreachable: it is removed there, and the error says the user must link again.
 */
async function saveExchanged(call: CustodyCall, answer: Record<string, unknown>, own: Record<string, unknown>): Promise<ItemRecord> {
  const itemId = answered(call.endpoint, answer, 'item_id');
  const accessToken = answered(call.endpoint, answer, 'access_token');
  try {
    return await call.store.save({
      item_id: itemId,
      access_token: accessToken,
      client_user_id: stringOrUndefined(own.client_user_id),
      institution_id: stringOrUndefined(own.institution_id),
    });
  } catch (err) {
    const removed = await call.client.request(ITEM_REMOVE, { access_token: accessToken }).then(
      () => 'it was removed at Plaid so that it is not left unreachable: the user must link again',
      (removeErr: Error) => `removing it at Plaid failed too (${removeErr.message}): it is left unreachable`,
    );
    throw new ItemStoreError('STORE_UNAVAILABLE', `Item ${itemId} could not be saved (${(err as Error).message}); ${removed}`, itemId, err);
  }
}

/**
 * The store's side of a failed call. ITEM_LOGIN_REQUIRED marks the record login_required. item/remove answered
 * INVALID_ACCESS_TOKEN or ITEM_NOT_FOUND after an attempt whose answer was lost: that attempt most likely removed the
 * Item, so the record is marked removed. An item/remove that failed otherwise after an attempt that may have taken
 * effect leaves the Item removed or not: the record is marked unsettled, and the next reconcile checks it first.
 * Either way the error still goes to Catch, saying so.
 */
async function afterRefusal(store: ItemStore, endpoint: EndpointSpec, itemId: string, err: unknown): Promise<ItemRecord | undefined> {
  if (!(err instanceof PlaidRequestError)) return undefined;
  const code = err.plaidError?.error_code;
  if (code === 'ITEM_LOGIN_REQUIRED') return store.markLoginRequired(itemId);
  if (endpoint.storeEffect !== 'mark-removed') return undefined;
  if (err.earlierAttempt && code !== undefined && ITEM_GONE_CODES.has(code)) {
    const record = await store.markRemoved(itemId);
    err.message += `; Item ${itemId} is marked removed in the store`;
    return record;
  }
  if (!err.mayHaveTakenEffect) return undefined;
  const record = await store.markUnsettled(itemId, endpoint.path);
  err.message += `; Item ${itemId} may have been removed at Plaid: the store marks it unsettled, and the next reconcile (plaid-items-reconcile) checks it first and settles it`;
  return record;
}

/**
 * The request fields the Item's record fills (recordFallback) when the message and the settings give none; a clear
 * error when the record has none either.
 */
async function fromRecord(endpoint: EndpointSpec, record: ItemRecord, call: CustodyCall, mode: string | undefined): Promise<Record<string, unknown>> {
  const names = endpoint.recordFallback ?? [];
  const fields = endpoint.fields.filter((field) => (names as readonly string[]).includes(field.name)).map((field) => ({ ...field, required: false }));
  const given = await resolveFields(endpoint.label, fields, call.payload, call.settings, { mode });
  const fallback: Record<string, unknown> = {};
  for (const name of names) {
    if (given[name] !== undefined) continue;
    const value = record[name];
    if (value === null) {
      throw new RequestBodyError(`${endpoint.label}: no ${name} given, and the Item store keeps none for Item ${record.item_id} (it keeps the newest one made for the Item through a node with the store, in update mode)`);
    }
    fallback[name] = value;
  }
  return fallback;
}

/** A string field Plaid's answer must hold for the store to be kept current; its absence stores nothing. */
function answered(endpoint: EndpointSpec, answer: Record<string, unknown>, field: string): string {
  const value = answer[field];
  if (typeof value !== 'string' || value === '') throw new Error(`${endpoint.label}: Plaid's answer has no ${field}: the Item store was not changed`);
  return value;
}

/** Errors name the endpoint first, as the client's do. */
function labelled(endpoint: EndpointSpec, err: Error): Error {
  if (err instanceof ItemStoreError && !err.message.startsWith(`${endpoint.label}:`)) err.message = `${endpoint.label}: ${err.message}`;
  return err;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
