// A consistent copy of a SQLite Item store while its Node-RED runs: VACUUM INTO copies the database as one read
// transaction sees it, so the copy is one committed state even with writes going on (WAL readers do not block
// writers). Tokens stay as stored (encrypted); the key is not in it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface BackupResult {
  pages: number;
  bytes: number;
}

export async function backupSqliteStore(storeFile: string, backupFile: string): Promise<BackupResult> {
  const source = path.resolve(storeFile);
  const target = path.resolve(backupFile);
  if (!fs.existsSync(source)) throw new Error(`no store file at ${source}`);
  if (source === target) throw new Error('the backup file must not be the store file');
  if (fs.existsSync(target)) throw new Error(`${target} exists already: choose a new backup file name`);
  // Owner-only from the first byte, like the store (VACUUM INTO writes into an existing empty file).
  fs.closeSync(fs.openSync(target, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600));
  const db = new DatabaseSync(source, { readOnly: true });
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    const items = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'items'").get();
    if (!items) throw new Error(`${source} is not an Item store (no items table)`);
    db.prepare('VACUUM INTO ?').run(target);
    const copy = new DatabaseSync(target, { readOnly: true });
    try {
      const { page_count: pages } = copy.prepare('PRAGMA page_count').get() as { page_count: number };
      return { pages: Number(pages), bytes: fs.statSync(target).size };
    } finally {
      copy.close();
    }
  } catch (err) {
    fs.rmSync(target, { force: true });
    throw err;
  } finally {
    db.close();
  }
}
