#!/usr/bin/env node
'use strict';
// A whole Node-RED (the repository's embedded launcher) whose flow saves Items through a `plaid-items` put node in
// a loop: inject -> put -> report -> put ... The report function prints "SAVED <item_id>" for each output of the put
// node, synchronously on stdout, before it sends the next Item. The parent kills it with SIGKILL at a random moment.
// Env: USER_DIR, STORE_KEY, RUN.
const { startNodeRed, writeFlows } = require('../../../scripts/lib/embedded-node-red');
const { tokenFor } = require('./token');

const report = {
  saved(itemId) {
    process.stdout.write(`SAVED ${itemId}\n`);
  },
  next(n) {
    const itemId = `${process.env.RUN}-${n}`;
    return { item_id: itemId, access_token: tokenFor(itemId) };
  },
};

const flows = [
  { id: 'tab', type: 'tab', label: 'durability' },
  { id: 'store', type: 'plaid-item-store', name: 'durability', backend: 'sqlite', file: 'plaid-items.db' },
  { id: 'start', z: 'tab', type: 'inject', once: true, onceDelay: 0, repeat: '', props: [{ p: 'payload' }], payload: '', payloadType: 'str', wires: [['first']] },
  {
    id: 'first', z: 'tab', type: 'function', wires: [['items-put']],
    func: "const r = global.get('durability'); msg.n = 0; msg.payload = r.next(0); return msg;",
  },
  { id: 'items-put', z: 'tab', type: 'plaid-items', store: 'store', operation: 'put', item_id: 'item_id', item_idType: 'msg', statuses: [], wires: [['saved']] },
  {
    id: 'saved', z: 'tab', type: 'function', wires: [['items-put']],
    func: "const r = global.get('durability'); r.saved(msg.payload.item_id); msg.n += 1; msg.payload = r.next(msg.n); return msg;",
  },
];

startNodeRed({
  userDir: process.env.USER_DIR,
  settings: {
    functionGlobalContext: { durability: report },
    logging: { console: { level: 'error', metrics: false, audit: false } },
  },
  beforeStart() {
    writeFlows(process.env.USER_DIR, flows, { store: { encryptionKey: process.env.STORE_KEY } });
  },
}).then(
  () => process.stdout.write('READY\n'),
  (err) => {
    process.stderr.write(`red-store-child: ${err.stack || err}\n`);
    process.exit(1);
  },
);
