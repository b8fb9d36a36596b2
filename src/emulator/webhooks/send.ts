// Sending a webhook about an Item: dispatch it and note it as the Item's status.last_webhook.
import type { EmulatorCore } from '../core';
import type { JsonObject } from '../api/fields';
import type { ItemRecord } from '../model/items';
import type { DeliveryRecord } from './delivery';

export function sendWebhook(core: EmulatorCore, url: string, payload: JsonObject, item: ItemRecord | null): DeliveryRecord {
  const webhookCode = String(payload.webhook_code);
  if (item) item.lastWebhook = { sentAt: core.clock.now(), code: webhookCode };
  return core.webhooks.send(url, payload, {
    webhookType: String(payload.webhook_type),
    webhookCode,
    itemId: item ? item.item_id : null,
  });
}
