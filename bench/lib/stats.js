'use strict';
// Small statistics and formatting helpers, and the side-by-side round scheduler.

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmtRate = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const fmtRatio = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');
const fmtMb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const fmtPct = (share) => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : 'n/a');

function log(...parts) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${parts.join(' ')}\n`);
}

/**
 * Runs `rounds` rounds; in each every side is measured once, back to back, the order rotating from round to round
 * (ABC, BCA, CAB, ...) so no side always runs first or last. `measure(side, round)` resolves with a rate, or with
 * {rate, foreign, cpuPerOp} (foreign: the share of CPU time other processes took meanwhile, see cpu.js; cpuPerOp:
 * the CPU time the side's process spent per operation, µs).
 * Returns per-side rates, per-round throughput ratios of `sides[0]` to every other side, per-round CPU-cost ratios
 * (the other side's CPU per operation over ours: > 1 means ours costs less), their medians, and the foreign loads.
 */
async function sideBySide({ sides, rounds, measure, beforeRound = async (_round) => {} }) {
  const rates = Object.fromEntries(sides.map((s) => [s, []]));
  const cpu = Object.fromEntries(sides.map((s) => [s, []]));
  const ratios = Object.fromEntries(sides.slice(1).map((s) => [s, []]));
  const cpuRatios = Object.fromEntries(sides.slice(1).map((s) => [s, []]));
  const foreign = [];
  const loadGen = Object.fromEntries(sides.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    const order = sides.map((_, i) => sides[(i + round) % sides.length]);
    await beforeRound(round);
    const got = {};
    const gotCpu = {};
    const roundForeign = [];
    for (const side of order) {
      const measured = await measure(side, round);
      got[side] = typeof measured === 'number' ? measured : measured.rate;
      if (typeof measured?.foreign === 'number') roundForeign.push(measured.foreign);
      if (typeof measured?.cpuPerOp === 'number') {
        gotCpu[side] = measured.cpuPerOp;
        cpu[side].push(measured.cpuPerOp);
      }
      if (typeof measured?.loadGenCpu === 'number') loadGen[side].push(measured.loadGenCpu);
      rates[side].push(got[side]);
    }
    for (const side of sides.slice(1)) {
      ratios[side].push(got[sides[0]] / got[side]);
      if (gotCpu[side] !== undefined && gotCpu[sides[0]] !== undefined) cpuRatios[side].push(gotCpu[side] / gotCpu[sides[0]]);
    }
    foreign.push(...roundForeign);
    const busy = roundForeign.length ? ` (other processes: up to ${fmtPct(Math.max(...roundForeign))} of the CPU)` : '';
    const cost = (s) => (gotCpu[s] !== undefined ? ` [${gotCpu[s].toFixed(0)} µs CPU/op]` : '');
    log(`  round ${round + 1}/${rounds}: ${order.map((s) => `${s} ${fmtRate(got[s])}/s${cost(s)}`).join(', ')}${busy}`);
  }
  return {
    rates,
    ratios,
    cpu,
    cpuRatios,
    foreign,
    loadGen,
    medianRate: Object.fromEntries(sides.map((s) => [s, median(rates[s])])),
    medianRatio: Object.fromEntries(sides.slice(1).map((s) => [s, median(ratios[s])])),
    medianCpu: Object.fromEntries(sides.map((s) => [s, median(cpu[s])])),
    medianCpuRatio: Object.fromEntries(sides.slice(1).map((s) => [s, median(cpuRatios[s])])),
  };
}

/** A sentence on the load generator's own CPU use (autocannon in the parent): near a full core it may limit a rate. */
function loadGenNote(loadGen) {
  const parts = Object.entries(loadGen).filter(([, v]) => v.length).map(([side, v]) => `${side} ${fmtPct(median(v))}`);
  if (!parts.length) return '';
  return `The load generator used this share of one core in the median measured run: ${parts.join(', ')} (near 100 % it, not the server, would set the pace).`;
}

/** A sentence on how much CPU other processes took during the measured runs. */
function foreignNote(foreign) {
  if (!foreign.length) return 'Other processes\' CPU use was not measured (no /proc).';
  return `Other processes on the machine took ${fmtPct(median(foreign))} of the CPU time in the median measured run (at most ${fmtPct(Math.max(...foreign))}).`;
}

module.exports = { median, fmtRate, fmtRatio, fmtMb, fmtPct, foreignNote, loadGenNote, log, sideBySide };
