// What plaid-item-repair reads from a message: the webhook (from plaid-webhook-in, or a reconcile's stand-in for
// one), which repair reason it is, and whether it closes an Item's case.
import type { ItemRecord } from '../store/record';
import { REPAIR_REASONS, type ClosedBy, type RepairCase, type RepairReason } from '../store/repair-case';

/** A message the node acts on. */
export interface RepairEvent {
  type: string;
  code: string;
  /** `reconcile` for a sweep's stand-in for a missed webhook (msg.plaid.source), else `webhook`. */
  source: 'webhook' | 'reconcile';
  /** msg.plaid.item_id, else the record's (a LINK webhook names none of its own), else the payload's. */
  itemId: string | null;
  payload: Record<string, unknown>;
  /**
   * The record as the sender's store left it (msg.plaid.item), null when that store does not know the Item, undefined
   * when the sender has no store (the node then records the webhook in its own).
   */
  item: ItemRecord | null | undefined;
}

const objectOr = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The webhook a message carries, or undefined for any other message (passed over). */
export function readEvent(msg: { plaid?: unknown; payload?: unknown }): RepairEvent | undefined {
  const plaid = objectOr(msg.plaid);
  const payload = objectOr(msg.payload);
  const type = text(plaid?.webhook_type);
  const code = text(plaid?.webhook_code);
  if (!plaid || !payload || !type || !code) return undefined;
  const item = 'item' in plaid ? ((objectOr(plaid.item) as ItemRecord | undefined) ?? null) : undefined;
  return {
    type,
    code,
    source: plaid.source === 'reconcile' ? 'reconcile' : 'webhook',
    itemId: text(plaid.item_id) ?? text(item?.item_id) ?? text(payload.item_id) ?? null,
    payload,
    item,
  };
}

/** The repair reason an ITEM webhook announces, or undefined. */
export function reasonOf(event: RepairEvent): RepairReason | undefined {
  if (event.type !== 'ITEM') return undefined;
  if (event.code === 'ERROR') return objectOr(event.payload.error)?.error_code === 'ITEM_LOGIN_REQUIRED' ? 'ITEM_LOGIN_REQUIRED' : undefined;
  return (REPAIR_REASONS as readonly string[]).includes(event.code) && event.code !== 'ITEM_LOGIN_REQUIRED' ? (event.code as RepairReason) : undefined;
}

/** Plaid's deadline for the repair, when the webhook gives one (PENDING_EXPIRATION, PENDING_DISCONNECT). */
export function deadlineOf(payload: Record<string, unknown>): string | null {
  const deadline = text(payload.consent_expiration_time) ?? text(payload.disconnect_time);
  return deadline !== undefined && !Number.isNaN(Date.parse(deadline)) ? deadline : null;
}

/** The reasons an Item's LOGIN_REPAIRED settles: it says the login works again, nothing about consent or accounts. */
const SETTLED_BY_LOGIN_REPAIRED: readonly RepairReason[] = ['ITEM_LOGIN_REQUIRED'];
/** The reasons a reconcile's `healthy` settles (/item/get shows no error and no consent expiring within 7 days). */
const SETTLED_BY_RECONCILE: readonly RepairReason[] = ['ITEM_LOGIN_REQUIRED', 'PENDING_EXPIRATION'];

/**
 * Whether the Item's record (after `event`, when there is one; at a due time, without) closes the open case, and how:
 * gone (removed, or no longer in the store); its current link's session finished with SUCCESS; LOGIN_REPAIRED since
 * the case opened; revoked; a reconcile that found it healthy.
 */
export function closingOf(record: ItemRecord | null, repairCase: RepairCase, event?: RepairEvent): ClosedBy | undefined {
  if (record === null || record.status === 'removed' || event?.code === 'ITEM_NOT_FOUND') return 'removed';
  if (repairCase.link_token !== null && record.link_token === repairCase.link_token && record.link_session_status === 'SUCCESS') {
    return 'session_finished';
  }
  const loginRepaired = event
    ? event.type === 'ITEM' && event.code === 'LOGIN_REPAIRED'
    : record.status === 'healthy' && record.last_webhook?.webhook_code === 'LOGIN_REPAIRED' && record.last_webhook.at >= repairCase.opened_at;
  if (loginRepaired && SETTLED_BY_LOGIN_REPAIRED.includes(repairCase.reason)) return event?.source === 'reconcile' ? 'reconcile' : 'login_repaired';
  if (record.status === 'revoked') return 'revoked';
  if (event?.source === 'reconcile' && record.status === 'healthy' && SETTLED_BY_RECONCILE.includes(repairCase.reason)) return 'reconcile';
  return undefined;
}
