#!/usr/bin/env node
// plaid-item-store-backup: copies a SQLite Item store consistently, also while Node-RED is running.
import '../cli/quiet-sqlite-warning';
import type { BackupResult } from '../plaid/store/backup';

const USAGE = `Usage: plaid-item-store-backup <store file> <backup file>

Copies the Item store (e.g. ~/.node-red/plaid-items.db) to a new file with SQLite's online backup: a consistent
copy even while Node-RED writes to it. The access tokens stay encrypted; keep the store's key apart from the backup.
Restore: stop Node-RED, copy the backup over the store file, delete the store file's -wal and -shm files, start
Node-RED with the keys the backup was written under (after a key rotation, the older key under Older keys).`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (argv.length !== 2) {
    console.error(USAGE);
    return 2;
  }
  const [store, backup] = argv;
  try {
    // Loaded after the warning filter above is in place.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { backupSqliteStore } = require('../plaid/store/backup') as typeof import('../plaid/store/backup');
    const { pages, bytes }: BackupResult = await backupSqliteStore(store, backup);
    console.log(`backed up ${store} to ${backup} (${pages} pages, ${bytes} bytes)`);
    return 0;
  } catch (err) {
    console.error(`plaid-item-store-backup: ${(err as Error).message}`);
    return 1;
  }
}

// main reports its own failures and resolves to the exit code.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
