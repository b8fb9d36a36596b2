#!/usr/bin/env node
// plaid-item-store-rewrap: re-encrypts under the current key the Items still under an older key, in batches, also
// while Node-RED runs on the store; then says how many Items each key holds.
import '../cli/quiet-sqlite-warning';
import { parseArgs } from 'node:util';
import { parseOlderKeys, TokenCipher } from '../plaid/store/cipher';
import { ItemStore } from '../plaid/store/item-store';
import type { KeyUsage } from '../plaid/store/key-usage';
import { PostgresStorage } from '../plaid/store/postgres-storage';
import { SqliteStorage } from '../plaid/store/sqlite-storage';

const ENV = {
  key: 'PLAID_ITEM_STORE_KEY',
  previousKeys: 'PLAID_ITEM_STORE_PREVIOUS_KEYS',
  postgresUrl: 'PLAID_ITEM_STORE_POSTGRES_URL',
} as const;
const DEFAULT_BATCH = 100;

const USAGE = `Usage: plaid-item-store-rewrap [--status] [--batch N] <store file>
       plaid-item-store-rewrap [--status] [--batch N] --postgres

Re-encrypts under the current key every Item of the Item store still under an older key, N at a time (default
${DEFAULT_BATCH}), each in its own transaction, so Node-RED may go on using the store; then the store's key check.
Prints how many Items each key holds: an older key that holds none can be removed from the plaid-item-store node.
Stopped halfway (Ctrl-C, a crash), every Item is under one key or the other; run it again to finish.

The keys come from the environment, never from the command line:
  ${ENV.key}            the current key (the node's Key)
  ${ENV.previousKeys}  the older keys, one per line (the node's Older keys)
  ${ENV.postgresUrl}   with --postgres: the database (the node's PostgreSQL URL)

--status   prints the counts only; rewraps nothing.
Exit status: 0 when no Item is left under an older key, 3 when some are (unreadable, or under a key not given), 1 on
an error, 2 for a wrong command line.`;

function describe(usage: KeyUsage): string {
  const lines = usage.keys.map((key) => {
    const role = key.role === 'current' ? 'current key' : key.role === 'older' ? `older key ${key.position}` : 'a key not given';
    const note = key.removable ? ' (may be removed)' : key.role === 'current' ? '' : ' (still needed)';
    return `  ${key.id}  ${role}: ${key.items} ${key.items === 1 ? 'Item' : 'Items'}${usage.keyCheck === key.id ? ', the key check' : ''}${note}`;
  });
  return lines.join('\n');
}

const parse = (args: string[]) =>
  parseArgs({
    args,
    allowPositionals: true,
    options: { status: { type: 'boolean' }, batch: { type: 'string' }, postgres: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    console.error(`plaid-item-store-rewrap: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const batch = values.batch === undefined ? DEFAULT_BATCH : Number(values.batch);
  if ((values.postgres ? positionals.length !== 0 : positionals.length !== 1) || !Number.isInteger(batch) || batch < 1) {
    console.error(USAGE);
    return 2;
  }
  let store: ItemStore | undefined;
  try {
    const key = process.env[ENV.key];
    if (!key) throw new Error(`${ENV.key} is not set: it must hold the store's current key`);
    const cipher = new TokenCipher(key, parseOlderKeys(process.env[ENV.previousKeys]));
    const url = process.env[ENV.postgresUrl];
    if (values.postgres && !url) throw new Error(`${ENV.postgresUrl} is not set: it must hold the store's PostgreSQL URL`);
    const storage = values.postgres ? new PostgresStorage({ url: url as string }) : new SqliteStorage({ file: positionals[0] });
    store = new ItemStore(storage, cipher);
    await store.open();
    let usage = await store.keyUsage();
    if (!values.status) {
      let done = 0;
      for (;;) {
        const result = await store.rewrap({ limit: batch });
        done += result.rewrapped;
        usage = result;
        console.log(`rewrapped ${done} so far; ${result.pending} left under older keys`);
        if (result.rewrapped === 0 || result.pending === 0) {
          if (result.unreadable.length) console.log(`unreadable under every key given: ${result.unreadable.join(', ')}`);
          break;
        }
      }
    }
    console.log(`${usage.items} Items; keys:\n${describe(usage)}`);
    return usage.pending === 0 && usage.keyCheck === usage.current ? 0 : 3;
  } catch (err) {
    console.error(`plaid-item-store-rewrap: ${(err as Error).message}`);
    return 1;
  } finally {
    await store?.close().catch(() => undefined);
  }
}

// main reports its own failures and resolves to the exit code.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
