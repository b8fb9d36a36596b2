'use strict';
// `npm start` stops on a signal sent to the npm process alone, as a process manager sends it: npm runs the launcher
// under `sh -c`, which does not pass the signal on, and the launcher must not be left behind holding its ports.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { until } = require('../reliability/support/util');

const ROOT = path.join(__dirname, '..', '..');

const portOpen = (url) => new Promise((resolve) => {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname, () => {
    socket.destroy();
    resolve(true);
  });
  socket.once('error', () => resolve(false));
});

/** Pids of the processes whose command line names `marker`. */
function pidsNaming(marker) {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  }).map(Number);
}

describe('npm start and signals sent to npm alone', function () {
  this.timeout(90000);

  for (const signal of ['SIGTERM', 'SIGINT']) {
    it(`${signal} to the npm pid stops Node-RED and the emulator within a few seconds`, async () => {
      const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-npm-start-'));
      const npm = spawn('npm', ['start', '--', '--port', '0', '--emulator-port', '0', '--user-dir', userDir], {
        cwd: ROOT,
        env: { ...process.env, PLAID_CLIENT_ID: '', PLAID_SECRET: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      npm.stdout.on('data', (d) => (output += d));
      npm.stderr.on('data', (d) => (output += d));
      try {
        await until('npm start to print its URLs', () => /Node-RED editor: (\S+)/.test(output), 60000);
        const editor = /Node-RED editor: (\S+)/.exec(output)[1];
        const emulator = /Plaid emulator: (\S+)/.exec(output)[1];
        const launcher = pidsNaming(userDir).filter((pid) => pid !== npm.pid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('scripts/start.js'));
        assert.ok(await portOpen(editor) && await portOpen(emulator));
        assert.ok(launcher.length > 0, 'the launcher runs in a process of its own below npm');

        const sent = Date.now();
        process.kill(npm.pid, signal);
        await until('both ports to close', async () => !(await portOpen(editor)) && !(await portOpen(emulator)), 5000);
        await until('the launcher process to exit', () => pidsNaming(userDir).length === 0, 5000);
        const took = Date.now() - sent;
        assert.ok(took < 5000, `${took} ms`);
        assert.match(output, /stopping Node-RED and the emulator/);
      } finally {
        for (const pid of pidsNaming(userDir)) process.kill(pid, 'SIGKILL');
        fs.rmSync(userDir, { recursive: true, force: true });
      }
    });
  }
});
