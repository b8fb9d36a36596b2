'use strict';
// Node-RED embedded in this process, as its own launcher (red.js) mounts it: this repository's node-red
// devDependency, a userDir whose node_modules links this package, flows in flows.json and credentials in
// flows_cred.json (never in flows.json), encrypted with a credentialSecret generated once and kept in the userDir.
// Used by `npm start`, the browser suite, the reliability suite and the benchmarks.
//
// It is meant for one person's machine: the editor and the Admin API answer only requests addressed to the
// loopback URL it prints (a page on another site, or a DNS name rebound to 127.0.0.1, gets 403), send no CORS
// headers, and every file it or Node-RED writes in the userDir is readable by the owner alone (0600, directories
// 0700). Anything beyond a laptop needs Node-RED's adminAuth (see the README).
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const PACKAGE_NAME = require('../../package.json').name;
const SECRET_FILE = 'credential-secret';
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Links this package into `userDir`/node_modules, where Node-RED's loader finds installed packages. */
function linkPackage(userDir) {
  const link = path.join(userDir, 'node_modules', ...PACKAGE_NAME.split('/'));
  fs.mkdirSync(path.dirname(link), { recursive: true, mode: DIR_MODE });
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(ROOT, link, 'dir');
}

/** Makes what is already in `userDir` private (a userDir from an older launcher has 0644 files). */
function tightenModes(userDir) {
  fs.chmodSync(userDir, DIR_MODE);
  for (const entry of fs.readdirSync(userDir, { withFileTypes: true })) {
    const full = path.join(userDir, entry.name);
    if (entry.isSymbolicLink() || entry.name === 'node_modules') continue;
    if (entry.isDirectory()) tightenModes(full);
    else if (entry.isFile()) fs.chmodSync(full, FILE_MODE);
  }
}

function writePrivate(file, text) {
  fs.writeFileSync(file, text, { mode: FILE_MODE });
  fs.chmodSync(file, FILE_MODE); // writeFileSync keeps the mode of a file that already exists
}

/** The userDir's credentialSecret: generated on first use, then read back (so restarts decrypt what they wrote). */
function credentialSecret(userDir) {
  fs.mkdirSync(userDir, { recursive: true, mode: DIR_MODE });
  const file = path.join(userDir, SECRET_FILE);
  try {
    const kept = fs.readFileSync(file, 'utf8').trim();
    if (kept) return kept;
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  const secret = crypto.randomBytes(32).toString('hex');
  writePrivate(file, `${secret}\n`);
  return secret;
}

/**
 * Credentials as Node-RED's runtime stores them with a credentialSecret (@node-red/runtime, nodes/credentials.js):
 * {"$": hex IV + base64 of aes-256-ctr over the JSON, keyed by the secret's SHA-256}. Node-RED decrypts this
 * file at start; test/launcher/exposure.test.js checks that it does.
 */
function encryptCredentials(secret, credentials) {
  const key = crypto.createHash('sha256').update(secret).digest();
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv('aes-256-ctr', key, iv);
  const body = cipher.update(JSON.stringify(credentials), 'utf8', 'base64') + cipher.final('base64');
  return { $: iv.toString('hex') + body };
}

/** Writes the flows and, beside them, their credentials encrypted with the userDir's credentialSecret. */
function writeFlows(userDir, flows, credentials = {}) {
  const secret = credentialSecret(userDir);
  writePrivate(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
  writePrivate(path.join(userDir, 'flows_cred.json'), JSON.stringify(encryptCredentials(secret, credentials), null, 2));
}

/**
 * Lets through only what is addressed to `origin` (http://127.0.0.1:<port>): Host that host, and Origin, when a
 * browser sends one, that origin. Anything else reaches the flows' own routes (webhooks arrive through tunnels
 * and proxies under other names) or is answered 403: it never reaches the editor or the Admin API.
 */
function loopbackOnly(origin, nodeRoutes) {
  const host = new URL(origin).host;
  const refuse = (res) => res.status(403).type('text/plain').send(`Forbidden: the editor answers only ${origin}\n`);
  return {
    isOwn: (req) => req.headers.host === host && (req.headers.origin === undefined || req.headers.origin === origin),
    middleware(req, res, next) {
      if (this.isOwn(req)) return next();
      return nodeRoutes(req, res, () => refuse(res));
    },
  };
}

/** The admin app answers every request with `Access-Control-Allow-Origin: *`; this takes it off again. */
function noCors(req, res, next) {
  for (const name of ['Access-Control-Allow-Origin', 'Access-Control-Allow-Methods']) res.removeHeader(name);
  next();
}

/**
 * Starts Node-RED with the editor and admin API and the flows' routes both at '/'.
 * @param {object} options
 * @param {string} options.userDir
 * @param {number} [options.port] 0 picks a free one
 * @param {object} [options.settings] merged over the defaults below
 * @param {boolean} [options.link] false: load the package as installed in the userDir (a tarball, say), not linked
 * @param {(started: {app: object, RED: object, url: string}) => (void|Promise<void>)} [options.beforeStart] runs
 *   once the URL is known and before the flows start: write the flows there, add routes of the caller's to `app`
 * @returns {Promise<{RED: object, app: object, server: http.Server, url: string, stop: () => Promise<void>}>}
 */
async function startNodeRed({ userDir, port = 0, settings = {}, beforeStart, link = true }) {
  // Everything Node-RED writes (flows, credentials, its .config files, backups) is for the owner alone.
  process.umask(0o077);
  fs.mkdirSync(userDir, { recursive: true, mode: DIR_MODE });
  tightenModes(userDir);
  if (link) linkPackage(userDir);
  const RED = require('node-red');
  // The express that Node-RED ships with, so the root app is the one its routes expect.
  const express = require(require.resolve('express', { paths: [path.dirname(require.resolve('node-red/package.json'))] }));
  const app = express();
  const server = http.createServer(app);
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve(undefined)));
  const url = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;
  const guard = loopbackOnly(url, (req, res, next) => RED.httpNode(req, res, next));
  // The editor's WebSocket (/comms) is upgraded outside express: refuse foreign hosts there too.
  server.prependListener('upgrade', (req, socket) => {
    if (!guard.isOwn(req)) socket.destroy();
  });
  const { httpAdminMiddleware, ...rest } = settings;
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: credentialSecret(userDir),
    uiHost: '127.0.0.1',
    // Where it listens, as red.js would set it: a config node's default webhook base URL is built from these.
    uiPort: Number(new URL(url).port),
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    httpAdminMiddleware: [noCors, ...[httpAdminMiddleware ?? []].flat()],
    editorTheme: { projects: { enabled: false }, tours: false },
    // Nothing from outside: no palette installs, no update checks, no telemetry.
    externalModules: { palette: { allowInstall: false } },
    functionExternalModules: false,
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false },
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    ...rest,
  });
  if (beforeStart) await beforeStart({ app, RED, url });
  app.use((req, res, next) => guard.middleware(req, res, next));
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

module.exports = { startNodeRed, linkPackage, writeFlows, credentialSecret };
