'use strict';
// The package as a user installs it: `npm pack` of this repository (dist/ as built), then `npm install <tarball>` in
// a fresh Node-RED user directory, as *Install* in the README says.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..', '..');

/** Runs npm (the one on PATH: in npm scripts, on the `node` devDependency's Node) and returns its stdout. */
function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
}

/**
 * Packs the repository (without running `prepare`: dist/ is already built) and installs the tarball into a new user
 * directory. Resolves to the directory and how long the install took (ms).
 */
function installTarball() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-tarball-'));
  const [{ filename }] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT));
  const userDir = path.join(work, 'node-red');
  fs.mkdirSync(userDir);
  const started = Date.now();
  npm(['install', path.join(work, path.basename(filename))], userDir);
  return { userDir, installMs: Date.now() - started, remove: () => fs.rmSync(work, { recursive: true, force: true }) };
}

module.exports = { installTarball };
