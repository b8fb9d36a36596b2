'use strict';
// A throwaway Prometheus for the tests: Debian's `prometheus` package, its configuration and data directory in a
// fresh temporary folder, listening on a free loopback port only, stopped and deleted afterwards.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { freePort } = require('./postgres-server');

const PROMETHEUS = process.env.PLAID_PROMETHEUS || '/usr/bin/prometheus';
const STOP_WAIT_MS = 10_000;

/**
 * Starts Prometheus. JSON is YAML, so the configuration and the objects among `files` are written as JSON.
 * @param {{config: (dir: string) => object, files?: Record<string, object | string>}} options `config` gets the folder
 *   the `files` (name -> content; text as it is) are written to, to name them by absolute path
 * @returns {Promise<{url: string, dir: string, output: () => string, stop(): Promise<void>}>}
 */
async function startPrometheus({ config, files = {} }) {
  if (!fs.existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} not found: apt-get install prometheus (or set PLAID_PROMETHEUS)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-prometheus-'));
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2), { mode: 0o600 });
  }
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, JSON.stringify(config(dir), null, 2));
  const port = await freePort();
  const child = spawn(PROMETHEUS, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const server = {
    url,
    dir,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_WAIT_MS);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await ready(url, () => child.exitCode !== null);
  } catch (err) {
    await server.stop();
    throw new Error(`Prometheus did not start: ${err.message}\n${output.slice(-2000)}`, { cause: err });
  }
  return server;
}

/** Resolves once /-/ready answers 200; rejects when the process has exited or after 30 s. */
async function ready(url, hasExited) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (hasExited()) throw new Error('the process exited');
    const status = await fetch(`${url}/-/ready`).then((res) => res.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error('not ready within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

module.exports = { startPrometheus };
