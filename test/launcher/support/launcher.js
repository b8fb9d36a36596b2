'use strict';
// The embedded launcher (scripts/lib/embedded-node-red.js) in a child process, as npm start and the suites run it:
// `Launcher.start({ userDir, seed })` writes `seed` ({flows, credentials}) through writeFlows before the flows
// start (or, without one, loads what the userDir holds), and resolves once Node-RED listens.
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { readBody } = require('../../support/read-body');
const { until } = require('../../reliability/support/util');

const CHILD = `
const fs = require('node:fs');
const { startNodeRed, writeFlows } = require(${JSON.stringify(path.join(__dirname, '..', '..', '..', 'scripts', 'lib', 'embedded-node-red'))});
const [userDir, seedFile] = process.argv.slice(1);
startNodeRed({
  userDir,
  settings: { logging: { console: { level: 'warn', metrics: false, audit: false } } },
  beforeStart() {
    if (seedFile) {
      const { flows, credentials } = JSON.parse(fs.readFileSync(seedFile, 'utf8'));
      writeFlows(userDir, flows, credentials);
    }
  },
}).then((red) => {
  console.log('LAUNCHER-READY ' + red.url);
  process.once('SIGTERM', () => red.stop().then(() => process.exit(0)));
});
`;

class Launcher {
  constructor() {
    /** @type {string} */
    this.userDir = '';
    /** Everything the launcher printed, stdout and stderr. */
    this.output = '';
    /** @type {string | undefined} */
    this.seedFile = undefined;
    /** @type {import('node:child_process').ChildProcess} */
    this.process = undefined;
    /** @type {Promise<unknown>} */
    this.exit = undefined;
    /** The editor's URL, once it is ready. */
    this.url = '';
  }

  static async start({ userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-launcher-')), seed = undefined } = {}) {
    const launcher = new Launcher();
    launcher.userDir = userDir;
    launcher.output = '';
    const args = ['-e', CHILD, userDir];
    if (seed) {
      const seedFile = path.join(os.tmpdir(), `plaid-launcher-seed-${process.pid}-${Date.now()}.json`);
      fs.writeFileSync(seedFile, JSON.stringify(seed));
      args.push(seedFile);
      launcher.seedFile = seedFile;
    }
    launcher.process = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    launcher.process.stdout.on('data', (d) => (launcher.output += d));
    launcher.process.stderr.on('data', (d) => (launcher.output += d));
    launcher.exit = new Promise((resolve) => launcher.process.once('exit', resolve));
    await until('the launcher to start', () => {
      if (launcher.process.exitCode !== null) throw new Error(`launcher exited:\n${launcher.output}`);
      return /LAUNCHER-READY (\S+)/.test(launcher.output);
    }, 60000);
    launcher.url = /LAUNCHER-READY (\S+)/.exec(launcher.output)[1];
    return launcher;
  }

  async stop() {
    if (this.seedFile) fs.rmSync(this.seedFile, { force: true });
    if (this.process.exitCode === null) {
      this.process.kill('SIGTERM');
      await this.exit;
    }
  }
}

/** A raw request, so that Host and Origin are exactly what a test says (fetch sets Host itself). */
function request(url, { method = 'GET', headers = {}, body = undefined } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      readBody(res).then((raw) => resolve({ status: res.statusCode, headers: res.headers, text: raw.toString('utf8') }), reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** Asks for the editor's comms WebSocket with the given Host; resolves to the HTTP status, or 'closed'. */
function upgrade(url, host) {
  return new Promise((resolve) => {
    const req = http.request(`${url}/comms`, {
      headers: { host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.once('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode);
    });
    req.once('response', (res) => resolve(res.statusCode));
    req.once('error', () => resolve('closed'));
    req.end();
  });
}

module.exports = { Launcher, request, upgrade };
