// A repair case as the store keeps it: one per Item at most while open, followed by the plaid-item-repair node that
// opened it. What the case means (when it opens, what falls due, how it closes) is src/plaid/repair/; the store only
// keeps cases, on either backend, behind ItemStorage.

/** What opens a case: the error code or webhook code, as Plaid spells it. */
export const REPAIR_REASONS = ['ITEM_LOGIN_REQUIRED', 'PENDING_EXPIRATION', 'PENDING_DISCONNECT', 'NEW_ACCOUNTS_AVAILABLE'] as const;
export type RepairReason = (typeof REPAIR_REASONS)[number];

/** Closed and fixed: which event said so. */
export const FIXED_BY = ['session_finished', 'login_repaired', 'reconcile'] as const;
/** Closed unrepaired: why. */
export const UNREPAIRED_BY = ['revoked', 'removed', 'deadline', 'unanswered'] as const;
export type ClosedBy = (typeof FIXED_BY)[number] | (typeof UNREPAIRED_BY)[number];

export interface RepairCase {
  /** Unique per case (an Item's second case has another): names the case's claims. */
  case_id: string;
  item_id: string;
  /** The id of the plaid-item-repair node that opened the case and follows it. */
  owner: string;
  reason: RepairReason;
  opened_at: string;
  /** Plaid's deadline (consent_expiration_time, disconnect_time) when the webhook gave one. */
  deadline: string | null;
  /** The delays of the reminders after the first notice, in ms, as the node had them when the case opened. */
  reminder_delays_ms: number[];
  /** When the first notice was handed to the flow; null until then. */
  notified_at: string | null;
  reminders_sent: number;
  /** The link token of the newest notice: its SESSION_FINISHED SUCCESS closes the case. Never the Hosted Link URL. */
  link_token: string | null;
  link_expiration: string | null;
  /** Failed attempts at the step now due (a Hosted Link Plaid would not create): each waits longer. */
  failures: number;
  /** When the next step falls due (a notice, a reminder, a close); null once closed. */
  next_due: string | null;
  closed_at: string | null;
  closed_by: ClosedBy | null;
}

export interface RepairCaseFilter {
  /** Only the cases this node follows. */
  owner?: string;
  /** Only open (true) or closed (false) cases. */
  open?: boolean;
  /** Only cases due at or before this time (ms since the epoch). */
  dueBy?: number;
  /** At most this many. */
  limit?: number;
}

/** The case's next_due as ms since the epoch, as the backends index it; null for none. */
export function dueMs(repairCase: RepairCase): number | null {
  return repairCase.next_due === null ? null : Date.parse(repairCase.next_due);
}
