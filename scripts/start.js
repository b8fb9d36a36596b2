#!/usr/bin/env node
'use strict';
// `npm start`: the local Plaid emulator and Node-RED (this repository's node-red devDependency) on 127.0.0.1, with
// this package loaded and a demo tab deployed. With PLAID_CLIENT_ID, PLAID_SECRET and PLAID_ENV=sandbox|production
// set, the demo's config node points at Plaid instead of the emulator.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { execFileSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const pkg = require('../package.json');

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
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= Math.max(newest(path.join(ROOT, 'src')), newest(path.join(ROOT, 'nodes')))) return;
  console.log('Building...');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js')], { stdio: 'inherit' });
}

/** Where the demo's config node points: Plaid when the environment says so, else a fresh local emulator. */
async function plaidTarget() {
  const env = process.env.PLAID_ENV;
  if (process.env.PLAID_CLIENT_ID && process.env.PLAID_SECRET && (env === 'sandbox' || env === 'production')) {
    return { environment: env, clientId: process.env.PLAID_CLIENT_ID, secret: process.env.PLAID_SECRET, label: `Plaid ${env}` };
  }
  const emulator = await require('../dist/emulator').start({ port: Number(args['emulator-port']), host: '127.0.0.1' });
  return { environment: 'custom', baseUrl: emulator.url, clientId: emulator.clientId, secret: emulator.secret, label: `Plaid emulator: ${emulator.url}`, emulator };
}

/** The userDir: this package linked into its node_modules, the demo flow, and credentials in their own file. */
function prepareUserDir(userDir, flows, configId, target) {
  const link = path.join(userDir, 'node_modules', ...pkg.name.split('/'));
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(ROOT, link, 'dir');
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
  // credentialSecret: false keeps this file readable for the demo; it stays out of flows.json all the same.
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ [configId]: { clientId: target.clientId, secret: target.secret } }, null, 2));
}

async function main() {
  buildIfNeeded();
  const { demoFlow } = require('./demo-flow');
  const RED = require('node-red');

  const userDir = path.resolve(args['user-dir']);
  fs.mkdirSync(userDir, { recursive: true });
  const target = await plaidTarget();

  // Mounted as Node-RED's own launcher does (red.js), on the express it ships with.
  const express = require(require.resolve('express', { paths: [path.dirname(require.resolve('node-red/package.json'))] }));
  const app = express();
  const server = http.createServer(app);
  await new Promise((resolve, reject) => server.once('error', reject).listen(Number(args.port), '127.0.0.1', resolve));
  const editorUrl = `http://127.0.0.1:${server.address().port}/`;
  process.env.NOTIFY_URL ??= `${editorUrl}demo/notify`;

  const { flows, configId } = demoFlow({ environment: target.environment, baseUrl: target.baseUrl, webhookBase: editorUrl.replace(/\/$/, '') });
  prepareUserDir(userDir, flows, configId, target);
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    uiHost: '127.0.0.1',
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    editorTheme: { projects: { enabled: false }, tours: false },
    logging: { console: { level: 'info', metrics: false, audit: false } },
  });
  app.use('/', RED.httpAdmin);
  app.use('/', RED.httpNode);
  await RED.start();

  console.log(`\n${target.label}`);
  console.log(`Node-RED editor: ${editorUrl}`);
  console.log('Press Ctrl-C to stop.\n');

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping Node-RED${target.emulator ? ' and the emulator' : ''}`);
    await RED.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    if (target.emulator) await target.emulator.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  console.error(`npm start: ${err.message}`);
  process.exit(1);
});
