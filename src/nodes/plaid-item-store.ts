// plaid-item-store: the config node that owns one open ItemStore (item_id -> encrypted access token and record),
// shared by every node that selects it.
import type { NodeAPI } from 'node-red';
import { backoffDelay, type BackoffOptions } from '../plaid/backoff';
import { parseOlderKeys, TokenCipher } from '../plaid/store/cipher';
import { ItemStoreError } from '../plaid/store/errors';
import { ItemStore } from '../plaid/store/item-store';
import { backendOf, createStorage } from './item-store/backend';
import { registerItemStore } from './item-store/registry';
import { migrate } from './migrations';
import type { PlaidItemStoreCredentials, PlaidItemStoreDef, PlaidItemStoreNode, StoreSetupProblem } from './types';

/** Between attempts to open a store whose backend is unreachable: from about 1 s up to 30 s. */
const OPEN_RETRY_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 30_000 };

/**
 * What nodes using a store that did not open fail with: WRONG_KEY for a wrong key, STORE_REFUSED for a database
 * that cannot be the store as it is, else STORE_UNAVAILABLE.
 */
function codeOf(err: unknown): 'WRONG_KEY' | 'STORE_REFUSED' | 'STORE_UNAVAILABLE' {
  return err instanceof ItemStoreError && (err.code === 'WRONG_KEY' || err.code === 'STORE_REFUSED') ? err.code : 'STORE_UNAVAILABLE';
}

export = function (RED: NodeAPI): void {
  const text = (key: string, data?: Record<string, string>): string => RED._(`plaid-item-store.${key}`, data);
  const userDir = (): string => (RED.settings as unknown as { userDir?: string }).userDir ?? process.cwd();

  function PlaidItemStore(this: PlaidItemStoreNode, saved: PlaidItemStoreDef): void {
    const def = migrate('plaid-item-store', saved); // older settings brought up to date (src/nodes/migrations.ts)
    RED.nodes.createNode(this, def);
    const node = this;
    const storeName = def.name || node.id;
    const problemOf = (err: unknown): string => text('errors.problem', { store: storeName, problem: (err as Error).message });
    let opening: ItemStore | undefined;
    let closed = false;
    let retryTimer: NodeJS.Timeout | undefined;

    /**
     * Opens the store; a backend that cannot be reached (PostgreSQL down at start, say) is tried again with a
     * growing delay until it opens or the node closes. Meanwhile `problem` says why, so nodes fail with it.
     */
    async function open(store: ItemStore, attempt: number): Promise<void> {
      try {
        await store.open();
        if (closed) return;
        node.itemStore = store;
        if (node.problem) node.log(text('log.opened', { store: storeName, attempts: String(attempt) }));
        node.problem = undefined;
        node.problemCode = undefined;
      } catch (err) {
        if (closed) return;
        const problem = problemOf(err);
        // Logged once, not at every retry.
        if (problem !== node.problem) node.error(problem);
        node.problem = problem;
        node.problemCode = codeOf(err);
        if (!(err instanceof ItemStoreError && err.code === 'STORE_UNAVAILABLE')) {
          opening = undefined;
          return;
        }
        retryTimer = setTimeout(() => void open(store, attempt + 1), backoffDelay(attempt, OPEN_RETRY_BACKOFF));
      }
    }

    /** A setting left empty: its problem says, first, what to do (the debug sidebar shows 80 characters of an error). */
    const setupText = (key: `setup.${StoreSetupProblem}`): string => text(key, { name: `"${def.name || node.id}"` });

    node.ready = (async () => {
      const { encryptionKey, previousKeys, ...credentials } = node.credentials ?? {};
      const setup: StoreSetupProblem | undefined = !encryptionKey ? 'noKey'
        : backendOf(def) === 'postgres' && !(credentials.postgresUrl ?? '').trim() ? 'noPostgresUrl' : undefined;
      if (setup !== undefined || !encryptionKey) {
        const kind = setup ?? 'noKey';
        node.problem = setupText(`setup.${kind}`);
        node.problemKind = kind;
        node.problemCode = 'STORE_UNAVAILABLE';
        node.error(node.problem);
        return;
      }
      try {
        const cipher = new TokenCipher(encryptionKey, parseOlderKeys(previousKeys));
        const store = new ItemStore(createStorage(def, credentials, userDir(), setupText), cipher, { name: node.id });
        opening = store;
        await open(store, 1);
      } catch (err) {
        opening = undefined;
        node.problem = problemOf(err);
        node.problemCode = codeOf(err);
        node.error(node.problem);
      }
    })();
    node.usableStore = async () => {
      await node.ready;
      if (node.itemStore) return node.itemStore;
      // No problem and no store: the node has closed (a redeploy), after opening or while it was trying to.
      throw new ItemStoreError(node.problemCode ?? 'STORE_UNAVAILABLE', node.problem ?? text('errors.closed', { store: storeName }));
    };
    registerItemStore(node);

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearTimeout(retryTimer);
      node.itemStore = undefined;
      node.ready
        .then(() => opening?.close())
        .catch((err: Error) => node.warn(text('errors.closing', { error: err.message })))
        .finally(done);
    });
  }

  RED.nodes.registerType<PlaidItemStoreNode, PlaidItemStoreDef, object, PlaidItemStoreCredentials>('plaid-item-store', PlaidItemStore, {
    credentials: {
      encryptionKey: { type: 'password' },
      // Keys the store was written under before the current one, one per line: read, never written with.
      previousKeys: { type: 'password' },
      postgresUrl: { type: 'password' },
    },
  });
};
