// Resolving an access token to its Item, with the messages Plaid gives for each way a token can be wrong.
import type { EmulatorCore } from '../core';
import type { ItemRecord } from '../model/state';
import { errors } from './errors';

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
