'use strict';
// Child processes for the benchmarks: every server under load runs in a process of its own, so the load generator
// (in the parent) never shares its event loop. Parent and child talk over the IPC channel with small RPC messages.
const path = require('node:path');
const { fork } = require('node:child_process');

const READY_TIMEOUT_MS = 60_000;
/** Pids of the children alive now (for the foreign-load measure). */
const livePids = new Set();
const CALL_TIMEOUT_MS = 180_000;

/**
 * Starts `script` (a path under bench/lib) and waits for its `ready` message. `options.init` is sent as the first
 * message; `options.profileDir` runs the child with --cpu-prof into that directory.
 */
async function startChild(script, { init = {}, execArgv = [], profileDir = undefined, name = path.basename(script, '.js') } = {}) {
  const argv = [...execArgv];
  if (profileDir) argv.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`);
  const child = fork(path.resolve(__dirname, script), [], {
    execArgv: argv,
    // The child's stdout goes to our stderr: stdout carries the report only.
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  child.stdout.pipe(process.stderr);
  livePids.add(child.pid);
  const pending = new Map();
  let nextId = 1;
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    livePids.delete(child.pid);
    for (const { reject, timer } of pending.values()) {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) during a call`));
    }
    pending.clear();
    resolve({ code, signal });
  }));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    // IPC messages are plain JSON of this file's own small protocol: untyped by nature.
    child.on('message', (/** @type {any} */ message) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === 'fatal') {
        clearTimeout(timer);
        reject(new Error(`${name}: ${message.error}`));
      } else if (message.id && pending.has(message.id)) {
        const { resolve: ok, reject: fail, timer: callTimer } = pending.get(message.id);
        pending.delete(message.id);
        clearTimeout(callTimer);
        if (message.error) fail(new Error(`${name}: ${message.error}`));
        else ok(message.result);
      }
    });
    void exit.then(({ code, signal }) => reject(new Error(`${name} exited (${signal ?? code}) before it was ready`)));
  });
  child.send({ type: 'init', ...init });
  const info = await ready;

  return {
    info,
    pid: child.pid,
    /** Runs `cmd` in the child and resolves with its result. */
    call(cmd, args = {}, timeoutMs = CALL_TIMEOUT_MS) {
      if (exited) return Promise.reject(new Error(`${name} has exited`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${cmd} took more than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        child.send({ type: 'call', id, cmd, args });
      });
    },
    /** Asks the child to stop (so --cpu-prof can write its profile); kills it if it does not within 20 s. */
    async stop() {
      if (exited) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * The child side: `init(message)` resolves with what `ready` reports; `commands[cmd](args)` answer calls;
 * `stop()` runs before the process exits.
 */
function serveChild({ init, commands = {}, stop = async () => {} }) {
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await stop();
    } finally {
      process.exit(0);
    }
  };
  const receive = async (/** @type {any} */ message) => {
    if (message.type === 'init') {
      try {
        const info = await init(message);
        process.send({ type: 'ready', ...info });
      } catch (err) {
        process.send({ type: 'fatal', error: err.stack || String(err) });
        process.exit(1);
      }
    } else if (message.type === 'call') {
      try {
        const command = commands[message.cmd];
        if (!command) throw new Error(`unknown command ${message.cmd}`);
        process.send({ type: 'result', id: message.id, result: await command(message.args) });
      } catch (err) {
        process.send({ type: 'result', id: message.id, error: err.stack || String(err) });
      }
    } else if (message.type === 'stop') {
      await shutdown();
    }
  };
  // Each handler answers or exits itself: nothing of theirs is left to await.
  process.on('message', (message) => void receive(message));
  // The parent went away: nothing left to measure for.
  process.on('disconnect', () => void shutdown());
}

/** Forced GC (the child runs with --expose-gc), then the resident set size in bytes. */
function settledMemory() {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external };
}

/** This process and its live children. */
const benchPids = () => [process.pid, ...livePids];

module.exports = { startChild, serveChild, settledMemory, benchPids };
