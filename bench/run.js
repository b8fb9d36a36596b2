#!/usr/bin/env node
'use strict';
// `npm run bench`: measures the package against what operators would use instead, side by side in one run, and
// prints a markdown table (also written to docs/benchmarks.md with the machine, Node and Node-RED versions).
// Progress goes to stderr, the table to stdout. Build first (npm run bench does): the benchmarks load dist/.
//
//   node bench/run.js [--only webhooks,endpoint,key-cache,memory,emulator,postgres,reconcile,event-log] [--rounds 7] [--seconds 4]
//                     [--warmup 1] [--quick] [--profile] [--package-root <dir>] [--no-write] [--out <file>]
//                     [--reconcile-items 10000]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { document, machine, machineLines, table } = require('./lib/report');
const { log } = require('./lib/stats');

const ROOT = path.join(__dirname, '..');

const BENCHMARKS = [
  { name: 'webhooks', title: '1. Webhooks: plaid-webhook-in vs the core flow and a bare verifying server', module: './webhooks' },
  { name: 'endpoint', title: '2. Endpoint node: plaid-item-get vs got and the plaid SDK', module: './endpoint' },
  { name: 'key-cache', title: '3. Key cache under a burst on a new kid', module: './key-cache' },
  { name: 'memory', title: '4. Memory across 100,000 deliveries with dedupe on', module: './memory' },
  { name: 'emulator', title: '5. Emulator vs a bare JSON server', module: './emulator' },
  { name: 'postgres', title: '6. Several instances: dedupe claims and the event log on PostgreSQL', module: './postgres' },
  { name: 'reconcile', title: '7. Reconcile sweep: 10,000 Items at callsPerMinute 5,000', module: './reconcile' },
  { name: 'event-log', title: '8. The webhook event log on SQLite: on vs off', module: './event-log' },
];

function options() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'package-root': { type: 'string' },
      'reconcile-items': { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(ROOT, 'docs', 'benchmarks.md') },
    },
  });
  const positive = (value, fallback, name) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n)) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const only = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : BENCHMARKS.map((b) => b.name);
  for (const name of only) if (!BENCHMARKS.some((b) => b.name === name)) throw new Error(`unknown benchmark ${name}`);
  const packageRoot = values['package-root'] ? path.resolve(values['package-root']) : undefined;
  if (packageRoot && !fs.existsSync(path.join(packageRoot, 'dist', 'nodes', 'plaid-webhook-in.js'))) {
    throw new Error(`--package-root ${packageRoot} has no built dist/`);
  }
  return {
    only,
    rounds: Math.round(positive(values.rounds, values.quick ? 2 : 7, 'rounds')),
    seconds: positive(values.seconds, values.quick ? 2 : 4, 'seconds'),
    warmupSeconds: positive(values.warmup, values.quick ? 0.5 : 1, 'warmup'),
    profile: values.profile,
    packageRoot,
    // The reconcile sweep's store: 10,000 Items take over 2 minutes by design; --quick sweeps 1,000.
    reconcileItems: Math.round(positive(values['reconcile-items'], values.quick ? 1000 : 10_000, 'reconcile-items')),
    write: !values['no-write'],
    out: path.resolve(values.out),
  };
}

async function main() {
  const opts = options();
  if (!fs.existsSync(path.join(ROOT, 'dist', 'emulator', 'index.js'))) throw new Error('dist/ is missing: run `node scripts/build.js` first (npm run bench does)');
  const startedAt = Date.now();
  // Read before anything runs: the tree may move while the benchmarks do.
  const m = machine();
  const profileDir = opts.profile ? path.join(os.tmpdir(), `plaid-bench-profiles-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  const context = { rounds: opts.rounds, seconds: opts.seconds, warmupSeconds: opts.warmupSeconds, profileDir, packageRoot: opts.packageRoot, reconcileItems: opts.reconcileItems };

  const rows = [];
  const sections = [];
  let failed = false;
  for (const bench of BENCHMARKS.filter((b) => opts.only.includes(b.name))) {
    const { run, method } = require(bench.module);
    const began = Date.now();
    log(`${bench.title}`);
    try {
      const result = await run(context);
      rows.push(...result.rows);
      sections.push({ title: bench.title, method, details: result.details });
      for (const row of result.rows) log(`  → ${row.benchmark}: ${row.ours} vs ${row.baseline}${row.met === null ? '' : row.met ? ' (goal met)' : ' (goal MISSED)'}`);
    } catch (err) {
      failed = true;
      log(`  ✗ ${bench.name} failed: ${err.stack || err}`);
      rows.push({ benchmark: bench.title, ours: 'failed', baseline: '—', ratio: null, goal: '—', met: false, error: true });
      sections.push({ title: bench.title, method, error: err.message });
    }
    log(`  (${((Date.now() - began) / 1000).toFixed(0)} s)`);
  }

  const elapsedSeconds = (Date.now() - startedAt) / 1000;
  const params = {
    rounds: opts.rounds,
    seconds: opts.seconds,
    warmupSeconds: opts.warmupSeconds,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    elapsed: `${Math.floor(elapsedSeconds / 60)} min ${Math.round(elapsedSeconds % 60)} s in all`,
    packageRoot: opts.packageRoot,
  };

  let profileNotes;
  if (profileDir) {
    const { summarise } = require('./lib/profile-top');
    const summaries = fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => summarise(path.join(profileDir, f), 25));
    fs.writeFileSync(path.join(profileDir, 'summary.txt'), `${summaries.join('\n\n')}\n`);
    process.stderr.write(`\n${summaries.join('\n\n')}\n\n`);
    log(`profiles and summary.txt in ${profileDir}`);
    profileNotes = `This run was profiled (\`--profile\`): the sampling profiler slows every side, so its figures are lower than an unprofiled run's.`;
  }

  const markdown = table(rows);
  process.stdout.write(`${markdown}\n\n${machineLines(m, params).join('\n')}\n`);
  if (opts.write) {
    fs.mkdirSync(path.dirname(opts.out), { recursive: true });
    fs.writeFileSync(opts.out, document({ rows, sections, machine: m, params, profileNotes }));
    log(`written to ${path.relative(process.cwd(), opts.out) || opts.out}`);
  }
  log(`done in ${params.elapsed}`);
  if (failed) process.exitCode = 1;
}

main().catch((err) => {
  log(`bench: ${err.stack || err}`);
  process.exit(1);
});
