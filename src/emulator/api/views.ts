// The JSON Plaid returns for an Item, its status, its accounts and its institution, built from the model on each
// call (the records are small; nothing is cached that could go stale).
import { isoTime } from '../model/clock';
import type { JsonObject } from './fields';
import { verifiesByMicrodeposits, type Institution } from '../model/institutions';
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

export interface InstitutionDetail {
  /** url, primary_color, logo (include_optional_metadata). */
  optionalMetadata: boolean;
  status: boolean;
  authMetadata: boolean;
  paymentInitiationMetadata: boolean;
}

/** The status entries (InstitutionStatus) that apply to each product an institution supports. */
const STATUS_ENTRIES: Readonly<Record<string, readonly string[]>> = {
  transactions: ['transactions_updates'],
  auth: ['auth'],
  identity: ['identity'],
  investments: ['investments', 'investments_updates'],
  liabilities: ['liabilities', 'liabilities_updates'],
};

/** Institution as /institutions/get_by_id returns it, with what the request's options ask for. */
export function institutionJson(institution: Institution, detail: InstitutionDetail, now: number): JsonObject {
  const json: JsonObject = {
    institution_id: institution.institution_id,
    name: institution.name,
    products: [...institution.products],
    country_codes: [...institution.country_codes],
    routing_numbers: [],
    oauth: institution.oauth,
  };
  if (detail.optionalMetadata) Object.assign(json, { url: null, primary_color: null, logo: null });
  if (detail.status) json.status = institutionStatusJson(institution, now);
  if (detail.authMetadata) {
    const microdeposits = verifiesByMicrodeposits(institution);
    json.auth_metadata = institution.products.includes('auth')
      ? {
        supported_methods: {
          instant_auth: !microdeposits, instant_match: false, automated_micro_deposits: microdeposits, instant_micro_deposits: false,
        },
      }
      : null;
  }
  // No emulated institution offers payment initiation.
  if (detail.paymentInitiationMetadata) json.payment_initiation_metadata = null;
  return json;
}

/** Every sandbox institution is healthy, and has been for as long as the emulator has known it. */
function institutionStatusJson(institution: Institution, now: number): JsonObject {
  const healthy = (extra: JsonObject = {}) => ({
    status: 'HEALTHY',
    last_status_change: isoTime(now),
    breakdown: { success: 1, error_plaid: 0, error_institution: 0, ...extra },
  });
  const status: JsonObject = { item_logins: healthy(), health_incidents: [] };
  for (const product of institution.products) {
    for (const entry of STATUS_ENTRIES[product] ?? []) {
      status[entry] = healthy(entry === 'transactions_updates' ? { refresh_interval: 'NORMAL' } : {});
    }
  }
  return status;
}
