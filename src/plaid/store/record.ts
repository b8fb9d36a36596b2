// An Item as the store keeps it: what flows see (the record) and what only the store sees (the encrypted token).

/** Every status an Item can be in; the editor's badges, the sidebar and `plaid-items` list filters use this order. */
export const ITEM_STATUSES = [
  'healthy',
  'login_required',
  'pending_expiration',
  'pending_disconnect',
  'revoked',
  'removed',
  'error',
] as const;

export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** How a Link session ended (LINK SESSION_FINISHED's `status`). */
export type LinkSessionStatus = 'SUCCESS' | 'EXITED';

export function isItemStatus(value: unknown): value is ItemStatus {
  return typeof value === 'string' && (ITEM_STATUSES as readonly string[]).includes(value);
}

export interface LastWebhook {
  webhook_type: string;
  webhook_code: string;
  /** ISO 8601 time the webhook was received. */
  at: string;
}

/** One entry of an Item's recent history: a webhook received or a status change (the store keeps the last 20). */
export interface ItemEvent {
  /** `webhook` for a received webhook, `status` for a change made by an endpoint node or a flow. */
  kind: 'webhook' | 'status';
  webhook_type: string | null;
  webhook_code: string | null;
  error_code: string | null;
  /** The status after the event. */
  status: ItemStatus;
  at: string;
}

/** What messages carry as `msg.plaid.item`: never the token. */
export interface ItemRecord {
  item_id: string;
  client_user_id: string | null;
  institution_id: string | null;
  status: ItemStatus;
  error_code: string | null;
  last_webhook: LastWebhook | null;
  /** The newest link token created for this Item (update mode), to match LINK SESSION_FINISHED back to it. */
  link_token: string | null;
  link_token_expiration: string | null;
  /**
   * How the last Hosted Link session of `link_token` ended, as its SESSION_FINISHED said (the webhook, or a reconcile
   * that found the session): `SUCCESS` or `EXITED`; null while none was applied. SUCCESS finishes the token, so a
   * replayed or late copy changes nothing; after EXITED the user may still succeed through the same link. A new link
   * token starts unfinished.
   */
  link_session_status: LinkSessionStatus | null;
  /** When the Item's consent ends (Plaid's `consent_expiration_time`, EU/UK OAuth Items), as /item/get or PENDING_EXPIRATION said. */
  consent_expiration_time: string | null;
  /** When a reconcile last had Plaid's answer for this Item (/item/get); null if never. */
  checked_at: string | null;
  /**
   * The Plaid path of a call whose outcome is unknown (`/item/remove` whose answer was lost: it may have removed the
   * Item): the next reconcile checks this Item first and settles it. Null otherwise.
   */
  unsettled: string | null;
  created_at: string;
  updated_at: string;
}

/** A row as a storage backend keeps it: the record, the token's ciphertext (null once wiped) and the history. */
export interface StoredItem {
  record: ItemRecord;
  /** The AES-256-GCM envelope of the access token (see cipher.ts); null after item/remove. */
  tokenCiphertext: string | null;
  /** Oldest first, at most HISTORY_LIMIT entries. */
  history: ItemEvent[];
}

export const HISTORY_LIMIT = 20;

/** The fields a record of an older release may lack, with the value they read as. */
const ADDED_FIELDS = {
  link_session_status: null,
  consent_expiration_time: null,
  checked_at: null,
  unsettled: null,
} as const satisfies Partial<ItemRecord>;

/** `record` with every field of the current contract: a record written by an older release gets the added ones. */
export function currentRecord(record: ItemRecord): ItemRecord {
  let upgraded: ItemRecord | undefined;
  for (const [field, value] of Object.entries(ADDED_FIELDS) as [keyof typeof ADDED_FIELDS, null][]) {
    if (record[field] !== undefined) continue;
    upgraded ??= { ...record };
    upgraded[field] = value;
  }
  return upgraded ?? record;
}
