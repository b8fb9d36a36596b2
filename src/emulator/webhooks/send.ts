// Sending a webhook about an Item: dispatch it and note it on the Item (status.last_webhook, and what a
// PENDING_EXPIRATION or PENDING_DISCONNECT announced, which update mode clears).
import type { EmulatorCore } from '../core';
import type { JsonObject } from '../api/fields';
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
    item.pendingExpiration = typeof payload.consent_expiration_time === 'string' ? payload.consent_expiration_time : null;
  } else if (webhookCode === 'PENDING_DISCONNECT') {
    item.pendingDisconnect = {
      reason: String(payload.reason),
      disconnect_time: String(payload.disconnect_time),
    };
  }
}
