#!/usr/bin/env node
'use strict';
// A whole Node-RED (the repository's embedded launcher) doing exchanges in a loop against the emulator:
// inject -> sandbox public token -> public token exchange (with the Item store) -> report -> sandbox public token ...
// The report function prints "SAVED <item_id>" for each output of the exchange node, synchronously on stdout,
// before it asks for the next public token. The parent kills it with SIGKILL at a random moment.
// Env: USER_DIR, STORE_KEY, RUN, PLAID_URL, PLAID_CLIENT_ID, PLAID_SECRET.
const { startNodeRed, writeFlows } = require('../../../scripts/lib/embedded-node-red');

const report = {
  saved(itemId) {
    process.stdout.write(`SAVED ${itemId}\n`);
  },
  failed(message) {
    process.stderr.write(`caught: ${message}\n`);
    process.exit(3);
  },
};

const flows = [
  { id: 'tab', type: 'tab', label: 'durability' },
  { id: 'cfg', type: 'plaid-config', name: 'emulator', environment: 'custom', baseUrl: process.env.PLAID_URL, timeout: 5000, retries: 2 },
  { id: 'store', type: 'plaid-item-store', name: 'durability', backend: 'sqlite', file: 'plaid-items.db' },
  { id: 'start', z: 'tab', type: 'inject', once: true, onceDelay: 0, repeat: '', props: [{ p: 'payload' }], payload: '', payloadType: 'str', wires: [['public-token']] },
  { id: 'public-token', z: 'tab', type: 'plaid-sandbox-public-token-create', plaid: 'cfg', wires: [['exchange']] },
  {
    id: 'exchange', z: 'tab', type: 'plaid-item-public-token-exchange', plaid: 'cfg', store: 'store',
    client_user_id: `${process.env.RUN}-user`, client_user_idType: 'str', wires: [['saved']],
  },
  {
    id: 'saved', z: 'tab', type: 'function', wires: [['public-token']],
    func: "global.get('durability').saved(msg.payload.item_id); msg.payload = {}; return msg;",
  },
  // Nothing may fail silently: a caught error ends the run (the parent sees it exit by itself).
  { id: 'catch', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['failed']] },
  { id: 'failed', z: 'tab', type: 'function', wires: [], func: "global.get('durability').failed(msg.error.message); return null;" },
];

startNodeRed({
  userDir: process.env.USER_DIR,
  settings: {
    functionGlobalContext: { durability: report },
    logging: { console: { level: 'error', metrics: false, audit: false } },
  },
  beforeStart() {
    writeFlows(process.env.USER_DIR, flows, {
      cfg: { clientId: process.env.PLAID_CLIENT_ID, secret: process.env.PLAID_SECRET },
      store: { encryptionKey: process.env.STORE_KEY },
    });
  },
}).then(
  () => process.stdout.write('READY\n'),
  (err) => {
    process.stderr.write(`red-exchange-child: ${err.stack || err}\n`);
    process.exit(1);
  },
);
