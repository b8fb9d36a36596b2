'use strict';
// How busy the machine was with work that is not the benchmark's: the CPU time of the whole machine (/proc/stat)
// minus that of this process and its children (/proc/<pid>/stat), as a share of all CPU time. Other processes
// competing for the two cores make the figures noisy; the report says how much they took. Linux only (else null).
const fs = require('node:fs');

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux Node supports.

function machineTicks() {
  const [cpu] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
  const fields = cpu.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** utime + stime (+ cutime + cstime: reaped children) of `pid`, in ticks; 0 when it is gone. */
function processTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return 0;
  }
}

/** Starts a measurement over `pids()` (ours: this process and the children alive now). */
function foreignLoad(pids) {
  if (!fs.existsSync('/proc/stat')) return { stop: () => null };
  const ours = () => pids().reduce((sum, pid) => sum + processTicks(pid), 0);
  const start = { machine: machineTicks(), ours: ours() };
  return {
    /** Share (0..1) of all CPU time other processes used since the start. */
    stop() {
      const machine = machineTicks();
      const total = machine.total - start.machine.total;
      if (total <= 0) return null;
      const busy = machine.busy - start.machine.busy;
      const mine = ours() - start.ours;
      return Math.max(0, (busy - mine) / total);
    },
  };
}

/** Starts a CPU-time measure of process `pid`; stop() gives the microseconds of CPU it used since (null without /proc). */
function processCpu(pid) {
  if (!fs.existsSync(`/proc/${pid}/stat`)) return { stop: () => null };
  const start = processTicks(pid);
  return { stop: () => ((processTicks(pid) - start) * 1e6) / TICKS_PER_SECOND };
}

module.exports = { foreignLoad, processCpu, processTicks, TICKS_PER_SECOND };
