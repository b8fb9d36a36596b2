// A change a reconcile found, as the message of the webhook it stands in for: a flow built for plaid-webhook-in
// handles it unchanged (msg.topic the code, msg.payload the webhook's body, msg.plaid as plaid-webhook-in sets it),
// plus where it came from, the status before and the record after.
import { createHash } from 'node:crypto';
import type { ItemRecord, ItemStatus } from '../store/record';
import { webhookCodeForStatus } from '../store/status-transitions';
import { webhookMetadata, type WebhookMetadata } from '../webhook/receiver';

export interface ReconcileChange {
  topic: string;
  payload: Record<string, unknown>;
  /**
   * plaid-webhook-in's fields (webhookMetadata): `verified` true, as the facts come from Plaid's API over a call the
   * config node's keys authenticated; `body_sha256` of the body as Plaid would send it (2-space-indented JSON), so a
   * downstream de-duplication can key on it; `received_at` when the sweep learned it; `replayed` false and
   * `delivery_id` null (no delivery, nothing in the event log). Then where it came from, the status before and the
   * record after.
   */
  plaid: WebhookMetadata & {
    item_id: string;
    source: 'reconcile';
    previous_status: ItemStatus;
    item: ItemRecord;
  };
}

/**
 * The environment a body names: the config node's, when it is a Plaid one; else the one Plaid writes into its tokens
 * (`access-sandbox-…`, `link-production-…`), as for an emulator or a proxy; null when neither says.
 */
export function environmentOf(configEnvironment: string | undefined, token: string): string | null {
  if (configEnvironment === 'sandbox' || configEnvironment === 'production') return configEnvironment;
  return /^[a-z]+-(sandbox|production|development)-/.exec(token)?.[1] ?? null;
}

/** The ITEM webhook body for an Item whose status a check changed. */
export function itemChangeBody(record: ItemRecord, error: Record<string, unknown> | null, environment: string | null): Record<string, unknown> {
  return {
    webhook_type: 'ITEM',
    webhook_code: webhookCodeForStatus(record.status),
    item_id: record.item_id,
    error,
    consent_expiration_time: record.consent_expiration_time,
    environment,
  };
}

export function changeMessage(body: Record<string, unknown>, previousStatus: ItemStatus, record: ItemRecord, at: string): ReconcileChange {
  const delivery = {
    body,
    webhookType: String(body.webhook_type),
    webhookCode: String(body.webhook_code),
    bodySha256: createHash('sha256').update(JSON.stringify(body, null, 2)).digest('hex'),
    verified: true,
    receivedAt: at,
    deliveryId: null,
    replayed: false,
  };
  return {
    topic: delivery.webhookCode,
    payload: body,
    plaid: { ...webhookMetadata(delivery, undefined), item_id: record.item_id, source: 'reconcile', previous_status: previousStatus, item: record },
  };
}
