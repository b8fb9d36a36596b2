'use strict';
// The e2e suites' launcher: `npm start`'s script (emulator + embedded Node-RED) in a child process on free ports
// and a fresh user directory, and the Admin API calls the suites make.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { until } = require('../support/until');

const ROOT = path.join(__dirname, '..', '..');

async function json(url, options = {}) {
  const res = await fetch(url, { ...options, headers: { 'content-type': 'application/json', ...(options.headers || {}) } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Starts scripts/start.js; resolves once it printed the editor's and the emulator's URLs.
 * @param {{env?: object}} [options] extra environment
 */
async function startLauncher({ env = {} } = {}) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-e2e-'));
  const childEnv = { ...process.env, PLAID_CLIENT_ID: '', PLAID_SECRET: '', ...env };
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.js'), '--port', '0', '--emulator-port', '0', '--user-dir', userDir], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const launcher = { child, userDir, output: '' };
  child.stdout.on('data', (d) => (launcher.output += d));
  child.stderr.on('data', (d) => (launcher.output += d));
  await until('the launcher to print its URLs', () => /Node-RED editor: (\S+)/.test(launcher.output) || child.exitCode !== null, 30000);
  if (child.exitCode !== null) throw new Error(`the launcher exited: ${launcher.output}`);
  launcher.editor = /Node-RED editor: (\S+)/.exec(launcher.output)[1].replace(/\/$/, '');
  launcher.emulator = /Plaid emulator: (\S+)/.exec(launcher.output)[1];
  launcher.stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    fs.rmSync(userDir, { recursive: true, force: true });
  };
  return launcher;
}

/** Clicks an inject node once the deployed flows have started (POST /flows answers before they have). */
async function inject(editor, id) {
  await until(`inject ${id}`, async () => (await fetch(`${editor}/inject/${id}`, { method: 'POST' })).status === 200);
}

module.exports = { until, json, startLauncher, inject, ROOT };
