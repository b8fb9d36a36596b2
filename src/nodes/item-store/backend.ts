// Which ItemStorage a `plaid-item-store` config node's settings select. One place per backend.
import * as path from 'node:path';
import { POSTGRES_DEFAULTS, PostgresStorage } from '../../plaid/store/postgres-storage';
import { SqliteStorage } from '../../plaid/store/sqlite-storage';
import type { ItemStorage } from '../../plaid/store/storage';
import type { PlaidItemStoreCredentials, PlaidItemStoreDef } from '../types';

export const ITEM_STORE_BACKENDS = ['sqlite', 'postgres'] as const;
export type ItemStoreBackend = (typeof ITEM_STORE_BACKENDS)[number];
export const DEFAULT_SQLITE_FILE = 'plaid-items.db';

export function backendOf(def: PlaidItemStoreDef): ItemStoreBackend {
  return (ITEM_STORE_BACKENDS as readonly string[]).includes(def.backend) ? (def.backend as ItemStoreBackend) : 'sqlite';
}

/** A relative file is under Node-RED's user directory, like flows.json. */
export function sqliteFile(def: PlaidItemStoreDef, userDir: string): string {
  const file = (def.file ?? '').trim() || DEFAULT_SQLITE_FILE;
  return path.resolve(userDir, file);
}

/** What a setting that is missing makes createStorage say (the node's locale texts). */
export type MissingSettingText = (key: 'errors.noPostgresUrl') => string;

/** The storage the settings select; throws an Error that says what is missing. */
export function createStorage(def: PlaidItemStoreDef, credentials: PlaidItemStoreCredentials, userDir: string, missing: MissingSettingText): ItemStorage {
  const backend = backendOf(def);
  if (backend === 'sqlite') return new SqliteStorage({ file: sqliteFile(def, userDir) });
  const url = (credentials.postgresUrl ?? '').trim();
  if (!url) throw new Error(missing('errors.noPostgresUrl'));
  return new PostgresStorage({
    url,
    poolMax: positiveSetting(def.poolMax, POSTGRES_DEFAULTS.poolMax),
    connectTimeoutMs: positiveSetting(def.connectTimeout, POSTGRES_DEFAULTS.connectTimeoutMs),
    queryTimeoutMs: positiveSetting(def.queryTimeout, POSTGRES_DEFAULTS.queryTimeoutMs),
  });
}

/** A setting the editor saves as text (or a flow written by hand as a number); empty or invalid: the default. */
function positiveSetting(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
