// Which status an ITEM webhook puts an Item in. One table; everything else (the store, the docs' table) derives.
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

/** The new status for an ITEM webhook, or undefined when it does not change the status. */
export function statusForWebhook(type: string, code: string, body: Record<string, unknown>): ItemStatus | undefined {
  if (type !== 'ITEM') return undefined;
  if (code === 'ERROR') return webhookErrorCode(body) === 'ITEM_LOGIN_REQUIRED' ? 'login_required' : 'error';
  return Object.prototype.hasOwnProperty.call(STATUS_BY_ITEM_WEBHOOK_CODE, code)
    ? STATUS_BY_ITEM_WEBHOOK_CODE[code]
    : undefined;
}
