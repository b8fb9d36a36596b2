#!/usr/bin/env node
// plaid-emulator: runs the emulator until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { DEFAULT_CLIENT_ID, DEFAULT_SECRET, start } from './index';
import { SANDBOX_ITEM_GET_LIMIT } from './options';

const DEFAULT_PORT = 7878;

const USAGE = `Usage: plaid-emulator [options]

A local emulator of Plaid's Item API (sandbox flavour) with signed webhooks, Hosted Link pages under /hl/ and a
control API under /emulator/.

Options:
  --port <n>            port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host <addr>         address to bind (default 127.0.0.1)
  --client-id <id>      accepted PLAID-CLIENT-ID (default ${DEFAULT_CLIENT_ID})
  --secret <secret>     accepted PLAID-SECRET (default ${DEFAULT_SECRET})
  --time-factor <f>     multiplies webhook retry delays and link token / Hosted Link URL lifetimes
                        (default 1; 0.001 turns 30 s into 30 ms)
  --item-get-limit <n>  /item/get calls per Item per minute (default ${SANDBOX_ITEM_GET_LIMIT}; 0 = unlimited)
  --help                show this text
`;

function fail(message: string): never {
  process.stderr.write(`plaid-emulator: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseNumber(name: string, value: string | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || (integer && !Number.isInteger(number))) {
    fail(`--${name} must be a ${integer ? 'non-negative integer' : 'non-negative number'}`);
  }
  return number;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'client-id': { type: 'string' },
        secret: { type: 'string' },
        'time-factor': { type: 'string' },
        'item-get-limit': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const emulator = await start({
    port: parseNumber('port', values.port, DEFAULT_PORT, true),
    host: values.host ?? '127.0.0.1',
    clientId: values['client-id'] ?? DEFAULT_CLIENT_ID,
    secret: values.secret ?? DEFAULT_SECRET,
    timeFactor: parseNumber('time-factor', values['time-factor'], 1, false),
    itemGetLimitPerMinute: parseNumber('item-get-limit', values['item-get-limit'], SANDBOX_ITEM_GET_LIMIT, true),
  });
  const shutdown = (signal: string) => {
    process.stdout.write(`plaid-emulator: ${signal}, stopping\n`);
    emulator.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  // Printed only once the signal handlers are in place: whoever waits for this line may signal at once.
  process.stdout.write(`plaid-emulator listening on ${emulator.url} (client id ${emulator.clientId})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`plaid-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
