// A webhook delivery as the store's event log keeps it: what it was (type, code, Item, environment, hash), which
// node received it and what became of it, and its body, encrypted with the store's key (see delivery-log.ts).

/**
 * What became of a logged delivery: `emitted` on arrival, recognised as a `duplicate` of one emitted (answered 200,
 * not emitted), or emitted again by a replay (`replayed`).
 */
export const DELIVERY_OUTCOMES = ['emitted', 'duplicate', 'replayed'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** A row as a storage backend keeps it, column for column. */
export interface DeliveryRow {
  /** Random, made by the store before the row is written: the body's envelope binds it. */
  id: string;
  received_at_ms: number;
  webhook_type: string;
  webhook_code: string;
  item_id: string | null;
  environment: string | null;
  body_sha256: string;
  /** The plaid-webhook-in node that received it. */
  node_id: string;
  outcome: DeliveryOutcome;
  /** The AES-256-GCM envelope of the body as received (see delivery-log.ts). */
  body_ciphertext: string;
}

/** A row without its body: what a listing reads. */
export type DeliverySummaryRow = Omit<DeliveryRow, 'body_ciphertext'>;

/** A delivery as the Admin API shows it: never its body (that is read one at a time, its tokens masked). */
export interface LoggedDelivery {
  id: string;
  /** ISO 8601: when the store recorded it (before it was answered). */
  received_at: string;
  webhook_type: string;
  webhook_code: string;
  item_id: string | null;
  environment: string | null;
  body_sha256: string;
  /** The id of the plaid-webhook-in node that received it. */
  node: string;
  outcome: DeliveryOutcome;
}

export function loggedDelivery(row: DeliverySummaryRow): LoggedDelivery {
  return {
    id: row.id,
    received_at: new Date(row.received_at_ms).toISOString(),
    webhook_type: row.webhook_type,
    webhook_code: row.webhook_code,
    item_id: row.item_id,
    environment: row.environment,
    body_sha256: row.body_sha256,
    node: row.node_id,
    outcome: row.outcome,
  };
}

/** Which deliveries a listing, a count or a replay selects; every field narrows it. */
export interface DeliveryFilter {
  ids?: readonly string[];
  /** webhook_code is one of these. */
  codes?: readonly string[];
  itemId?: string;
  /** outcome is one of these. */
  outcomes?: readonly DeliveryOutcome[];
  /** received at or after (ms since the epoch). */
  sinceMs?: number;
  /** received at or before. */
  untilMs?: number;
}

/** How a listing comes back: newest first (what an operator reads) or oldest first (the order a replay emits in). */
export interface DeliveryListing {
  order: 'newest' | 'oldest';
  /** At most this many rows; all when absent. */
  limit?: number;
}
