// What an operator looks at first: counts per status, the Items that need action before the others, a search by
// item_id or client_user_id. Pure functions over records for the Plaid Items sidebar's route (whose browser code
// uses these types and is compiled for ES2017, hence no Object.fromEntries here).
import { ITEM_STATUSES, type ItemRecord, type ItemStatus } from './record';

/**
 * How soon a status asks for someone's action (lower first): broken now (the user must log in again, or Plaid
 * reports an error), then broken soon (consent expiring, institution disconnecting), then consent withdrawn by the
 * user (the Item should be removed or re-linked), then nothing to do.
 */
const ATTENTION_RANK: Readonly<Record<ItemStatus, number>> = {
  login_required: 0,
  error: 0,
  pending_disconnect: 1,
  pending_expiration: 1,
  revoked: 2,
  healthy: 3,
  removed: 4,
};

/** The statuses that ask for someone's action, in ITEM_STATUSES order. */
export const NEEDS_ACTION: readonly ItemStatus[] = ITEM_STATUSES.filter((status) => ATTENTION_RANK[status] < ATTENTION_RANK.healthy);

/**
 * The fields of a record the sidebar shows. A list of what is shown rather than of what is not, so a field added to
 * the record later stays out until someone decides it may be shown; the link token is not shown (no token ever is).
 */
const OVERVIEW_FIELDS = [
  'item_id',
  'client_user_id',
  'institution_id',
  'status',
  'error_code',
  'last_webhook',
  'link_token_expiration',
  'link_session_status',
  'consent_expiration_time',
  'checked_at',
  'unsettled',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof ItemRecord)[];

export type ItemOverview = Pick<ItemRecord, (typeof OVERVIEW_FIELDS)[number]>;

export function overviewOf(record: ItemRecord): ItemOverview {
  const overview: Record<string, unknown> = {};
  for (const field of OVERVIEW_FIELDS) overview[field] = record[field] ?? null;
  return overview as ItemOverview;
}

/** A count for every status, zero included, keyed in ITEM_STATUSES order. */
export function countByStatus(records: readonly Pick<ItemRecord, 'status'>[]): Record<ItemStatus, number> {
  const counts = {} as Record<ItemStatus, number>;
  for (const status of ITEM_STATUSES) counts[status] = 0;
  for (const { status } of records) if (status in counts) counts[status]++;
  return counts;
}

/** Needs-action first (see ATTENTION_RANK); within a rank the most recently changed first, then by item_id. */
export function byAttention(a: ItemRecord, b: ItemRecord): number {
  return (
    ATTENTION_RANK[a.status] - ATTENTION_RANK[b.status] ||
    (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0) ||
    (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0)
  );
}

/** True when `search` (trimmed, any case) is part of the item_id or the client_user_id; an empty search matches all. */
export function matchesSearch(record: ItemRecord, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (!needle) return true;
  return record.item_id.toLowerCase().includes(needle) || (record.client_user_id ?? '').toLowerCase().includes(needle);
}
