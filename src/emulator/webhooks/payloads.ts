// Webhook bodies, field for field as Plaid sends them (the spec's x-webhook-schemas for ITEM and LINK
// SESSION_FINISHED; Plaid's full spec for LINK ITEM_ADD_RESULT and EVENTS and for the TRANSACTIONS, AUTH, HOLDINGS,
// INVESTMENTS_TRANSACTIONS, LIABILITIES and ASSETS codes that /sandbox/item/fire_webhook can send). Key order follows Plaid's examples: type, code, item_id, ..., environment.
import { isoTime } from '../model/clock';
import { errors, PlaidApiError } from '../api/errors';
import type { JsonObject } from '../api/fields';
import { randomUUID } from '../model/ids';
import type { LinkEventRecord } from '../model/link-tokens';
import type { ItemRecord } from '../model/state';

/** How far ahead Plaid announces a consent expiry (PENDING_EXPIRATION) or a disconnect (PENDING_DISCONNECT). */
export const PENDING_NOTICE_MS = 7 * 24 * 60 * 60 * 1000;

export function webhookPayload(type: string, code: string, fields: JsonObject): JsonObject {
  return { webhook_type: type, webhook_code: code, ...fields, environment: 'sandbox' };
}

/**
 * The specific fields of each ITEM code, filled from the Item's state. Unknown codes get none: the control API
 * can send them (with caller-supplied fields) to test that receivers route unknown codes somewhere visible.
 */
export function itemCodeFields(item: ItemRecord, code: string, now: number): JsonObject {
  switch (code) {
    case 'ERROR':
      return { error: item.error ?? errors.itemLoginRequired().toNested() };
    case 'NEW_ACCOUNTS_AVAILABLE':
      return { error: null };
    case 'PENDING_EXPIRATION':
      return { consent_expiration_time: isoTime(item.consentExpiresAt ?? now + PENDING_NOTICE_MS) };
    case 'PENDING_DISCONNECT':
      return { reason: 'INSTITUTION_TOKEN_EXPIRATION', disconnect_time: isoTime(now + PENDING_NOTICE_MS) };
    case 'USER_PERMISSION_REVOKED':
      return { error: errors.userPermissionRevoked().toNested() };
    case 'USER_ACCOUNT_REVOKED':
      return { account_id: item.accounts[0]?.account_id ?? null };
    case 'WEBHOOK_UPDATE_ACKNOWLEDGED':
      return { new_webhook_url: item.webhook, error: null };
    default:
      return {};
  }
}

export function itemWebhookPayload(item: ItemRecord, code: string, now: number, overrides: JsonObject = {}): JsonObject {
  return webhookPayload('ITEM', code, { item_id: item.item_id, ...itemCodeFields(item, code, now), ...overrides });
}

/** The webhook types each /sandbox/item/fire_webhook code can be sent as; the first is the default. */
export const FIRE_WEBHOOK_TYPES: Readonly<Record<string, readonly string[]>> = {
  DEFAULT_UPDATE: ['TRANSACTIONS', 'INVESTMENTS_TRANSACTIONS', 'HOLDINGS', 'LIABILITIES'],
  NEW_ACCOUNTS_AVAILABLE: ['ITEM'],
  SMS_MICRODEPOSITS_VERIFICATION: ['AUTH'],
  USER_PERMISSION_REVOKED: ['ITEM'],
  USER_ACCOUNT_REVOKED: ['ITEM'],
  PENDING_DISCONNECT: ['ITEM'],
  RECURRING_TRANSACTIONS_UPDATE: ['TRANSACTIONS'],
  LOGIN_REPAIRED: ['ITEM'],
  SYNC_UPDATES_AVAILABLE: ['TRANSACTIONS'],
  PRODUCT_READY: ['ASSETS'],
  ERROR: ['ASSETS'],
};

/**
 * The product an Item needs before /sandbox/item/fire_webhook sends it a webhook of each type; ITEM webhooks need
 * none. Without it Plaid answers SANDBOX_PRODUCT_NOT_ENABLED (the spec's description of the endpoint).
 */
export const FIRE_WEBHOOK_PRODUCT: Readonly<Record<string, string | null>> = {
  ITEM: null,
  TRANSACTIONS: 'transactions',
  INVESTMENTS_TRANSACTIONS: 'investments',
  HOLDINGS: 'investments',
  LIABILITIES: 'liabilities',
  AUTH: 'auth',
  ASSETS: 'assets',
};

