'use strict';
// 10. A new user's first hour, timed as they live it: a fresh clone's `npm install`, the `npm pack` tarball installed
// into a new Node-RED user directory, and `npm start` until the editor answers (first start, and later starts beside
// a plain Node-RED on an empty user directory from the same clone).
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { installTarball, installScripts } = require('../scripts/lib/tarball');
const { log, median } = require('./lib/stats');

const ROOT = path.join(__dirname, '..');
const INSTALL_GOAL_S = 90;
const TARBALL_GOAL_S = 30;
const START_GOAL_S = 5;
const READY_TIMEOUT_MS = 120000;
const STOP_TIMEOUT_MS = 10000;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The environment of a fresh shell on this machine: without what `npm run` adds (npm_* variables, this checkout's
 * node_modules/.bin first on PATH), so the clone's `npm install` and `npm start` run on the system's own npm and
 * Node, as the README's two commands do on a machine whose Node is older than the package needs.
 */
function shellEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  env.PATH = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !path.resolve(dir).startsWith(ROOT + path.sep)).join(path.delimiter);
  return env;
}

/** A clone of this repository at its current commit (uncommitted changes are not part of a fresh clone). */
function freshClone(dir) {
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  execFileSync('git', ['clone', '--quiet', '--no-checkout', ROOT, dir]);
  execFileSync('git', ['-C', dir, 'checkout', '--quiet', commit]);
  return commit.slice(0, 7);
}

/** The children's user + system CPU seconds from bash's `times` (its second line: "1m2.500s 0m4.250s"). */
function childCpuSeconds(times) {
  const [user, system] = times.trim().split('\n')[1].trim().split(/\s+/).map((t) => {
    const [, minutes, secs] = /^(\d+)m([\d.]+)s$/.exec(t) ?? [];
    return Number(minutes) * 60 + Number(secs);
  });
  return user + system;
}

/** Resolves once GET `url` answers 200. */
async function answers(url, deadline) {
  for (;;) {
    const status = await new Promise((resolve) => {
      http.get(url, (res) => { res.resume(); resolve(res.statusCode); }).on('error', () => resolve(0));
    });
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${READY_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * CPU milliseconds the processes of group `pgid` have used so far, with their reaped children's (Linux /proc; NaN
 * elsewhere): what a start costs whatever else the machine is doing, where the wall-clock time depends on the load.
 */
function groupCpuMs(pgid) {
  const TICKS_PER_S = 100; // USER_HZ, 100 on Linux
  let ticks = 0;
  try {
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let stat;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      // Fields after the command's closing parenthesis: state ppid pgrp ... utime(14) stime cutime cstime.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    }
  } catch {
    return NaN;
  }
  return (ticks / TICKS_PER_S) * 1000;
}

/** A free loopback port (the launcher and red.js both want a number). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/**
 * Starts `command` in `cwd` (its own process group) and times it from the spawn until `url` answers 200; then stops
 * the group it started and waits for it to exit.
 */
async function timeStart(command, args, cwd, url) {
  const started = Date.now();
  const child = spawn(command, args, { cwd, env: shellEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await Promise.race([
      answers(url, started + READY_TIMEOUT_MS),
      exited.then((code) => { throw new Error(`${command} ${args.join(' ')} exited (${code}) before it answered:\n${output}`); }),
    ]);
    return { ms: Date.now() - started, cpuMs: groupCpuMs(child.pid), output };
  } finally {
    if (child.exitCode === null) {
      process.kill(-child.pid, 'SIGINT');
      const stopped = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS, false))]);
      if (!stopped) process.kill(-child.pid, 'SIGKILL');
    }
  }
}

/** `npm start` in `clone` on fresh ports and a fresh user directory. */
async function npmStart(clone, work, round) {
  const port = await freePort();
  const args = ['start', '--', '--port', String(port), '--emulator-port', String(await freePort()), '--user-dir', path.join(work, `demo-${round}`)];
  return timeStart('npm', args, clone, `http://127.0.0.1:${port}/`);
}

/** Node-RED alone (the clone's node-red, red.js as its `node-red` command runs it) on an empty user directory. */
async function plainNodeRed(clone, work, round) {
  const port = await freePort();
  const redJs = path.join(clone, 'node_modules', 'node-red', 'red.js');
  const nodeBin = path.join(clone, 'node_modules', '.bin', 'node');
  return timeStart(nodeBin, [redJs, '--port', String(port), '--userDir', path.join(work, `plain-${round}`)], clone, `http://127.0.0.1:${port}/`);
}

