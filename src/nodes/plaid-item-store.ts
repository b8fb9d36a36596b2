// plaid-item-store: the config node that owns one open ItemStore (item_id -> encrypted access token and record),
// shared by every node that selects it.
import type { NodeAPI } from 'node-red';
import { TokenCipher } from '../plaid/store/cipher';
import { ItemStore } from '../plaid/store/item-store';
import { createStorage } from './item-store/backend';
import type { PlaidItemStoreCredentials, PlaidItemStoreDef, PlaidItemStoreNode } from './types';

export = function (RED: NodeAPI): void {
  const userDir = (): string => (RED.settings as unknown as { userDir?: string }).userDir ?? process.cwd();

  function PlaidItemStore(this: PlaidItemStoreNode, def: PlaidItemStoreDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let opening: ItemStore | undefined;
    node.ready = (async () => {
      try {
        const { encryptionKey, ...credentials } = node.credentials ?? {};
        if (!encryptionKey) throw new Error('the Item store has no encryption key: set one (the editor can generate it)');
        const store = new ItemStore(createStorage(def, credentials, userDir()), new TokenCipher(encryptionKey));
        opening = store;
        await store.open();
        node.itemStore = store;
      } catch (err) {
        opening = undefined;
        node.problem = `Item store ${def.name || node.id}: ${(err as Error).message}`;
        node.error(node.problem);
      }
    })();

    node.on('close', (_removed: boolean, done: () => void) => {
      node.itemStore = undefined;
      node.ready
        .then(() => opening?.close())
        .catch((err: Error) => node.warn(`Item store: closing failed: ${err.message}`))
        .finally(done);
    });
  }

  RED.nodes.registerType<PlaidItemStoreNode, PlaidItemStoreDef, {}, PlaidItemStoreCredentials>('plaid-item-store', PlaidItemStore, {
    credentials: {
      encryptionKey: { type: 'password' },
      postgresUrl: { type: 'password' },
    },
  });
};
