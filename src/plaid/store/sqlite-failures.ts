// What a SQLite or file-system failure means for the Item store file, in words an operator can act on.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** SQLite's primary result codes (https://sqlite.org/rescode.html) that the store tells apart. */
const SQLITE = { BUSY: 5, LOCKED: 6, READONLY: 8, CORRUPT: 11, FULL: 13, CANTOPEN: 14, NOTADB: 26 } as const;

/** node:sqlite puts SQLite's (extended) result code in `errcode`; file-system errors have an errno `code`. */
function sqliteCode(err: unknown): number | undefined {
  const errcode = (err as { errcode?: unknown })?.errcode;
  return typeof errcode === 'number' ? errcode & 0xff : undefined;
}

/** SQLite found the file damaged or not a database at all. */
export function isDamage(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === SQLITE.CORRUPT || code === SQLITE.NOTADB;
}

export function describeSqliteFailure(err: unknown, file: string): string {
  const code = (err as { code?: unknown })?.code;
  const sqlite = sqliteCode(err);
  const message = (err as Error)?.message ?? String(err);
  const dir = path.dirname(file);
  if (code === 'ENOENT') return `the directory ${dir} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${message})`;
  if ((sqlite === SQLITE.CANTOPEN || sqlite === SQLITE.READONLY || code === 'EROFS') && !writable(dir)) {
    return `the directory ${dir} is read-only: SQLite writes the store and its -wal and -shm files there (${message})`;
  }
  if (code === 'EROFS' || sqlite === SQLITE.READONLY) return `the file or its directory is read-only (${message})`;
  if (code === 'ENOSPC' || sqlite === SQLITE.FULL) return `the disk is full (${message}); nothing was written`;
  if (sqlite === SQLITE.BUSY || sqlite === SQLITE.LOCKED) return `the database stayed locked by another connection (${message})`;
  if (sqlite === SQLITE.CANTOPEN) return `the file cannot be opened (${message})`;
  if (sqlite === SQLITE.NOTADB || sqlite === SQLITE.CORRUPT) return `the file is not an Item store or is damaged (${message})`;
  return message;
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
