// Item changes at "Plaid" whose webhook never arrives (a delivery lost for good), so that tests of code that polls
// /item/get instead of trusting webhooks have something only polling can find.
import type { EmulatorCore } from '../core';
import { errors } from '../api/errors';
import { PENDING_NOTICE_MS } from '../webhooks/payloads';
import { itemSnapshot, type ItemSnapshot } from './operations';

/** What happens to an Item at Plaid that its webhook would have told, had it arrived. */
export const SILENT_CHANGES = ['login_required', 'permission_revoked', 'consent_expiring', 'removed'] as const;
export type SilentChange = (typeof SILENT_CHANGES)[number];

export interface SilentChangeRequest {
  item_id: string;
  change: SilentChange;
  /** consent_expiring only: when the consent expires; default PENDING_EXPIRATION's notice ahead (7 days). */
  consent_expiration_time?: string | null;
}

/**
 * Changes an Item's state as the webhook for it would announce, without sending that webhook: a delivery lost for
 * good, which only polling /item/get (or /link/token/get) reveals. login_required and permission_revoked leave
 * their Item error (/item/get shows it; data endpoints answer it); consent_expiring sets consent_expiration_time;
 * removed removes the Item at Plaid (its token then answers INVALID_ACCESS_TOKEN).
 */
export function changeItemSilently(core: EmulatorCore, request: SilentChangeRequest): ItemSnapshot {
  const item = core.state.findById(request.item_id);
  if (!item || item.removed) throw errors.itemNotFound();
  const expiry = request.consent_expiration_time;
  if (expiry !== undefined && expiry !== null) {
    if (request.change !== 'consent_expiring') throw errors.invalidField('consent_expiration_time applies to consent_expiring only');
    if (!Number.isFinite(Date.parse(expiry))) throw errors.invalidField('consent_expiration_time must be an ISO 8601 date-time');
  }
  switch (request.change) {
    case 'login_required':
      item.error = errors.itemLoginRequired().toNested();
      break;
    case 'permission_revoked':
      item.error = errors.userPermissionRevoked().toNested();
      break;
    case 'consent_expiring':
      item.consentExpiresAt = expiry ? Date.parse(expiry) : core.clock.now() + PENDING_NOTICE_MS;
      break;
    case 'removed':
      core.state.removeItem(item, null);
      core.itemGetLimiter.forget(item.item_id);
      break;
  }
  core.counts.silentChanges += 1;
  return itemSnapshot(item);
}
