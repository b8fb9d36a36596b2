'use strict';
// The browser suite's Node-RED: the project's embedded launcher on a fresh userDir with seeded flows and
// credentials (credentials in flows_cred.json, never in flows.json).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const embedded = require('../../../scripts/lib/embedded-node-red');

const root = path.join(__dirname, '..', '..', '..');
const pkg = require(path.join(root, 'package.json'));

/** `settings` are merged over the launcher's (functionGlobalContext, to hand flows a recorder). */
async function startNodeRed({ flows, credentials, settings = {} }) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-browser-'));
  const nodeRed = await embedded.startNodeRed({
    userDir,
    settings: { logging: { console: { level: process.env.PLAID_NODE_RED_LOG || 'warn', metrics: false, audit: false } }, ...settings },
    beforeStart: () => embedded.writeFlows(userDir, flows, credentials),
  });
  return {
    url: `${nodeRed.url}/`,
    userDir,
    version: nodeRed.RED.version(),
    async stop() {
      await nodeRed.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

module.exports = { startNodeRed, pkg, root };
