'use strict';
// The browser suite's Node-RED: the project's embedded launcher on a fresh userDir with seeded flows and
// credentials (credentials in flows_cred.json, never in flows.json).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const embedded = require('../../../scripts/lib/embedded-node-red');

const root = path.join(__dirname, '..', '..', '..');
const pkg = require(path.join(root, 'package.json'));

/**
 * Turns off the editor's rotating tips in `userDir` (its anonymous user's settings, .config.users.json): Node-RED 5
 * can fire the first tip before the info sidebar has built the panel it writes to, a page error ("Cannot read
 * properties of undefined (reading 'html')") of the editor's own that the suite would count against the page.
 */
function withoutTips(userDir) {
  const file = path.join(userDir, '.config.users.json');
  if (!fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify({ _: { editor: { view: { 'view-show-tips': false } } } }), { mode: 0o600 });
}

/** `settings` are merged over the launcher's (functionGlobalContext, to hand flows a recorder). */
async function startNodeRed({ flows, credentials, settings = {} }) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-browser-'));
  const nodeRed = await embedded.startNodeRed({
    userDir,
    settings: { logging: { console: { level: process.env.PLAID_NODE_RED_LOG || 'warn', metrics: false, audit: false } }, ...settings },
    beforeStart: () => {
      embedded.writeFlows(userDir, flows, credentials);
      withoutTips(userDir);
    },
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

module.exports = { startNodeRed, withoutTips, pkg, root };
