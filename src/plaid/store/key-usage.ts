// Which keys a store's Items are encrypted under, by key id (never a key): what tells an operator when an older key
// can be removed. Pure data, shared by the store, the Admin API, the sidebar (compiled for ES2017) and the CLI.

export interface KeyUsageEntry {
  /** The key id (see cipher.ts storeKeyId). */
  id: string;
  /** `current` writes, `older` only reads; `unknown`: Items are under it but it is not among this store's keys. */
  role: 'current' | 'older' | 'unknown';
  /** For an older key: its place among the older keys, from 1; null otherwise. */
  position: number | null;
  /** Items whose token is encrypted under this key (removed Items hold no token). */
  items: number;
  /** An older key that no Item and not the key check is under: it may be taken out of the ring. */
  removable: boolean;
}

export interface KeyUsage {
  /** The key id new writes go under. */
  current: string;
  /** The key id the store's key check is under; null when no key of the ring opens it. */
  keyCheck: string | null;
  /** The ring's keys in order (current first), then keys the ring lacks that Items are under. */
  keys: KeyUsageEntry[];
  /** Items holding a token. */
  items: number;
  /** Items under a key other than the current one: what a rewrap re-encrypts. */
  pending: number;
}

export interface RewrapResult extends KeyUsage {
  /** Items this rewrap re-encrypted under the current key. */
  rewrapped: number;
  /** Items no key of the ring opens (altered, or under a key the ring lacks): left as they are. */
  unreadable: string[];
}

/** The usage of a ring (`ringIds`, current first) given the Items counted per key id. */
export function describeKeyUsage(ringIds: readonly string[], counts: ReadonlyMap<string, number>, keyCheck: string | null): KeyUsage {
  const entry = (id: string, role: KeyUsageEntry['role'], position: number | null): KeyUsageEntry => {
    const items = counts.get(id) ?? 0;
    return { id, role, position, items, removable: role === 'older' && items === 0 && keyCheck !== id };
  };
  const keys = ringIds.map((id, index) => (index === 0 ? entry(id, 'current', null) : entry(id, 'older', index)));
  counts.forEach((_items, id) => {
    if (ringIds.indexOf(id) === -1) keys.push(entry(id, 'unknown', null));
  });
  let total = 0;
  counts.forEach((items) => (total += items));
  return { current: ringIds[0], keyCheck, keys, items: total, pending: total - (counts.get(ringIds[0]) ?? 0) };
}
