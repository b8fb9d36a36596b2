// Which status an ITEM webhook, or an Item error /item/get reports, puts an Item in. One table; everything else
// (the store, a reconcile's messages, the docs' table) derives.
import type { ItemStatus } from './record';

const STATUS_BY_ITEM_WEBHOOK_CODE: Readonly<Record<string, ItemStatus>> = {
  PENDING_EXPIRATION: 'pending_expiration',
  PENDING_DISCONNECT: 'pending_disconnect',
  LOGIN_REPAIRED: 'healthy',
  USER_PERMISSION_REVOKED: 'revoked',
};

/** The error_code of an ITEM ERROR webhook's `error` object, when it has one. */
export function webhookErrorCode(body: Record<string, unknown>): string | null {
  const error = body.error;
  if (error && typeof error === 'object') {
    const code = (error as Record<string, unknown>).error_code;
    if (typeof code === 'string' && code) return code;
  }
  return null;
}

/** The status an Item error puts the Item in (an ERROR webhook's `error`, or `item.error` in /item/get's answer). */
export function statusForItemError(errorCode: string | null): ItemStatus {
  if (errorCode === 'ITEM_LOGIN_REQUIRED') return 'login_required';
  if (errorCode === 'USER_PERMISSION_REVOKED') return 'revoked';
  return 'error';
}

/** The new status for an ITEM webhook, or undefined when it does not change the status. */
export function statusForWebhook(type: string, code: string, body: Record<string, unknown>): ItemStatus | undefined {
  if (type !== 'ITEM') return undefined;
  if (code === 'ERROR') return statusForItemError(webhookErrorCode(body));
  return Object.prototype.hasOwnProperty.call(STATUS_BY_ITEM_WEBHOOK_CODE, code)
    ? STATUS_BY_ITEM_WEBHOOK_CODE[code]
    : undefined;
}

/** What an Item gone at Plaid is announced as by a reconcile: Plaid has no webhook for it. */
export const ITEM_GONE_CODE = 'ITEM_NOT_FOUND';

/**
 * The webhook code that stands for a change to `status`, for a reconcile that found the change without a webhook:
 * the code that puts an Item in that status (ERROR for the error statuses), ITEM_GONE_CODE for `removed`.
 */
export function webhookCodeForStatus(status: ItemStatus): string {
  if (status === 'removed') return ITEM_GONE_CODE;
  const code = Object.keys(STATUS_BY_ITEM_WEBHOOK_CODE).find((candidate) => STATUS_BY_ITEM_WEBHOOK_CODE[candidate] === status);
  return code ?? 'ERROR';
}
