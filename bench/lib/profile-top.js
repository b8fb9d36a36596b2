#!/usr/bin/env node
'use strict';
// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by origin (this package's dist/, Node-RED,
// other node_modules, Node internals, GC/idle), and the inclusive time of this package's functions.
//   node bench/lib/profile-top.js <file.cpuprofile> [--top 30]
const fs = require('node:fs');
const path = require('node:path');

// This package's compiled code (Node resolves the userDir symlink to the repository).
const OURS = `${path.join(__dirname, '..', '..', 'dist')}/`;

function summarise(file, top = 30) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const originOf = (url) => {
    if (!url) return 'native/V8';
    if (url.includes(OURS)) return 'ours (dist/)';
    if (url.includes('node_modules/@node-red/') || url.includes('node_modules/node-red/')) return 'node-red';
    if (url.includes('node_modules/')) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
      return `dep: ${m ? m[1] : 'other'}`;
    }
    if (url.startsWith('node:')) return 'node internals';
    return path.basename(url);
  };
  const byFunction = new Map();
  const byOrigin = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = nodes.get(id);
    const name = callFrame.functionName || '(anonymous)';
    const where = callFrame.url ? `${callFrame.url.replace(/^.*node_modules\//, '').replace(OURS, 'dist/').replace(/^file:\/\//, '')}:${callFrame.lineNumber + 1}` : '';
    const fkey = `${name} ${where}`;
    byFunction.set(fkey, (byFunction.get(fkey) ?? 0) + us);
    const origin = ['(idle)', '(garbage collector)', '(program)'].includes(name) ? name : originOf(callFrame.url);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
  }
  // Inclusive time of our functions: a sample counts once for every distinct dist/ function on its stack.
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const { callFrame } = nodes.get(cur);
      if (!callFrame.url.includes(OURS)) continue;
      const key = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(OURS, 'dist/')}:${callFrame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`${file}: ${(total / 1e6).toFixed(1)} s sampled`, '', 'self time by origin:'];
  for (const [k, v] of [...byOrigin].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('', `top ${top} functions by self time:`);
  for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('', 'this package (dist/), inclusive time:');
  for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const topIndex = args.indexOf('--top');
  const top = topIndex >= 0 ? Number(args.splice(topIndex, 2)[1]) : 30;
  for (const file of args) console.log(`${summarise(file, top)}\n`);
}

module.exports = { summarise };
