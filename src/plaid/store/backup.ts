// A consistent copy of a SQLite Item store while its Node-RED runs: SQLite's online backup, page by page, so the
// copy is one committed state even with writes going on. Tokens stay as stored (encrypted); the key is not in it.
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';

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
  // Owner-only from the first byte, like the store.
  fs.closeSync(fs.openSync(target, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600));
  const db = new Database(source, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    const meta = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'items'").get();
    if (!meta) throw new Error(`${source} is not an Item store (no items table)`);
    const progress = await db.backup(target);
    return { pages: progress.totalPages, bytes: fs.statSync(target).size };
  } catch (err) {
    fs.rmSync(target, { force: true });
    throw err;
  } finally {
    db.close();
  }
}
