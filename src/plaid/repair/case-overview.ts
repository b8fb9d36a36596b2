// What the Plaid Items sidebar shows of a repair case: since when, why, the reminders sent and the next due, with the
// Item's user. A list of what is shown, as for records (item-overview.ts): the case's link token is not shown, and
// its Hosted Link URL is not even kept.
import type { ItemRecord } from '../store/record';
import type { RepairCase } from '../store/repair-case';

const CASE_FIELDS = ['item_id', 'owner', 'reason', 'opened_at', 'deadline', 'notified_at', 'reminders_sent', 'next_due', 'failures'] as const satisfies readonly (keyof RepairCase)[];

export type CaseOverview = Pick<RepairCase, (typeof CASE_FIELDS)[number]> & {
  client_user_id: string | null;
  /** How many reminders the case's schedule has in all. */
  reminders_planned: number;
};

export function caseOverviewOf(repairCase: RepairCase, record: ItemRecord | undefined): CaseOverview {
  const overview: Record<string, unknown> = {};
  for (const field of CASE_FIELDS) overview[field] = repairCase[field] ?? null;
  return { ...(overview as Pick<RepairCase, (typeof CASE_FIELDS)[number]>), client_user_id: record?.client_user_id ?? null, reminders_planned: repairCase.reminder_delays_ms.length };
}