/** The body /sandbox/item/fire_webhook sends for a (type, code) pair allowed by FIRE_WEBHOOK_TYPES. */
export function sandboxFirePayload(item: ItemRecord, type: string, code: string, now: number): JsonObject {
  if (type === 'ITEM') return itemWebhookPayload(item, code, now);
  if (type === 'ASSETS') return assetsPayload(code);
  const itemId = { item_id: item.item_id };
  switch (`${type}/${code}`) {
    case 'TRANSACTIONS/DEFAULT_UPDATE':
      return webhookPayload(type, code, { ...itemId, error: null, new_transactions: 0 });
    case 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE':
      return webhookPayload(type, code, { ...itemId, initial_update_complete: true, historical_update_complete: true });
    case 'TRANSACTIONS/RECURRING_TRANSACTIONS_UPDATE':
      return webhookPayload(type, code, {
        ...itemId,
        account_ids: item.accounts.filter((account) => account.type === 'depository').map((a) => a.account_id),
      });
    case 'HOLDINGS/DEFAULT_UPDATE':
      return webhookPayload(type, code, { ...itemId, error: null, new_holdings: 0, updated_holdings: 0 });
    case 'INVESTMENTS_TRANSACTIONS/DEFAULT_UPDATE':
      return webhookPayload(type, code, {
        ...itemId, error: null, new_investments_transactions: 0, cancelled_investments_transactions: 0,
      });
    case 'LIABILITIES/DEFAULT_UPDATE':
      return webhookPayload(type, code, {
        ...itemId, error: null, account_ids_with_new_liabilities: [], account_ids_with_updated_liabilities: {},
      });
    case 'AUTH/SMS_MICRODEPOSITS_VERIFICATION':
      return webhookPayload(type, code, {
        ...itemId, account_id: item.accounts[0]?.account_id ?? null, status: 'MANUALLY_VERIFIED',
      });
    default:
      return webhookPayload(type, code, itemId);
  }
}

/** Assets webhooks are about an Asset Report, not an Item: no item_id (and ERROR here is not the ITEM ERROR). */
function assetsPayload(code: string): JsonObject {
  const fields: JsonObject = { asset_report_id: randomUUID() };
  if (code === 'PRODUCT_READY') fields.report_type = 'FULL';
  if (code === 'ERROR') {
    fields.error = new PlaidApiError(400, 'ASSET_REPORT_ERROR', 'ASSET_REPORT_GENERATION_FAILED',
      'asset report generation failed').toNested();
  }
  return webhookPayload('ASSETS', code, fields);
}

/** AUTH webhook Plaid sends when /sandbox/item/set_verification_status changes an account. */
export function verificationStatusPayload(item: ItemRecord, accountId: string, status: string): JsonObject {
  const code = status === 'automatically_verified' ? 'AUTOMATICALLY_VERIFIED' : 'VERIFICATION_EXPIRED';
  return webhookPayload('AUTH', code, { item_id: item.item_id, account_id: accountId });
}

/** What every LINK webhook names: the session and the link token it ran with. */
export interface LinkSessionIds {
  link_session_id: string;
  link_token: string;
}

export interface SessionFinished extends LinkSessionIds {
  status: string;
  public_tokens: string[];
}

export function sessionFinishedPayload(session: SessionFinished, overrides: JsonObject = {}): JsonObject {
  return webhookPayload('LINK', 'SESSION_FINISHED', {
    status: session.status,
    link_session_id: session.link_session_id,
    link_token: session.link_token,
    // Deprecated in favour of public_tokens, still sent by Plaid for single-Item sessions.
    ...(session.public_tokens.length > 0 ? { public_token: session.public_tokens[0] } : {}),
    public_tokens: session.public_tokens,
    ...overrides,
  });
}

/** LINK ITEM_ADD_RESULT: one Item a (multi-Item) Link session added, with its public token. */
export function itemAddResultPayload(session: LinkSessionIds, publicToken: string, overrides: JsonObject = {}): JsonObject {
  return webhookPayload('LINK', 'ITEM_ADD_RESULT', {
    link_session_id: session.link_session_id,
    link_token: session.link_token,
    public_token: publicToken,
    ...overrides,
  });
}

/** LINK EVENTS: the Link events of a session (the spec's LinkEvent). */
export function linkEventsPayload(session: LinkSessionIds, events: readonly LinkEventRecord[], overrides: JsonObject = {}): JsonObject {
  return webhookPayload('LINK', 'EVENTS', {
    events,
    link_session_id: session.link_session_id,
    link_token: session.link_token,
    ...overrides,
  });
}
