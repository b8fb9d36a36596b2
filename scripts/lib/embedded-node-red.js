'use strict';
// Node-RED embedded in this process, as its own launcher (red.js) mounts it: this repository's node-red
// devDependency, a userDir whose node_modules links this package, flows in flows.json and credentials in
// flows_cred.json (never in flows.json). Used by `npm start`, the browser suite, the reliability suite and the
// benchmarks.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const PACKAGE_NAME = require('../../package.json').name;

/** Links this package into `userDir`/node_modules, where Node-RED's loader finds installed packages. */
function linkPackage(userDir) {
  const link = path.join(userDir, 'node_modules', ...PACKAGE_NAME.split('/'));
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(ROOT, link, 'dir');
}

/** Writes the flows and, beside them, their credentials (plain: the settings use credentialSecret: false). */
function writeFlows(userDir, flows, credentials = {}) {
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials, null, 2));
}

/**
 * Starts Node-RED with the editor and admin API and the flows' routes both at '/'.
 * @param {object} options
 * @param {string} options.userDir
 * @param {number} [options.port] 0 picks a free one
 * @param {object} [options.settings] merged over the defaults below
 * @param {(started: {app: object, RED: object, url: string}) => (void|Promise<void>)} [options.beforeStart] runs
 *   once the URL is known and before the flows start: write the flows there, add routes of the caller's to `app`
 * @returns {Promise<{RED: object, app: object, server: http.Server, url: string, stop: () => Promise<void>}>}
 */
async function startNodeRed({ userDir, port = 0, settings = {}, beforeStart }) {
  fs.mkdirSync(userDir, { recursive: true });
  linkPackage(userDir);
  const RED = require('node-red');
  // The express that Node-RED ships with, so the root app is the one its routes expect.
  const express = require(require.resolve('express', { paths: [path.dirname(require.resolve('node-red/package.json'))] }));
  const app = express();
  const server = http.createServer(app);
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    uiHost: '127.0.0.1',
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    editorTheme: { projects: { enabled: false }, tours: false },
    // Nothing from outside: no palette installs, no update checks, no telemetry.
    externalModules: { palette: { allowInstall: false } },
    functionExternalModules: false,
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false },
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    ...settings,
  });
  if (beforeStart) await beforeStart({ app, RED, url });
  app.use('/', RED.httpAdmin);
  app.use('/', RED.httpNode);
  await RED.start();
  return {
    RED,
    app,
    server,
    url,
    async stop() {
      await RED.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

module.exports = { startNodeRed, linkPackage, writeFlows };
