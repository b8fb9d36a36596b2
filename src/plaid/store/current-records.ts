// The backend as the store reads it: every record in the current contract. Records are kept whole as JSON, so a
// field added to the contract needs no migration, only a value for the records written before it (currentRecord).
import { currentRecord, type StoredItem } from './record';
import type { ItemStorage } from './storage';

function upgraded(row: StoredItem | undefined): StoredItem | undefined {
  if (!row) return row;
  const record = currentRecord(row.record);
  return record === row.record ? row : { ...row, record };
}

export function withCurrentRecords(storage: ItemStorage): ItemStorage {
  return {
    open: () => storage.open(),
    close: () => storage.close(),
    keyCheck: (candidate) => storage.keyCheck(candidate),
    replaceKeyCheck: (expected, next) => storage.replaceKeyCheck(expected, next),
    get: async (itemId) => upgraded(await storage.get(itemId)),
    findByLinkToken: async (linkToken) => upgraded(await storage.findByLinkToken(linkToken)),
    list: async (filter) => (await storage.list(filter)).map((row) => upgraded(row) as StoredItem),
    update: async (itemId, change) => upgraded(await storage.update(itemId, (current) => change(upgraded(current)))),
    updateMany: async (changes) => (await storage.updateMany(changes.map(({ itemId, change }) => ({ itemId, change: (current: StoredItem | undefined) => change(upgraded(current)) })))).map(upgraded),
    delete: (itemId) => storage.delete(itemId),
    claim: (key, holder, nowMs, leaseMs) => storage.claim(key, holder, nowMs, leaseMs),
    renew: (key, holder, nowMs, leaseMs) => storage.renew(key, holder, nowMs, leaseMs),
    confirm: (key, holder, nowMs, retentionMs) => storage.confirm(key, holder, nowMs, retentionMs),
    release: (key, holder) => storage.release(key, holder),
    pruneClaims: (nowMs) => storage.pruneClaims(nowMs),
    getCase: (itemId) => storage.getCase(itemId),
    updateCase: (itemId, change) => storage.updateCase(itemId, change),
    listCases: (filter) => storage.listCases(filter),
    countByStatus: () => storage.countByStatus(),
    listEnvelopes: () => storage.listEnvelopes(),
    oldestCheck: () => storage.oldestCheck(),
    countOpenCases: () => storage.countOpenCases(),
    claimBatch: (batch, holder, nowMs) => storage.claimBatch(batch, holder, nowMs),
    listDeliveries: (filter, listing) => storage.listDeliveries(filter, listing),
    readDeliveries: (filter, listing) => storage.readDeliveries(filter, listing),
    countDeliveries: (filter) => storage.countDeliveries(filter),
    markReplayed: (ids) => storage.markReplayed(ids),
    deleteDelivery: (id) => storage.deleteDelivery(id),
    pruneDeliveries: (rule) => storage.pruneDeliveries(rule),
  };
}
