// Enum values of Plaid's OpenAPI spec (2020-09-14_1.697.4, spec/openapi-item-subset.json). The emulator ships
// without the spec, so the values it checks requests against live here; test/emulator/spec-tables.test.js holds
// them, and every field table, to the spec.

export const PRODUCTS = [
  'assets', 'auth', 'balance', 'balance_plus', 'beacon', 'identity', 'identity_match', 'investments',
  'investments_auth', 'liabilities', 'payment_initiation', 'identity_verification', 'transactions',
  'credit_details', 'income', 'income_verification', 'standing_orders', 'transfer', 'employment',
  'recurring_transactions', 'transactions_refresh', 'signal', 'statements', 'processor_payments',
  'processor_identity', 'profile', 'cra_base_report', 'cra_income_insights', 'cra_partner_insights',
  'cra_network_insights', 'cra_cashflow_insights', 'cra_monitoring', 'cra_lend_score', 'cra_plaid_credit_score',
  'layer', 'pay_by_bank', 'protect_linked_bank', 'protect_transactions',
] as const;

/** The products /sandbox/public_token/create documents for initial_products (x-override-enum-values-shown). */
export const INITIAL_PRODUCTS: ReadonlySet<string> = new Set([
  'assets', 'auth', 'cra_base_report', 'cra_income_insights', 'cra_lend_score', 'cra_partner_insights',
  'cra_monitoring', 'identity', 'income_verification', 'investments_auth', 'investments', 'liabilities',
  'payment_initiation', 'signal', 'standing_orders', 'statements', 'transactions', 'transfer',
]);

export const WEBHOOK_TYPES = [
  'AUTH', 'HOLDINGS', 'INVESTMENTS_TRANSACTIONS', 'ITEM', 'LIABILITIES', 'TRANSACTIONS', 'ASSETS',
] as const;

export const FIRE_WEBHOOK_CODES = [
  'DEFAULT_UPDATE', 'NEW_ACCOUNTS_AVAILABLE', 'SMS_MICRODEPOSITS_VERIFICATION', 'AUTHORIZATION_GRANTED',
  'USER_PERMISSION_REVOKED', 'USER_ACCOUNT_REVOKED', 'PENDING_DISCONNECT', 'RECURRING_TRANSACTIONS_UPDATE',
  'LOGIN_REPAIRED', 'SYNC_UPDATES_AVAILABLE', 'PRODUCT_READY', 'ERROR',
] as const;

export const REMOVE_REASON_CODES = [
  'FRAUD_FIRST_PARTY', 'FRAUD_FALSE_IDENTITY', 'FRAUD_ABUSE', 'FRAUD_OTHER', 'CONNECTION_IS_NON_FUNCTIONAL', 'OTHER',
] as const;

export const VERIFICATION_STATUSES = ['automatically_verified', 'verification_expired'] as const;

export const INCOME_SOURCE_TYPES = ['bank', 'payroll'] as const;

export const PENDING_DISCONNECT_REASONS = ['INSTITUTION_MIGRATION', 'INSTITUTION_TOKEN_EXPIRATION'] as const;

export const COUNTRY_CODES = [
  'US', 'GB', 'ES', 'NL', 'FR', 'IE', 'CA', 'DE', 'IT', 'PL', 'DK', 'NO', 'SE', 'EE', 'LT', 'LV', 'PT', 'BE', 'AT', 'FI',
] as const;

export const HOSTED_LINK_DELIVERY_METHODS = ['sms', 'email'] as const;
