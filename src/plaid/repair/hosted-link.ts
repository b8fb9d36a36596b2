// The update-mode Hosted Link a repair notice carries: one call of the link token endpoint (the table row of
// plaid-link-token-create) with the Item store in custody of the token, so the record keeps the new link token (to
// match its SESSION_FINISHED) and the URL goes to the caller alone: it is never stored or logged.
import type { PlaidClient } from '../client';
import { ENDPOINTS, type EndpointSpec } from '../endpoints';
import { PlaidRequestError } from '../errors';
import { callWithStore } from '../item-custody';
import type { FieldSettings } from '../request-body';
import { ItemStoreError } from '../store/errors';
import type { ItemStore } from '../store/item-store';
import type { ItemRecord } from '../store/record';
import type { RepairReason } from '../store/repair-case';

// The table has the row; `as` because find() cannot know it.
const LINK_TOKEN_CREATE = ENDPOINTS.find((endpoint) => endpoint.path === '/link/token/create') as EndpointSpec;

/** The link settings of plaid-item-repair: those of plaid-link-token-create in update mode. */
export interface LinkSettings {
  client_name: string;
  language: string;
  country_codes: readonly string[];
  /** Where Plaid sends the browser when the session ends; none when absent. */
  completion_redirect_uri?: string;
  /** How long the URL (and the token) lives; Plaid's default (30 min) when absent. */
  url_lifetime_seconds?: number;
}

export interface RepairLink {
  link_token: string;
  expiration: string | null;
  hosted_link_url: string;
  /** The record after the link token was kept on it. */
  item: ItemRecord | null;
}

/** Every request field comes from the payload built here: the node's own field settings play no part. */
const NO_SETTINGS: FieldSettings = { value: () => Promise.resolve(undefined), source: () => undefined };

/** Plaid's answers for an Item it no longer has. */
const ITEM_GONE = new Set(['INVALID_ACCESS_TOKEN', 'ITEM_NOT_FOUND']);

/** Whether `err` says the Item is gone (removed in the store, not in it, or unknown to Plaid): its case cannot go on. */
export function itemGone(err: unknown): boolean {
  if (err instanceof ItemStoreError) return err.code === 'ITEM_REMOVED' || err.code === 'ITEM_NOT_IN_STORE';
  return err instanceof PlaidRequestError && ITEM_GONE.has(err.plaidError?.error_code ?? '');
}

/**
 * Creates the Item's update-mode Hosted Link; NEW_ACCOUNTS_AVAILABLE asks Plaid for account selection. Rejects with
 * the endpoint's error (a PlaidRequestError, an ItemStoreError, or a missing client_user_id named as such).
 */
export async function createRepairLink(client: PlaidClient, store: ItemStore, record: ItemRecord, reason: RepairReason, settings: LinkSettings): Promise<RepairLink> {
  if (!record.client_user_id) {
    throw new ItemStoreError('INVALID_ITEM', `Item ${record.item_id} has no client_user_id in the Item store: Plaid needs one for its Hosted Link`, record.item_id);
  }
  const hostedLink: Record<string, unknown> = {};
  if (settings.completion_redirect_uri) hostedLink.completion_redirect_uri = settings.completion_redirect_uri;
  if (settings.url_lifetime_seconds !== undefined) hostedLink.url_lifetime_seconds = settings.url_lifetime_seconds;
  const payload: Record<string, unknown> = {
    item_id: record.item_id,
    mode: 'update',
    client_name: settings.client_name,
    language: settings.language,
    country_codes: [...settings.country_codes],
    hosted_link: hostedLink,
    ...(reason === 'NEW_ACCOUNTS_AVAILABLE' ? { account_selection_enabled: true } : {}),
  };
  const outcome = await callWithStore({ endpoint: LINK_TOKEN_CREATE, client, store, payload, settings: NO_SETTINGS });
  if (!outcome.ok) throw outcome.error;
  const { link_token: linkToken, expiration, hosted_link_url: url } = outcome.body;
  if (typeof linkToken !== 'string' || typeof url !== 'string' || url === '') {
    throw new Error(`${LINK_TOKEN_CREATE.label}: Plaid's answer has no hosted_link_url for Item ${record.item_id}`);
  }
  return { link_token: linkToken, expiration: typeof expiration === 'string' ? expiration : null, hosted_link_url: url, item: outcome.item };
}
