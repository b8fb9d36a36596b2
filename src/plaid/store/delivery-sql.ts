// The event log's queries, the same on both backends (the table has the same columns on each): only how a value
// is bound differs (`?` for SQLite, `$n` for PostgreSQL), which the caller's `bind` decides.
import type { DeliveryFilter, DeliveryListing, DeliveryRow } from './delivery-record';
import type { DeliveryPruneRule } from './storage';

/** Every column of a row, in DeliveryRow's order; a listing reads all but the last (the body). */
export const DELIVERY_COLUMNS = [
  'id',
  'received_at_ms',
  'webhook_type',
  'webhook_code',
  'item_id',
  'environment',
  'body_sha256',
  'node_id',
  'outcome',
  'body_ciphertext',
] as const satisfies readonly (keyof DeliveryRow)[];

export const SUMMARY_COLUMNS = DELIVERY_COLUMNS.filter((column) => column !== 'body_ciphertext');

/** Binds a value and returns its placeholder. */
export type Bind = (value: unknown) => string;

/** ` WHERE ...` for `filter` (empty when it selects everything). */
export function deliveryWhere(filter: DeliveryFilter, bind: Bind): string {
  const conditions: string[] = [];
  const oneOf = (column: string, values: readonly string[]) => `${column} IN (${values.map(bind).join(', ')})`;
  // An empty list selects nothing, as "one of none" would.
  if (filter.ids) conditions.push(filter.ids.length ? oneOf('id', filter.ids) : 'FALSE');
  if (filter.codes && filter.codes.length) conditions.push(oneOf('webhook_code', filter.codes));
  if (filter.itemId !== undefined) conditions.push(`item_id = ${bind(filter.itemId)}`);
  if (filter.outcomes && filter.outcomes.length) conditions.push(oneOf('outcome', filter.outcomes));
  if (filter.sinceMs !== undefined) conditions.push(`received_at_ms >= ${bind(filter.sinceMs)}`);
  if (filter.untilMs !== undefined) conditions.push(`received_at_ms <= ${bind(filter.untilMs)}`);
  return conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
}

/** The SELECT of a listing: `seq` is the order the store recorded the rows in. */
export function deliverySelect(table: string, columns: readonly string[], filter: DeliveryFilter, listing: DeliveryListing, bind: Bind): string {
  const where = deliveryWhere(filter, bind);
  const limit = listing.limit === undefined ? '' : ` LIMIT ${bind(listing.limit)}`;
  return `SELECT ${columns.join(', ')} FROM ${table}${where} ORDER BY seq ${listing.order === 'newest' ? 'DESC' : 'ASC'}${limit}`;
}

/** A binder collecting values in order; `placeholder` makes the n-th (1-based) placeholder. */
export function binder(placeholder: (n: number) => string): { bind: Bind; values: unknown[] } {
  const values: unknown[] = [];
  return {
    values,
    bind: (value) => {
      values.push(value);
      return placeholder(values.length);
    },
  };
}

/** The DELETE of a prune (see ItemStorage.pruneDeliveries). */
export function deliveryPrune(table: string, rule: DeliveryPruneRule, bind: Bind): string {
  const running = rule.running.length ? rule.running.map(bind).join(', ') : bind(rule.node);
  return `DELETE FROM ${table} WHERE (node_id = ${bind(rule.node)} AND received_at_ms < ${bind(rule.beforeMs)})` +
    ` OR (node_id NOT IN (${running}) AND received_at_ms < ${bind(rule.othersBeforeMs)})`;
}

/** The INSERT of one row, its values bound in DELIVERY_COLUMNS order. */
export function deliveryInsert(table: string, row: DeliveryRow, bind: Bind): string {
  return `INSERT INTO ${table} (${DELIVERY_COLUMNS.join(', ')}) VALUES (${DELIVERY_COLUMNS.map((column) => bind(row[column])).join(', ')})`;
}
