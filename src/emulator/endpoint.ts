// What every Plaid endpoint of the emulator is: a field table and a handler returning the 200 body (the server
// adds request_id). Handlers throw PlaidApiError for Plaid's error answers.
import type { EmulatorCore } from './core';
import { errors } from './errors';
import type { FieldTable, JsonObject } from './fields';
import type { ItemRecord } from './state';

export interface Endpoint {
  fields: FieldTable;
  /** `body` has passed checkFields(fields), so its fields have the table's types. */
  handle(core: EmulatorCore, body: JsonObject): JsonObject;
}

/** The Item an access token belongs to, or Plaid's INVALID_ACCESS_TOKEN. */
export function itemForAccessToken(core: EmulatorCore, token: string): ItemRecord {
  if (!token.startsWith('access-')) {
    throw errors.invalidAccessToken(
      'provided access token is in an invalid format. expected format: access-<environment>-<identifier>');
  }
  if (!token.startsWith('access-sandbox-')) {
    throw errors.invalidAccessToken('provided access token is for a non-sandbox environment');
  }
  const item = core.state.findByAccessToken(token);
  if (!item) throw errors.invalidAccessToken();
  return item;
}
