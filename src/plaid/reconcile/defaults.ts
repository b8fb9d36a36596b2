// The settings of a reconcile and their bounds: one home for the runtime, the editor (the build injects them) and
// the docs.
import { ITEM_STATUSES, type ItemStatus } from '../store/record';

/** Plaid's production limit of /item/get calls per client per minute: a sweep never asks for more. */
export const MAX_CALLS_PER_MINUTE = 5000;
export const DEFAULT_CALLS_PER_MINUTE = 600;
/** Every status but `removed`: a removed Item has no token left to check with. */
export const DEFAULT_RECONCILE_STATUSES: readonly ItemStatus[] = ITEM_STATUSES.filter((status) => status !== 'removed');

/** `value` as a rate a sweep accepts (a whole number from 1 to MAX_CALLS_PER_MINUTE), else undefined. */
export function callsPerMinuteOf(value: unknown): number | undefined {
  const rate = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof rate === 'number' && Number.isInteger(rate) && rate >= 1 && rate <= MAX_CALLS_PER_MINUTE ? rate : undefined;
}
