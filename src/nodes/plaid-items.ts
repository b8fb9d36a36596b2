// plaid-items: the flow's way into the Item store: get, put (import a token), delete, list. Never outputs a token,
// nor the link token the store keeps to match LINK SESSION_FINISHED (every debug client sees what a node outputs).
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { ItemStoreError } from '../plaid/store/errors';
import type { ItemStore, SaveItemInput } from '../plaid/store/item-store';
import { overviewOf, type ItemOverview } from '../plaid/store/item-overview';
import { isItemStatus, type ItemRecord, type ItemStatus } from '../plaid/store/record';
import { ITEMS_OPERATIONS, type ItemsOperation } from './items/operations';
import { migrate } from './migrations';
import type { PlaidItemStoreNode } from './types';

interface PlaidItemsDef extends NodeDef {
  store: string;
  operation: string;
  /** A typedInput: `item_id` holds the value and `item_idType` its type (default msg.item_id). */
  item_id: string;
  item_idType: string;
  /** The list filter; empty for every status. */
  statuses: unknown;
}

interface ItemsMessage extends NodeMessageInFlow {
  plaid?: Record<string, unknown>;
}

function payloadObject(msg: ItemsMessage): Record<string, unknown> | undefined {
  const payload = msg.payload;
  return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
}

type Text = (key: string, data?: Record<string, string>) => string;

function statusesFrom(value: unknown, text: Text): ItemStatus[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const list: unknown[] = Array.isArray(value) ? (value as unknown[]) : typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : [value];
  const bad = list.find((status) => !isItemStatus(status));
  if (bad !== undefined) throw new ItemStoreError('INVALID_ITEM', text('errors.badStatus', { status: typeof bad === 'string' ? bad : JSON.stringify(bad) }));
  return list as ItemStatus[];
}

export = function (RED: NodeAPI): void {
  const text: Text = (key, data) => RED._(`plaid-items.${key}`, data);

  function PlaidItems(this: Node, saved: PlaidItemsDef): void {
    const def = migrate('plaid-items', saved); // older settings brought up to date (src/nodes/migrations.ts)
    RED.nodes.createNode(this, def);
    const node = this;
    const storeNode = RED.nodes.getNode(def.store) as PlaidItemStoreNode | null;
    const operation: ItemsOperation = (ITEMS_OPERATIONS as readonly string[]).includes(def.operation)
      ? (def.operation as ItemsOperation)
      : 'get';
    const itemIdType = def.item_idType || 'msg';
    const itemIdValue = def.item_idType ? def.item_id ?? '' : def.item_id || 'item_id';
    // The editor offers only real statuses; anything else in a hand-edited flow is left out of the filter.
    const nodeStatuses = Array.isArray(def.statuses) ? def.statuses.filter(isItemStatus) : [];

    const usableStore = (): Promise<ItemStore> =>
      storeNode ? storeNode.usableStore() : Promise.reject(new ItemStoreError('STORE_UNAVAILABLE', text('errors.noStore')));

    /** `msg.payload.item_id` first, else the node's item_id setting (default msg.item_id). */
    async function itemIdOf(msg: ItemsMessage): Promise<string> {
      const fromPayload = payloadObject(msg)?.item_id;
      if (typeof fromPayload === 'string' && fromPayload) return fromPayload;
      const value = itemIdType === 'str'
        ? itemIdValue
        : await new Promise<unknown>((resolve, reject) => {
          RED.util.evaluateNodeProperty(itemIdValue, itemIdType, node, msg, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result)));
        });
      if (typeof value !== 'string' || value === '') {
        throw new ItemStoreError('INVALID_ITEM', text('errors.noItemId', { source: `${itemIdType}.${itemIdValue}` }));
      }
      return value;
    }

    async function run(store: ItemStore, msg: ItemsMessage, imported: Record<string, unknown> | undefined): Promise<void> {
      switch (operation) {
        case 'put': {
          if (!imported) throw new ItemStoreError('INVALID_ITEM', text('errors.putShape'));
          // The store checks each field's type (INVALID_ITEM); the payload is only shaped like the input here.
          setItem(msg, await store.save(imported as unknown as SaveItemInput));
          return;
        }
        case 'get': {
          const itemId = await itemIdOf(msg);
          const record = await store.get(itemId);
          if (!record) throw new ItemStoreError('ITEM_NOT_IN_STORE', text('errors.notInStore', { item: itemId }), itemId);
          setItem(msg, record);
          return;
        }
        case 'delete': {
          const itemId = await itemIdOf(msg);
          msg.payload = { item_id: itemId, deleted: await store.delete(itemId) };
          return;
        }
        case 'list': {
          const override = payloadObject(msg)?.statuses;
          msg.payload = (await store.list({ statuses: statusesFrom(override, text) ?? nodeStatuses })).map(overviewOf);
          return;
        }
      }
    }

    node.on('input', (msg: ItemsMessage, send, done) => {
      // The imported token leaves the message before anything else, whatever happens next (a Catch included).
      const imported = operation === 'put' ? takeImport(msg) : undefined;
      usableStore()
        .then((store) => run(store, msg, imported))
        .then(
          () => {
            node.status({});
            send(msg);
            done();
          },
          (err: Error) => {
            node.status({ fill: 'red', shape: 'ring', text: err instanceof ItemStoreError ? err.code : text('status.error') });
            done(err);
          },
        );
    });

    node.on('close', () => node.status({}));
  }

  RED.nodes.registerType('plaid-items', PlaidItems);
};

function setItem(msg: ItemsMessage, record: ItemRecord): void {
  const item: ItemOverview = overviewOf(record);
  msg.payload = item;
  msg.plaid = { ...(msg.plaid ?? {}), item };
}

/** Copies the import out of msg.payload and deletes the token from the message. */
function takeImport(msg: ItemsMessage): Record<string, unknown> | undefined {
  const payload = payloadObject(msg);
  if (!payload) return undefined;
  const imported = { ...payload };
  delete payload.access_token;
  return imported;
}
