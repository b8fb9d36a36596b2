// What a repair case does over time, as pure functions of the case and the clock: the step that falls due (the first
// notice, a reminder, a close), and the case after each step. The store keeps the result; RepairDesk runs the steps.
import { backoffDelay, type BackoffOptions } from '../backoff';
import type { ClosedBy, RepairCase, RepairReason } from '../store/repair-case';

/** What a case's due time stands for. `label` names the step in its claim (`repair:<case_id>:<label>`). */
export type RepairStep =
  | { kind: 'notice'; label: 'notice' }
  | { kind: 'reminder'; label: string; reminder: number }
  | { kind: 'close'; label: 'close'; closedBy: Extract<ClosedBy, 'deadline' | 'unanswered'> };

/**
 * How long an opened case waits for its first notice to be recorded before another instance sends it: an instance
 * that died between opening the case and handing the notice over leaves it to the others, once the claim on the
 * notice has expired (its lease, CLAIM_LEASE_MS, is shorter).
 */
export const NOTICE_TAKEOVER_MS = 60_000;
/** After a step failed (Plaid would not create the Hosted Link), the next try: 1 min, doubling up to 1 h. */
export const RETRY_BACKOFF: BackoffOptions = { baseMs: 60_000, capMs: 3_600_000 };

const iso = (ms: number): string => new Date(ms).toISOString();
const ms = (text: string | null): number | undefined => (text === null ? undefined : Date.parse(text));

export interface OpenCase {
  case_id: string;
  item_id: string;
  owner: string;
  reason: RepairReason;
  deadline: string | null;
  reminder_delays_ms: readonly number[];
}

/** A case just opened: its notice is due once NOTICE_TAKEOVER_MS have passed without it being recorded. */
export function openedCase(input: OpenCase, nowMs: number): RepairCase {
  return {
    ...input,
    reminder_delays_ms: [...input.reminder_delays_ms],
    opened_at: iso(nowMs),
    notified_at: null,
    reminders_sent: 0,
    link_token: null,
    link_expiration: null,
    failures: 0,
    next_due: iso(nowMs + NOTICE_TAKEOVER_MS),
    closed_at: null,
    closed_by: null,
  };
}

/** The step due at `nowMs`, or undefined when the case is closed or nothing is due yet. */
export function dueStep(repairCase: RepairCase, nowMs: number): RepairStep | undefined {
  const due = ms(repairCase.next_due);
  if (repairCase.closed_at !== null || due === undefined || due > nowMs) return undefined;
  if (repairCase.notified_at === null) return { kind: 'notice', label: 'notice' };
  const deadline = ms(repairCase.deadline);
  if (deadline !== undefined && deadline <= nowMs) return { kind: 'close', label: 'close', closedBy: 'deadline' };
  if (repairCase.reminders_sent < repairCase.reminder_delays_ms.length) {
    const reminder = repairCase.reminders_sent + 1;
    return { kind: 'reminder', label: `reminder-${reminder}`, reminder };
  }
  return { kind: 'close', label: 'close', closedBy: 'unanswered' };
}

/**
 * When the case's next step falls due once a notice went out: the next reminder (its delay after the first notice),
 * or once the last has gone out, the expiry of its link (the reminder went unanswered); Plaid's deadline first if it
 * comes sooner.
 */
function plannedDue(repairCase: RepairCase): number {
  const notified = ms(repairCase.notified_at) ?? 0;
  const delays = repairCase.reminder_delays_ms;
  const next = repairCase.reminders_sent < delays.length
    ? notified + delays[repairCase.reminders_sent]
    : ms(repairCase.link_expiration) ?? notified;
  const deadline = ms(repairCase.deadline);
  return deadline !== undefined ? Math.min(next, deadline) : next;
}

/** The link a notice or reminder carried (its token and expiry; never its URL). */
export interface SentLink {
  link_token: string;
  expiration: string | null;
}

/** The case after `step` (a notice or a reminder) was handed to the flow at `nowMs` with `link`. */
export function withStepSent(repairCase: RepairCase, step: RepairStep, link: SentLink, nowMs: number): RepairCase {
  const sent: RepairCase = {
    ...repairCase,
    notified_at: repairCase.notified_at ?? iso(nowMs),
    reminders_sent: step.kind === 'reminder' ? step.reminder : repairCase.reminders_sent,
    link_token: link.link_token,
    link_expiration: link.expiration,
    failures: 0,
  };
  return { ...sent, next_due: iso(plannedDue(sent)) };
}

/** The case after its due step failed at `nowMs`: tried again later, each time later still. */
export function withStepFailed(repairCase: RepairCase, nowMs: number, random = Math.random): RepairCase {
  const failures = repairCase.failures + 1;
  return { ...repairCase, failures, next_due: iso(nowMs + backoffDelay(failures, RETRY_BACKOFF, random)) };
}

/** The case closed at `nowMs`; nothing falls due any more. */
export function closedCase(repairCase: RepairCase, closedBy: ClosedBy, nowMs: number): RepairCase {
  return { ...repairCase, closed_at: iso(nowMs), closed_by: closedBy, next_due: null };
}

/** Whether `current` is still the case `expected` was, at the same step (nobody sent or closed it meanwhile). */
export function sameStep(current: RepairCase | undefined, expected: RepairCase): current is RepairCase {
  return (
    current !== undefined &&
    current.case_id === expected.case_id &&
    current.closed_at === null &&
    current.notified_at === expected.notified_at &&
    current.reminders_sent === expected.reminders_sent
  );
}
