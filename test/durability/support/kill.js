'use strict';
// The durability suite's kill: a process started, killed with SIGKILL a random while after it said it is at work.
const path = require('node:path');
const { spawn } = require('node:child_process');

/**
 * Runs `node args...` until it prints a line starting with `armOn`, lets it save for a random while, kills it; resolves
 * to the item_ids it reported (`SAVED <item_id>` lines) and every whole line it printed. A process that ends by itself
 * first is an error, unless `mayFinish` (then `finished` is its exit code).
 */
function killAtRandom(args, env, { armOn, maxDelayMs, startTimeoutMs, mayFinish = false }) {
  const script = path.basename(args[0]);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killed = false;
    let delayMs = 0;
    const startTimer = setTimeout(() => kill(), startTimeoutMs);
    function kill() {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    }
    let armed = false;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (!armed && out.split('\n').some((line) => line.startsWith(armOn))) {
        armed = true;
        clearTimeout(startTimer);
        delayMs = Math.floor(Math.random() * maxDelayMs);
        setTimeout(kill, delayMs);
      }
    });
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      const finished = signal === 'SIGKILL' ? undefined : code;
      if (finished !== undefined && !mayFinish) return reject(new Error(`${script} exited by itself (${code}):\n${err}${out}`));
      if (finished === undefined && !killed) return reject(new Error(`${script} was killed by someone else`));
      killed = true;
      // Only whole lines: a line cut by the kill was not fully reported.
      const lines = out.split('\n').slice(0, -1);
      resolve({ saved: lines.filter((l) => l.startsWith('SAVED ')).map((l) => l.slice(6)), lines, finished, delayMs, stderr: err });
    });
  });
}

module.exports = { killAtRandom };
