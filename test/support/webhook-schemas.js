'use strict';
// Schemas of the webhooks the emulator can send that spec/openapi-item-subset.json's x-webhook-schemas does not hold
// (it has ITEM and LINK SESSION_FINISHED only). Written from Plaid's full spec (plaid-openapi 2020-09-14.yml, as the
// official plaid SDK 47 declares each: ItemAddResultWebhook, LinkEventsWebhook, DefaultUpdateWebhook, ...): the
// same required fields and types, the shared parts taken from the subset's components. Keyed like x-webhook-schemas.

const ref = (name) => ({ $ref: `plaid#/components/schemas/${name}` });
const string = { type: 'string' };
const integer = { type: 'integer' };
const boolean = { type: 'boolean' };
const strings = { type: 'array', items: string };
const nullableError = { anyOf: [ref('PlaidError'), { type: 'null' }] };

/** An object schema: `required` names, `optional` properties besides; webhook_type, webhook_code, environment in all. */
function webhook(required, optional = {}) {
  return {
    type: 'object',
    properties: { webhook_type: string, webhook_code: string, environment: ref('WebhookEnvironmentValues'), ...required, ...optional },
    required: ['webhook_type', 'webhook_code', 'environment', ...Object.keys(required)],
  };
}

const WEBHOOK_SCHEMAS = {
  'LINK/ITEM_ADD_RESULT': webhook({ link_session_id: string, link_token: string, public_token: string }),
  'LINK/EVENTS': webhook({ events: { type: 'array', items: ref('LinkEvent') }, link_session_id: string, link_token: string }),
  'TRANSACTIONS/DEFAULT_UPDATE': webhook({ item_id: string, new_transactions: integer }, { error: nullableError }),
  'TRANSACTIONS/SYNC_UPDATES_AVAILABLE': webhook(
    { item_id: string, initial_update_complete: boolean, historical_update_complete: boolean }, { user_id: string }),
  'TRANSACTIONS/RECURRING_TRANSACTIONS_UPDATE': webhook({ item_id: string, account_ids: strings }),
  'HOLDINGS/DEFAULT_UPDATE': webhook({ item_id: string, new_holdings: integer, updated_holdings: integer }, { error: nullableError }),
  'INVESTMENTS_TRANSACTIONS/DEFAULT_UPDATE': webhook(
    { item_id: string, new_investments_transactions: integer, cancelled_investments_transactions: integer }, { error: nullableError }),
  'LIABILITIES/DEFAULT_UPDATE': webhook({
    item_id: string,
    error: nullableError,
    account_ids_with_new_liabilities: strings,
    account_ids_with_updated_liabilities: { type: 'object', additionalProperties: strings },
  }),
  // HostedMMDVerificationWebhook: its environment is optional there; the emulator, like every Plaid webhook, sends it.
  'AUTH/SMS_MICRODEPOSITS_VERIFICATION': webhook({
    item_id: string, account_id: string, status: { type: 'string', enum: ['MANUALLY_VERIFIED', 'VERIFICATION_FAILED'] },
  }),
  'AUTH/AUTOMATICALLY_VERIFIED': webhook({ item_id: string, account_id: string }, { error: nullableError }),
  'AUTH/VERIFICATION_EXPIRED': webhook({ item_id: string, account_id: string }, { error: nullableError }),
  'ASSETS/PRODUCT_READY': webhook({ asset_report_id: string }, { user_id: string, report_type: { type: 'string', enum: ['FULL', 'FAST'] } }),
  'ASSETS/ERROR': webhook({ asset_report_id: string, error: nullableError }, { user_id: string }),
};

module.exports = { WEBHOOK_SCHEMAS };
