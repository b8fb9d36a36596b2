'use strict';
// The plaid-emulator command: starts, prints its URL, answers, stops cleanly on SIGINT / SIGTERM.
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const { assertPlaidError, distDir } = require('./helpers');

const CLI = path.join(distDir, 'emulator/cli.js');

function launch(args) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 5000);
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, output })));
  return { child, url, exit };
}

describe('emulator: CLI', () => {
  it('starts, prints its URL, answers with the given keys, stops on SIGINT', async () => {
    const { child, url, exit } = launch(['--port', '0', '--client-id', 'cli-id', '--secret', 'cli-secret', '--time-factor', '0.01']);
    const base = await url;
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${base}/sandbox/public_token/create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': 'cli-id', 'PLAID-SECRET': 'cli-secret' },
      body: JSON.stringify({ institution_id: 'ins_109508', initial_products: ['auth'] }),
    });
    assert.equal(response.status, 200);
    const wrongKeys = await fetch(`${base}/item/get`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': 'emulator-client-id', 'PLAID-SECRET': 'emulator-secret' },
      body: JSON.stringify({ access_token: 'access-sandbox-x' }),
    });
    assertPlaidError(await wrongKeys.json(), { status: 400, type: 'INVALID_INPUT', code: 'INVALID_API_KEYS' });
    child.kill('SIGINT');
    const { code } = await exit;
    assert.equal(code, 0);
  });

  it('stops on SIGTERM too', async () => {
    const { child, url, exit } = launch(['--port', '0']);
    await url;
    child.kill('SIGTERM');
    assert.equal((await exit).code, 0);
  });

  it('--help prints usage with the defaults; a bad option fails with status 2', () => {
    const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--port <n>.*default 7878/);
    assert.match(help.stdout, /emulator-client-id/);
    assert.match(help.stdout, /emulator-secret/);
    const bad = spawnSync(process.execPath, [CLI, '--time-factor', 'fast'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--time-factor/);
  });
});
