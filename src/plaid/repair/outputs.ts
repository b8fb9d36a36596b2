// plaid-item-repair's outputs, in their order (the editor's port labels and the help derive from this list; deployed
// flows are wired by index, so an output is only ever appended), and the `msg.repair` each carries.
import type { ItemRecord } from '../store/record';
import { FIXED_BY, type ClosedBy, type RepairCase, type RepairReason } from '../store/repair-case';

export const REPAIR_OUTPUTS = ['notify', 'remind', 'fixed', 'closed'] as const;
export type RepairOutput = (typeof REPAIR_OUTPUTS)[number];

/** msg.repair of a notice (output "notify", reminder 0) or a reminder (output "remind", reminder n). */
export interface RepairNotice {
  item_id: string;
  client_user_id: string | null;
  institution_id: string | null;
  reason: RepairReason;
  deadline: string | null;
  hosted_link_url: string;
  link_expiration: string | null;
  reminder: number;
}

/** msg.repair of a closed case (output "fixed" or "closed"); `reminder`: how many reminders went out. */
export interface RepairClosing {
  item_id: string;
  client_user_id: string | null;
  institution_id: string | null;
  reason: RepairReason;
  deadline: string | null;
  reminder: number;
  closed_by: ClosedBy;
}

const whose = (repairCase: RepairCase, record: ItemRecord | null) => ({
  item_id: repairCase.item_id,
  client_user_id: record?.client_user_id ?? null,
  institution_id: record?.institution_id ?? null,
  reason: repairCase.reason,
  deadline: repairCase.deadline,
});

export function noticeMessage(repairCase: RepairCase, record: ItemRecord | null, link: { hosted_link_url: string; expiration: string | null }, reminder: number): RepairNotice {
  return { ...whose(repairCase, record), hosted_link_url: link.hosted_link_url, link_expiration: link.expiration, reminder };
}

export function closingMessage(closed: RepairCase, record: ItemRecord | null): RepairClosing {
  return { ...whose(closed, record), reminder: closed.reminders_sent, closed_by: closed.closed_by as ClosedBy };
}

/** The output index a notice, a reminder or a close leaves by. */
export function outputIndex(output: RepairOutput): number {
  return REPAIR_OUTPUTS.indexOf(output);
}

export function closedOutput(closedBy: ClosedBy): RepairOutput {
  return (FIXED_BY as readonly string[]).includes(closedBy) ? 'fixed' : 'closed';
}
