// The event log's filter as the Admin API takes it, from a listing's query string or a replay's JSON body alike:
// `code` (repeated, or comma-separated), `item_id`, `since` and `until` (ISO 8601, or ms since the epoch), `ids`.
import type { DeliveryFilter } from '../../plaid/store/delivery-record';
import { RouteError } from './routes';

/** Deliveries one replay request may select at most. */
export const MAX_REPLAY = 10_000;

function textList(name: string, value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  const texts: string[] = [];
  for (const entry of values) {
    if (typeof entry !== 'string') throw new RouteError(400, `${name} must be text`);
    texts.push(...entry.split(',').map((part) => part.trim()).filter(Boolean));
  }
  return texts;
}

function timeOf(name: string, value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? (/^\d+$/.test(value.trim()) ? Number(value) : Date.parse(value)) : NaN;
  if (!Number.isFinite(ms)) throw new RouteError(400, `${name} must be an ISO 8601 time (2026-01-02T03:04:05Z) or ms since the epoch`);
  return ms;
}

/** The filter `source` (req.query or a body) names; what is absent does not narrow it. */
export function deliveryFilterOf(source: Record<string, unknown>): DeliveryFilter {
  const filter: DeliveryFilter = {};
  if (source.code !== undefined) filter.codes = textList('code', source.code);
  if (source.item_id !== undefined && source.item_id !== '') {
    if (typeof source.item_id !== 'string') throw new RouteError(400, 'item_id must be given once, as text');
    filter.itemId = source.item_id;
  }
  filter.sinceMs = timeOf('since', source.since);
  filter.untilMs = timeOf('until', source.until);
  if (filter.sinceMs !== undefined && filter.untilMs !== undefined && filter.sinceMs > filter.untilMs) {
    throw new RouteError(400, 'since is after until');
  }
  if (source.ids !== undefined) {
    const ids = source.ids;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && id.length > 0)) {
      throw new RouteError(400, 'ids must be a list of delivery ids');
    }
    if (ids.length > MAX_REPLAY) throw new RouteError(400, `ids names ${ids.length} deliveries; at most ${MAX_REPLAY} at once`);
    filter.ids = [...new Set(ids as string[])];
  }
  return filter;
}

/** `limit` of a listing: 1 to `max`, `fallback` when absent. */
export function limitOf(value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new RouteError(400, `limit must be a whole number from 1 to ${max}`);
  return n;
}
