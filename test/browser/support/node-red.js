'use strict';
// An embedded Node-RED (the public embedding API only: RED.init, httpAdmin, httpNode, start, stop) whose userDir
// finds this package through node_modules/<name> → the repository, with seeded flows and credentials.
// PLAID_NODE_RED=/path/to/node_modules/node-red runs it against another Node-RED install (e.g. 5.x).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

const root = path.join(__dirname, '..', '..', '..');
const pkg = require(path.join(root, 'package.json'));
const nodeRedDir = path.dirname(require.resolve(path.join(process.env.PLAID_NODE_RED || 'node-red', 'package.json'), { paths: [root] }));
const RED = require(nodeRedDir);
// express as Node-RED itself resolves it, so the app and Node-RED's routers agree on the version.
const express = require(require.resolve('express', { paths: [nodeRedDir] }));

/**
 * Starts Node-RED on 127.0.0.1:<free port> with `flows` and `credentials` (by node id) seeded: credentials go to
 * flows_cred.json unencrypted (credentialSecret: false), never into flows.json.
 */
async function startNodeRed({ flows, credentials }) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-browser-'));
  const link = path.join(userDir, 'node_modules', ...pkg.name.split('/'));
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(root, link, 'dir');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: { [pkg.name]: '*' } }));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials, null, 2));

  const settings = {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    uiHost: '127.0.0.1',
    functionExternalModules: false,
    externalModules: { palette: { allowInstall: false } },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false },
    editorTheme: { tours: false, projects: { enabled: false } },
    logging: { console: { level: process.env.PLAID_NODE_RED_LOG || 'warn', metrics: false, audit: false } },
  };

  const app = express();
  const server = http.createServer(app);
  RED.init(server, settings);
  app.use(settings.httpAdminRoot, RED.httpAdmin);
  app.use(settings.httpNodeRoot, RED.httpNode);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  await RED.start();
  const url = `http://127.0.0.1:${server.address().port}/`;

  return {
    url,
    userDir,
    version: RED.version(),
    async stop() {
      await RED.stop();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

module.exports = { startNodeRed, pkg, root };