async function run({ rounds }) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-bench-first-hour-'));
  const clone = path.join(work, 'clone');
  try {
    log('  fresh clone');
    const commit = freshClone(clone);
    log('  npm install in the fresh clone');
    const started = Date.now();
    const loadBefore = os.loadavg()[0];
    // What the README says to type (audit and fund on, as a user has them); npm's own cache as this machine has it.
    // The shell's `times` then gives the CPU the install took, which other work on the machine hardly changes.
    const times = execFileSync('bash', ['-c', 'npm install >/dev/null && times'], { cwd: clone, env: shellEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const installMs = Date.now() - started;
    const installLoad = `load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after`;
    const installCpuS = childCpuSeconds(times);
    const systemNode = execFileSync('node', ['--version'], { env: shellEnv(), encoding: 'utf8' }).trim();
    const systemNpm = execFileSync('npm', ['--version'], { env: shellEnv(), encoding: 'utf8' }).trim();
    const withScripts = installScripts(clone).map((p) => `${p.name}${p.dev ? ' (dev)' : ''}`);

    log('  the tarball into a new user directory');
    const tarball = installTarball(clone);
    const tarballMs = tarball.installMs;
    const tarballBytes = tarball.tarballBytes;
    tarball.remove();

    log('  first npm start in the fresh clone');
    const startLoad = os.loadavg()[0];
    const first = await npmStart(clone, work, 0);
    const sqliteWarning = /ExperimentalWarning: SQLite is an experimental feature/.test(first.output);
    const ours = [];
    const plain = [];
    const ratios = [];
    const oursCpu = [];
    const plainCpu = [];
    for (let round = 1; round <= rounds; round++) {
      log(`  round ${round}/${rounds}: npm start and plain Node-RED`);
      // Order alternates so that neither side always runs on the caches the other just warmed.
      const order = round % 2 ? [npmStart, plainNodeRed] : [plainNodeRed, npmStart];
      const timed = new Map();
      for (const side of order) timed.set(side, await side(clone, work, round));
      ours.push(timed.get(npmStart).ms);
      plain.push(timed.get(plainNodeRed).ms);
      oursCpu.push(timed.get(npmStart).cpuMs);
      plainCpu.push(timed.get(plainNodeRed).cpuMs);
      ratios.push(timed.get(npmStart).ms / timed.get(plainNodeRed).ms);
    }
    const oursMs = median(ours);
    const plainMs = median(plain);
    return {
      rows: [
        { benchmark: "10a. First hour: a fresh clone's `npm install` (s)", ours: seconds(installMs), baseline: '—', ratio: null, goal: `< ${INSTALL_GOAL_S} s`, met: installMs < INSTALL_GOAL_S * 1000 },
        { benchmark: '10b. First hour: the `npm pack` tarball installed into a new user directory (s)', ours: seconds(tarballMs), baseline: '—', ratio: null, goal: `< ${TARBALL_GOAL_S} s`, met: tarballMs < TARBALL_GOAL_S * 1000 },
        { benchmark: '10c. First hour: the first `npm start` after the install, until the editor answers (s)', ours: seconds(first.ms), baseline: '—', ratio: null, goal: `< ${START_GOAL_S} s`, met: first.ms < START_GOAL_S * 1000 },
        { benchmark: '10d. First hour: later `npm start`s (emulator, demo flows, store) vs plain Node-RED on an empty user directory, until the editor answers (s)', ours: seconds(oursMs), baseline: seconds(plainMs), ratio: median(ratios), goal: `< ${START_GOAL_S} s`, met: oursMs < START_GOAL_S * 1000 },
      ],
      details: [
        `Clone of ${commit}. \`npm install\` took ${seconds(installMs)} (${installCpuS.toFixed(1)} s of CPU; ${installLoad} on this shared machine) on the system's Node ${systemNode} and npm ${systemNpm} (npm start then runs on the \`node\` devDependency's Node), with npm's cache as this machine had it; packages with an install script: ${withScripts.length ? withScripts.join(', ') : 'none'}.`,
        `Tarball ${(tarballBytes / 1024).toFixed(0)} KiB; installed into an empty user directory in ${seconds(tarballMs)}.`,
        `First \`npm start\` ${seconds(first.ms)} (${seconds(first.cpuMs)} of CPU; load average ${startLoad.toFixed(1)} as it began); later starts ${ours.map(seconds).join(', ')}; plain Node-RED ${plain.map(seconds).join(', ')}; CPU to the editor's answer (median) ${seconds(median(oursCpu))} for \`npm start\`, ${seconds(median(plainCpu))} for plain Node-RED. Node's SQLite ExperimentalWarning ${sqliteWarning ? 'was' : 'was not'} printed by the first start.`,
      ],
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const method = `A \`git clone\` of this repository at its current commit into a new temporary directory, then \`npm install\` there, as the README says (npm's cache as the machine has it; the packages with an install script are listed). The package is then packed from that clone (\`npm pack\`) and the tarball installed with \`npm install <tarball>\` into an empty directory, as a Node-RED user directory gets it. Then \`npm start\` runs in the clone on free ports and a new user directory, timed from the spawn until the editor answers GET / with 200 (the emulator started and the demo flows deployed before): once as the first start after the install, then in rounds alternating with Node-RED alone (the clone's \`node-red\`, red.js on an empty user directory, same measure). Each process group is stopped with SIGINT after its measure.`;

module.exports = { run, method };
