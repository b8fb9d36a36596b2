#!/usr/bin/env node
'use strict';
// `npm start`: the local Plaid emulator and Node-RED (this repository's node-red devDependency) on 127.0.0.1, with
// this package loaded and a demo tab deployed. With PLAID_CLIENT_ID, PLAID_SECRET and PLAID_ENV=sandbox|production
// set, the demo's config node points at Plaid instead of the emulator.
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { execFileSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const STOP_DEADLINE_MS = 5000;
const PARENT_POLL_MS = 250;

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT || '1880' },
    'emulator-port': { type: 'string', default: '7878' },
    'user-dir': { type: 'string', default: path.join(ROOT, '.node-red-demo') },
  },
});

function buildIfNeeded() {
  const newest = (dir) => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).reduce((t, e) => Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs), 0);
  const built = path.join(ROOT, 'dist', 'nodes', 'plaid-endpoints.js');
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= Math.max(...['src', 'nodes', 'plugins'].map((dir) => newest(path.join(ROOT, dir))))) return;
  console.log('Building...');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js')], { stdio: 'inherit' });
}

/**
 * Where the demo's config node points: Plaid when the environment says so, else a fresh local emulator.
 * @returns {Promise<{environment: import('../dist/plaid/environments').PlaidEnvironment, baseUrl?: string, clientId: string, secret: string, label: string, emulator?: any}>}
 */
async function plaidTarget() {
  const env = process.env.PLAID_ENV;
  if (process.env.PLAID_CLIENT_ID && process.env.PLAID_SECRET && (env === 'sandbox' || env === 'production')) {
    return { environment: env, clientId: process.env.PLAID_CLIENT_ID, secret: process.env.PLAID_SECRET, label: `Plaid ${env}` };
  }
  const emulator = await require('../dist/emulator').start({ port: Number(args['emulator-port']), host: '127.0.0.1' });
  return { environment: 'custom', baseUrl: emulator.url, clientId: emulator.clientId, secret: emulator.secret, label: `Plaid emulator: ${emulator.url}`, emulator };
}

async function main() {
  buildIfNeeded();
  const { demoFlow, freshDemoStore } = require('./demo-flow');
  const { startNodeRed, writeFlows } = require('./lib/embedded-node-red');
  const { baseUrlFor } = require('../dist/plaid/environments');

  const userDir = path.resolve(args['user-dir']);
  const target = await plaidTarget();

  const nodeRed = await startNodeRed({
    userDir,
    port: Number(args.port),
    settings: { logging: { console: { level: 'info', metrics: false, audit: false } } },
    // The demo's webhook base URL is Node-RED's own address, known once it listens.
    beforeStart: ({ url }) => {
      const { flows, configId, storeId } = demoFlow({ environment: target.environment, baseUrl: target.baseUrl, webhookBase: url });
      // `host`: the base URL the secret is for; the config node refuses to send it anywhere else.
      const host = baseUrlFor(target.environment, target.baseUrl);
      writeFlows(userDir, flows, { [configId]: { clientId: target.clientId, secret: target.secret, host }, [storeId]: freshDemoStore(userDir) });
    },
  });

  console.log(`\n${target.label}`);
  console.log(`Node-RED editor: ${nodeRed.url}/`);
  console.log(`The editor answers only at ${nodeRed.url} (no other host name); flows and credentials are in ${userDir}, readable by you alone.`);
  console.log('Press Ctrl-C to stop.\n');

  let stopping = false;
  const stop = async (why) => {
    if (stopping) return;
    stopping = true;
    console.log(`${why}: stopping Node-RED${target.emulator ? ' and the emulator' : ''}`);
    // A stop that hangs must not keep the ports: give up after a few seconds.
    setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
    await nodeRed.stop();
    if (target.emulator) await target.emulator.stop();
    process.exit(0);
  };
  // A terminal's Ctrl-C reaches this process and npm alike (npm forwards it once more: `on`, not `once`).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(signal));
  // `npm start` runs this under `sh -c`, which does not pass on a signal sent to npm alone; the script says `exec`, so
  // the shell becomes this process and npm's forwarded signal lands here. Should whatever started this process go
  // away without a signal (killed outright, or a wrapper without `exec`), this process stops as well.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop('the parent process exited');
  }, PARENT_POLL_MS).unref();
}

main().catch((err) => {
  console.error(`npm start: ${err.message}`);
  process.exit(1);
});
