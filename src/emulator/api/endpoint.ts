// What a Plaid endpoint of the emulator is, defined in one place: its path, its field table, and a handler that
// gets the request typed by that table and returns the 200 body (the server adds request_id). Handlers throw
// PlaidApiError for Plaid's error answers.
import type { EmulatorCore } from '../core';
import { checkedHandler, type FieldTable, type JsonObject, type RequestOf } from './fields';

export interface Endpoint {
  readonly path: string;
  /** Every field the endpoint accepts, client_id and secret included (the spec comparison reads these). */
  readonly fields: FieldTable;
  /** Checks `body` against `fields`, then handles it. */
  readonly handle: (core: EmulatorCore, body: JsonObject) => JsonObject;
}

/** Every endpoint also takes client_id and secret in the body, as Plaid allows (headers win; see server.ts). */
const AUTH_FIELDS = {
  client_id: { type: 'string' },
  secret: { type: 'string' },
} as const satisfies FieldTable;

export function defineEndpoint<T extends FieldTable>(
  path: string,
  fields: T,
  handle: (core: EmulatorCore, request: RequestOf<T>) => JsonObject,
): Endpoint {
  return { path, fields: { ...AUTH_FIELDS, ...fields }, handle: checkedHandler(fields, handle, AUTH_FIELDS) };
}
