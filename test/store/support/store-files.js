'use strict';
// Real SQLite files for the store's tests: a fresh directory per test, an opened ItemStore on it, the raw bytes of
// the database and its companions, and file systems that misbehave like real ones (read-only, full).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { ItemStore } = require('../../../dist/plaid/store/item-store.js');
const { SqliteStorage } = require('../../../dist/plaid/store/sqlite-storage.js');
const { TokenCipher, generateStoreKey } = require('../../../dist/plaid/store/cipher.js');

const made = [];

function tempDir(prefix = 'plaid-store-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function openStore({ file = path.join(tempDir(), 'items.db'), key = generateStoreKey(), now = undefined, maxPages = undefined } = {}) {
  const store = new ItemStore(new SqliteStorage({ file, maxPages }), new TokenCipher(key), { now });
  await store.open();
  made.push(() => store.close());
  return { store, file, key };
}

/** The database file and its -wal and -shm companions, as bytes (what a thief with the disk would read). */
function rawBytes(file) {
  return ['', '-wal', '-shm']
    .map((suffix) => file + suffix)
    .filter((f) => fs.existsSync(f))
    .map((f) => ({ file: f, bytes: fs.readFileSync(f) }));
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function mount(args) {
  execFileSync('mount', args, { stdio: 'pipe' });
}

/**
 * A directory writes are refused in: chmod 0555 for an ordinary user; root ignores modes, so for root a read-only
 * bind mount of it (the kernel refuses writes with EROFS whoever asks).
 */
function readOnlyDir() {
  return makeReadOnly(tempDir('plaid-store-ro-'));
}

/** Makes an existing directory (one of tempDir's) refuse writes, until cleanup. */
function makeReadOnly(dir) {
  if (isRoot) {
    mount(['--bind', dir, dir]);
    mount(['-o', 'remount,ro,bind', dir]);
    made.push(() => execFileSync('umount', [dir]));
  } else {
    fs.chmodSync(dir, 0o555);
    made.push(() => fs.chmodSync(dir, 0o755));
  }
  return dir;
}

/** A small tmpfs of `sizeKb`: a real disk that fills up (ENOSPC, which SQLite reports as SQLITE_FULL). */
function smallDisk(sizeKb) {
  const dir = tempDir('plaid-store-full-');
  mount(['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
  made.push(() => execFileSync('umount', [dir]));
  return dir;
}

/** Fills the file system holding `dir` to the last byte. */
function fillDisk(dir) {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if (err.code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  try {
    for (;;) fs.appendFileSync(filler, 'x');
  } catch (err) {
    if (err.code !== 'ENOSPC') throw err;
  }
}

/** Closes the stores and removes the directories made since the last cleanup (mocha afterEach). */
async function cleanup() {
  while (made.length) await made.pop()();
}

module.exports = { tempDir, openStore, rawBytes, readOnlyDir, makeReadOnly, smallDisk, fillDisk, cleanup, isRoot };
