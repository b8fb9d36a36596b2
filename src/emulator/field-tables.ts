// What each endpoint accepts, by Plaid's field names (FACTS.md "Endpoints", the spec's request schemas). Every
// endpoint also takes client_id and secret in the body, as Plaid allows.
import type { FieldRule, FieldTable } from './fields';
import {
  FIRE_WEBHOOK_CODES, INCOME_SOURCE_TYPES, PRODUCTS, REMOVE_REASON_CODES, VERIFICATION_STATUSES, WEBHOOK_TYPES,
} from './plaid-enums';

const requiredString: FieldRule = { type: 'string', required: true };
const optionalString: FieldRule = { type: 'string' };
const date: FieldRule = { type: 'string', format: 'date' };

function endpoint(fields: FieldTable): FieldTable {
  return { client_id: optionalString, secret: optionalString, ...fields };
}

const accessTokenOnly = endpoint({ access_token: requiredString });

const sandboxPublicTokenOptions: FieldTable = {
  webhook: { type: 'string', format: 'url' },
  override_username: { type: 'string', nullable: true },
  override_password: { type: 'string', nullable: true },
  transactions: {
    type: 'object',
    nullable: true,
    fields: { start_date: date, end_date: date, days_requested: { type: 'integer', minimum: 1, maximum: 730 } },
  },
  statements: {
    type: 'object',
    nullable: true,
    fields: { start_date: { ...date, required: true }, end_date: { ...date, required: true } },
  },
  income_verification: {
    type: 'object',
    fields: {
      income_source_types: { type: 'array', items: { type: 'string', enum: INCOME_SOURCE_TYPES } },
      bank_income: { type: 'object', fields: { days_requested: { type: 'integer' } } },
    },
  },
};

export const FIELD_TABLES: Readonly<Record<string, FieldTable>> = {
  '/item/get': accessTokenOnly,
  '/item/remove': endpoint({
    access_token: requiredString,
    reason_code: { type: 'string', nullable: true, enum: REMOVE_REASON_CODES },
    reason_note: { type: 'string', nullable: true, maxLength: 512 },
  }),
  '/item/webhook/update': endpoint({
    access_token: requiredString,
    webhook: { type: 'string', nullable: true, format: 'url' },
  }),
  '/item/access_token/invalidate': accessTokenOnly,
  '/item/public_token/exchange': endpoint({ public_token: requiredString }),
  '/sandbox/public_token/create': endpoint({
    institution_id: requiredString,
    initial_products: { type: 'array', required: true, minItems: 1, items: { type: 'string', enum: PRODUCTS } },
    options: { type: 'object', fields: sandboxPublicTokenOptions },
    user_token: optionalString,
    user_id: optionalString,
  }),
  '/sandbox/item/reset_login': accessTokenOnly,
  '/sandbox/item/set_verification_status': endpoint({
    access_token: requiredString,
    account_id: requiredString,
    verification_status: { type: 'string', required: true, enum: VERIFICATION_STATUSES },
  }),
  '/sandbox/item/fire_webhook': endpoint({
    access_token: requiredString,
    webhook_type: { type: 'string', enum: WEBHOOK_TYPES },
    webhook_code: { type: 'string', required: true, enum: FIRE_WEBHOOK_CODES },
  }),
  '/webhook_verification_key/get': endpoint({ key_id: requiredString }),
  '/accounts/get': endpoint({
    access_token: requiredString,
    options: { type: 'object', fields: { account_ids: { type: 'array', items: optionalString } } },
  }),
};
