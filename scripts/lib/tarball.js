'use strict';
// The package as a user installs it: `npm pack` of a checkout (dist/ as built), then `npm install <tarball>` in a
// fresh Node-RED user directory, as *Install* in the README says; and which installed packages run install scripts.
// Used by the browser suite, the package tests and the benchmarks.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');

/** Runs npm (the one on PATH: in npm scripts, on the `node` devDependency's Node) and returns its stdout. */
function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
}

/**
 * Packs `root` (without running `prepare`: dist/ is already built) and installs the tarball into a new user
 * directory. Resolves to the directory, how long the install took (ms) and the tarball's size (bytes).
 */
function installTarball(root = ROOT) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-tarball-'));
  const [{ filename, size }] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root));
  const userDir = path.join(work, 'node-red');
  fs.mkdirSync(userDir);
  const started = Date.now();
  npm(['install', path.join(work, path.basename(filename))], userDir);
  return { userDir, installMs: Date.now() - started, tarballBytes: size, remove: () => fs.rmSync(work, { recursive: true, force: true }) };
}

/**
 * The packages installed under `root` that have an install script (preinstall, install or postinstall), as npm
 * reports them: [{name, version, dev}] (`dev`: only a devDependency needs it).
 */
function installScripts(root = ROOT) {
  const found = JSON.parse(npm(['query', ':attr(scripts, [preinstall]), :attr(scripts, [install]), :attr(scripts, [postinstall])'], root));
  return found.map((/** @type {{name: string, version: string, dev?: boolean}} */ p) => ({ name: p.name, version: p.version, dev: p.dev === true }));
}

module.exports = { installTarball, installScripts };
