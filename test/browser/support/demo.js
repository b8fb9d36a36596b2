'use strict';
// The `npm start` demo for the browser suite: the local emulator and the embedded launcher in this process, the demo
// tab deployed with its credentials (the emulator's client, a fresh store key), notices kept in the demo's own
// outbox, and the helpers the tests use to click its buttons and read what came out.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const embedded = require('../../../scripts/lib/embedded-node-red');
const { demoFlow, freshDemoStore, OUTBOX_PATH } = require('../../../scripts/demo-flow');
const { start: startEmulator } = require('../../../dist/emulator');
const { connectComms } = require('../../support/comms');
const { until } = require('../../support/until');


/**
 * @param {{reminders?: string}} [options] the repair loop's reminders (the demo's own when absent)
 */
async function startDemo({ reminders = undefined } = {}) {
  const emulator = await startEmulator({ port: 0 });
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-browser-demo-'));
  let flows;
  const nodeRed = await embedded.startNodeRed({
    userDir,
    settings: { logging: { console: { level: process.env.PLAID_NODE_RED_LOG || 'warn', metrics: false, audit: false } } },
    beforeStart: ({ url }) => {
      const made = demoFlow({ environment: 'custom', baseUrl: emulator.url, webhookBase: url, reminders });
      flows = made.flows;
      embedded.writeFlows(userDir, flows, {
        [made.configId]: { clientId: emulator.clientId, secret: emulator.secret },
        [made.storeId]: freshDemoStore(userDir),
      });
    },
  });
  const comms = await connectComms(nodeRed.url);
  const demo = {
    url: nodeRed.url,
    emulator,
    flows,
    comms,
    outboxUrl: `${nodeRed.url}${OUTBOX_PATH}`,
    /** The demo node of `type` named `name` in the group whose name starts with `groupPrefix`. */
    node(groupPrefix, type, name) {
      const group = flows.find((n) => n.type === 'group' && n.name.startsWith(groupPrefix));
      const node = flows.find((n) => n.g === group.id && n.type === type && n.name === name);
      if (!node) throw new Error(`no ${type} "${name}" in ${groupPrefix}`);
      return node;
    },
    async click(injectId) {
      await until(`inject ${injectId}`, async () => (await fetch(`${nodeRed.url}/inject/${injectId}`, { method: 'POST' })).status === 200);
    },
    /** {notifications, items}: what the outbox holds and the store's records. */
    async outbox() {
      return (await fetch(`${demo.outboxUrl}?format=json`)).json();
    },
    async stop() {
      comms.close();
      await nodeRed.stop();
      await emulator.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
  return demo;
}

module.exports = { startDemo, until };
