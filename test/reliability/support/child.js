'use strict';
// Drives support/red-child.js from the test process: spawn, deploy and inject through the Admin API, read the probe
// and the recorder, listen to the editor's comms websocket, stop.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { until, json } = require('./util');
const { connectComms } = require('../../support/comms');

const LAUNCHER = path.join(__dirname, 'red-child.js');

class RedChild {
  constructor() {
    /** @type {string} */
    this.userDir = '';
    /** Everything the child printed, stdout and stderr. */
    this.output = '';
    /** @type {import('node:child_process').ChildProcess} */
    this.process = undefined;
    /** @type {Promise<{code: number | null, signal: NodeJS.Signals | null}>} */
    this.exit = undefined;
    /** The child's Node-RED base URL, once it is ready. */
    this.url = '';
  }

  /**
   * `recordFile`: the recorder also appends every record to this file (kept after a SIGKILL).
   * @param {{env?: Record<string, string>, logLevel?: string, label?: string, recordFile?: string}} [options]
   */
  static async start({ env = {}, logLevel = 'info', label = 'red', recordFile = undefined } = {}) {
    const child = new RedChild();
    child.userDir = fs.mkdtempSync(path.join(os.tmpdir(), `plaid-reliability-${label}-`));
    child.output = '';
    const extra = recordFile ? ['--record-file', recordFile] : [];
    child.process = spawn(process.execPath, ['--expose-gc', LAUNCHER, '--port', '0', '--user-dir', child.userDir, '--log-level', logLevel, ...extra], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.exit = new Promise((resolve) => child.process.once('exit', (code, signal) => resolve({ code, signal })));
    child.process.stdout.on('data', (d) => (child.output += d));
    child.process.stderr.on('data', (d) => (child.output += d));
    let exited = false;
    void child.exit.then(() => (exited = true));
    await until('Node-RED to start', () => {
      if (exited) throw new Error(`red-child exited:\n${child.output}`);
      return /RELIABILITY-READY (\S+)/.test(child.output);
    }, 60000, 50);
    child.url = /RELIABILITY-READY (\S+)/.exec(child.output)[1];
    return child;
  }

  get pid() {
    return this.process.pid;
  }

  /** POST /flows; resolves to the new revision. */
  async deploy(flows, type = 'full') {
    const res = await json(`${this.url}/flows`, { method: 'POST', body: { flows }, headers: { 'Node-RED-Deployment-Type': type, 'Node-RED-API-Version': 'v2' } });
    if (res.status !== 200 && res.status !== 204) throw new Error(`deploy answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body && res.body.rev;
  }

  /** Clicks an inject node once the deployed flows have started. */
  async inject(id) {
    await until(`inject ${id}`, async () => (await fetch(`${this.url}/inject/${id}`, { method: 'POST' })).status === 200, 15000, 50);
  }

  async probe(gc = false) {
    return (await json(`${this.url}/_reliability/probe${gc ? '?gc=1' : ''}`)).body;
  }

  async records(since = 0) {
    return (await json(`${this.url}/_reliability/records?since=${since}`)).body.records;
  }

  /** The Admin API's flow export, as text. */
  async flowsText() {
    const res = await fetch(`${this.url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
    return res.text();
  }

  /** Connects to the editor's comms socket; every message published (debug, status/#, notification/#, ...) is kept. */
  comms() {
    return connectComms(this.url);
  }

  async stop() {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 15000);
      await this.exit;
      clearTimeout(timer);
    }
    fs.rmSync(this.userDir, { recursive: true, force: true });
    return this.exit;
  }
}

/** A function node's body that hands `expr` to the child's recorder under `kind`. */
const recordFunc = (kind, expr) => `global.get('reliabilityRecorder').record(${JSON.stringify(kind)}, ${expr});\nreturn null;`;

module.exports = { RedChild, recordFunc };
