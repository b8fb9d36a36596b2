'use strict';
// The measurement window the child processes' drive commands share: what a tally gains over `durationMs`, after a
// `warmupMs` warm-up, with this process's CPU time over the same span.

/**
 * @param {{warmupMs: number, durationMs: number, tally: () => {completed: number, failed: number},
 *   done: (counted: {completed: number, failed: number, seconds: number, cpuUs: number}) => void}} options
 */
function countWindow({ warmupMs, durationMs, tally, done }) {
  setTimeout(() => {
    const startedAt = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const before = tally();
    setTimeout(() => {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const cpu = process.cpuUsage(cpuBefore);
      const now = tally();
      done({ completed: now.completed - before.completed, failed: now.failed - before.failed, seconds, cpuUs: cpu.user + cpu.system });
    }, durationMs);
  }, warmupMs);
}

module.exports = { countWindow };
