// The JSON Plaid returns for an Item, its status and its accounts, built from the model on each call (the
// records are small; nothing is cached that could go stale).
import { isoTime } from '../model/clock';
import type { JsonObject } from './fields';
import type { AccountRecord, ItemRecord } from '../model/state';

function consentedDataScopes(products: readonly string[]): string[] {
  const scopes = ['account_balance_info', 'contact_info'];
  if (products.includes('auth')) scopes.push('account_routing_number');
  if (products.includes('transactions')) scopes.push('transactions');
  return scopes;
}

/** Item with every field the spec requires, plus the consent fields /item/get adds (ItemWithConsentFields). */
export function itemJson(item: ItemRecord): JsonObject {
  const billed = [...item.products];
  return {
    available_products: item.institution.products.filter((product) => !billed.includes(product)),
    billed_products: billed,
    products: billed,
    consented_products: billed,
    consent_expiration_time: item.consentExpiresAt === null ? null : isoTime(item.consentExpiresAt),
    error: item.error,
    institution_id: item.institution.institution_id,
    institution_name: item.institution.name,
    item_id: item.item_id,
    update_type: 'background',
    webhook: item.webhook,
    auth_method: null,
    created_at: isoTime(item.createdAt),
    consented_use_cases: [],
    consented_data_scopes: consentedDataScopes(item.products),
  };
}

export function itemStatusJson(item: ItemRecord): JsonObject {
  return {
    transactions: item.products.includes('transactions')
      ? { last_successful_update: isoTime(item.createdAt), last_failed_update: null }
      : null,
    last_webhook: item.lastWebhook
      ? { sent_at: isoTime(item.lastWebhook.sentAt), code_sent: item.lastWebhook.code }
      : null,
  };
}

export function accountJson(account: AccountRecord): JsonObject {
  return { ...account, balances: { ...account.balances } };
}
