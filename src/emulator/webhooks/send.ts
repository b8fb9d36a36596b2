// Sending a webhook about an Item: dispatch it and note it on the Item (status.last_webhook, and what the webhook
// says happened to the Item), so that /item/get never contradicts a webhook the emulator sent: an ERROR or a
// USER_PERMISSION_REVOKED leaves its error on the Item, LOGIN_REPAIRED clears ITEM_LOGIN_REQUIRED, PENDING_EXPIRATION
// sets the consent expiration, PENDING_DISCONNECT its reason and time (update mode clears the last two).
import type { EmulatorCore } from '../core';
import type { PlaidErrorBody } from '../api/errors';
import { isJsonObject, type JsonObject } from '../api/fields';
import type { ItemRecord } from '../model/state';
import type { DeliveryRecord } from './delivery';

export function sendWebhook(core: EmulatorCore, url: string, payload: JsonObject, item: ItemRecord | null): DeliveryRecord {
  const webhookCode = String(payload.webhook_code);
  if (item) noteOnItem(item, payload, webhookCode, core.clock.now());
  return core.webhooks.send(url, payload, {
    webhookType: String(payload.webhook_type),
    webhookCode,
    itemId: item ? item.item_id : null,
  });
}

function noteOnItem(item: ItemRecord, payload: JsonObject, webhookCode: string, now: number): void {
  item.lastWebhook = { sentAt: now, code: webhookCode };
  if (payload.webhook_type !== 'ITEM') return;
  if (webhookCode === 'PENDING_EXPIRATION') {
    const time = typeof payload.consent_expiration_time === 'string' ? payload.consent_expiration_time : null;
    item.pendingExpiration = time;
    if (time !== null && Number.isFinite(Date.parse(time))) item.consentExpiresAt = Date.parse(time);
  } else if (webhookCode === 'PENDING_DISCONNECT') {
    item.pendingDisconnect = {
      reason: String(payload.reason),
      disconnect_time: String(payload.disconnect_time),
    };
  } else if (webhookCode === 'ERROR' || webhookCode === 'USER_PERMISSION_REVOKED') {
    if (isItemError(payload.error)) item.error = payload.error;
  } else if (webhookCode === 'LOGIN_REPAIRED' && item.error?.error_code === 'ITEM_LOGIN_REQUIRED') {
    item.error = null;
  }
}

/** An error object the Item can carry (a control API caller may put anything in `fields.error`). */
function isItemError(value: unknown): value is PlaidErrorBody {
  return isJsonObject(value) && typeof value.error_code === 'string' && typeof value.error_type === 'string';
}
