'use strict';
// Redeploy soak: 100 redeploys through the Admin API of an embedded Node-RED (child process) while the emulator sends
// a steady stream of signed webhooks to it, with Plaid's retry schedule (scaled). Afterwards: one route, no growth in
// sockets, file descriptors, listeners or memory (after GC), and no delivery acknowledged and then lost: every
// webhook the emulator saw answered 200 was emitted exactly once, and every webhook was answered 200 in the end.
// RELIABILITY_TRACE=1 adds Node-RED message hooks in the child and prints where a lost webhook's message went.
const assert = require('node:assert/strict');
const { start } = require('../../dist/emulator');
const { RedChild, recordFunc } = require('./support/child');
const { until, sleep, tally, report } = require('./support/util');

const REDEPLOYS = 100;
const WARMUP_REDEPLOYS = 10;
const FIRE_EVERY_MS = 10;
const CODES = ['NEW_ACCOUNTS_AVAILABLE', 'LOGIN_REPAIRED', 'PENDING_EXPIRATION', 'USER_PERMISSION_REVOKED', 'UPDATE_ACKNOWLEDGED'];
// Growth allowed between the two measurements (both taken idle, after GC).
const TOLERANCE = { sockets: 2, fds: 4, heapBytes: 8 * 1024 * 1024, rssBytes: 48 * 1024 * 1024 };
// Node's http server closes idle keep-alive connections after 5 s: measure once they are gone.
const IDLE_MS = 6000;

describe('reliability: redeploy soak under webhook traffic', function () {
  this.timeout(300000);
  let emulator;
  let red;
  let item;
  let seq = 0;
  let traffic;

  before(async () => {
    emulator = await start({ timeFactor: 0.001, maxDeliveryRecords: 1000000 });
    red = await RedChild.start({ label: 'soak', env: { RELIABILITY_TRACE: process.env.RELIABILITY_TRACE || '' } });
  });

  after(async () => {
    clearInterval(traffic);
    if (red) {
      const { code } = await red.stop();
      if (code !== 0) process.stderr.write(red.output.slice(-4000));
    }
    if (emulator) await emulator.stop();
  });

  const flow = (i) => [
    { id: 'soak-tab', type: 'tab', label: 'soak' },
    {
      id: 'soak-cfg', type: 'plaid-config', name: 'emulator', environment: 'custom', baseUrl: emulator.url, timeout: '2000', retries: '2',
      credentials: { clientId: emulator.clientId, secret: emulator.secret },
    },
    {
      id: 'soak-hook', z: 'soak-tab', type: 'plaid-webhook-in', name: `soak ${i}`, url: '/plaid/webhook', plaid: 'soak-cfg',
      verify: true, dedupe: true, dedupeStore: '', x: 100, y: 100, wires: Array.from({ length: 10 }, () => ['soak-rec']),
    },
    {
      id: 'soak-rec', z: 'soak-tab', type: 'function', name: 'count emits', outputs: 1, x: 300, y: 100, wires: [[]],
      func: recordFunc('emit', '{ sha: msg.plaid.body_sha256, code: msg.topic, seq: msg.payload.reliability_seq }'),
    },
    { id: 'soak-catch', z: 'soak-tab', type: 'catch', scope: null, uncaught: false, x: 100, y: 200, wires: [['soak-err']] },
    { id: 'soak-err', z: 'soak-tab', type: 'function', name: 'errors', outputs: 1, x: 300, y: 200, wires: [[]], func: recordFunc('caught', '{ error: msg.error }') },
  ];

  const fire = () => {
    seq++;
    emulator.fireWebhook({ item_id: item.item_id, webhook_code: CODES[seq % CODES.length], fields: { reliability_seq: seq } });
  };
  const startTraffic = () => {
    traffic = setInterval(fire, FIRE_EVERY_MS);
  };
  const stopTraffic = () => clearInterval(traffic);

  let maxRoutesSeen = 0;
  const deployLog = [];
  /** A deploy, then waits until the (new) route is the only one. Deployment types rotate: full, nodes, flows. */
  async function redeploy(i) {
    const type = ['full', 'nodes', 'full', 'flows'][i % 4];
    const entry = { i, type, start: Date.now() };
    deployLog.push(entry);
    await red.deploy(flow(i), type);
    entry.answered = Date.now();
    await until(`the route back after redeploy ${i}`, async () => {
      const p = await red.probe();
      maxRoutesSeen = Math.max(maxRoutesSeen, p.routes);
      return p.routes === 1;
    }, 15000, 20);
    entry.routed = Date.now();
    await sleep(100 + (i % 5) * 40); // traffic flows between deploys
    return type;
  }

  async function quiet() {
    stopTraffic();
    await until('deliveries settled', async () => {
      await Promise.race([emulator.deliveriesSettled(), sleep(500)]);
      return emulator.state().pendingDeliveries === 0;
    }, 90000, 100);
    await sleep(IDLE_MS);
    return red.probe(true);
  }

  function summary(p) {
    return {
      sockets: p.sockets.incoming + p.sockets.outgoing,
      fds: p.fds,
      handles: p.handles,
      listeners: p.listeners,
      stacks: p.stacks,
      heapUsed: p.memory.heapUsed,
      rss: p.memory.rss,
    };
  }

  it(`${REDEPLOYS} redeploys through the Admin API under steady traffic: one route, no growth, no delivery acknowledged and lost`, async () => {
    const startedAt = Date.now();
    await red.deploy(flow(0), 'full');
    await until('the route', async () => (await red.probe()).routes === 1, 15000, 50);
    item = emulator.createItem({ webhook: `${red.url}/plaid/webhook` });

    // Warm-up (JIT, caches, Node-RED's first-deploy allocations), then the baseline, idle and after GC.
    startTraffic();
    for (let i = 1; i <= WARMUP_REDEPLOYS; i++) await redeploy(i);
    const before = await quiet();
    const deliveriesBefore = emulator.deliveries.length;

    startTraffic();
    const types = [];
    const deployTimes = [];
    for (let i = 1; i <= REDEPLOYS; i++) {
      const t0 = Date.now();
      types.push(await redeploy(WARMUP_REDEPLOYS + i));
      deployTimes.push(Date.now() - t0);
    }
    const after = await quiet();

    // Every check runs and is reported; the test then fails with all that did not hold.
    const deliveries = emulator.deliveries;
    const records = await red.records();
    const emits = records.filter((r) => r.kind === 'emit');
    const emitsBySha = tally(emits, (r) => r.data.sha);
    const lost = deliveries.filter((d) => !emitsBySha[d.bodySha256]);
    const doubled = deliveries.filter((d) => emitsBySha[d.bodySha256] > 1);
    const known = new Set(deliveries.map((d) => d.bodySha256));
    for (const d of lost) {
      // Each lost webhook with its attempts, the deploys around it and, with RELIABILITY_TRACE=1 (Node-RED message
      // hooks in the child), where its message went.
      const t = d.attempts[0].startedAt;
      const trace = records.filter((r) => r.kind.startsWith('trace') && r.data.sha === d.bodySha256).map((r) => `${r.kind}@${r.at - t} ${JSON.stringify(r.data)}`);
      report('lost webhook', `seq ${JSON.parse(d.body).reliability_seq}, attempts [ms, duration, status] ${JSON.stringify(d.attempts.map((x) => [x.startedAt - t, x.durationMs, x.status]))}`);
      for (const e of deployLog.filter((x) => Math.abs(x.start - t) < 400)) report('   deploy around it', `${e.i} ${e.type}: sent ${e.start - t} ms, answered ${e.answered - t} ms, route back ${e.routed - t} ms`);
      if (trace.length) report('   its message', trace.join(' | '));
    }
    const b = summary(before);
    const a = summary(after);
    const soakDeliveries = deliveries.slice(deliveriesBefore);
    const retried = soakDeliveries.filter((d) => d.attempts.length > 1);
    report('redeploy soak', {
      redeploys: REDEPLOYS, warmup: WARMUP_REDEPLOYS, deploymentTypes: tally(types, (t) => t),
      deployMs: { median: deployTimes.sort((x, y) => x - y)[REDEPLOYS >> 1], max: deployTimes[REDEPLOYS - 1] },
      webhooks: seq, soakWebhooks: soakDeliveries.length, emitted: emits.length, lost: lost.length, doubled: doubled.length,
      attempts: emulator.counts.webhookAttempts, deliveryStates: tally(deliveries, (d) => d.state),
      firstAttemptStatuses: tally(soakDeliveries, (d) => d.attempts[0].status ?? d.attempts[0].error), retriedDeliveries: retried.length,
      retryStatuses: tally(retried.flatMap((d) => d.attempts.slice(0, -1)), (x) => x.status ?? x.error),
      before: { sockets: b.sockets, fds: b.fds, heapMB: +(b.heapUsed / 2 ** 20).toFixed(1), rssMB: +(b.rss / 2 ** 20).toFixed(1), handles: b.handles },
      after: { sockets: a.sockets, fds: a.fds, heapMB: +(a.heapUsed / 2 ** 20).toFixed(1), rssMB: +(a.rss / 2 ** 20).toFixed(1), handles: a.handles },
      listeners: a.listeners, stacks: a.stacks, routes: after.routes, maxRoutesSeen, ms: Date.now() - startedAt,
    });

    const failures = [];
    const check = (what, fn) => {
      try {
        fn();
      } catch (err) {
        failures.push(`${what}: ${err.message.split('\n')[0]}`);
      }
    };
    check('records', () => assert.equal(deliveries.length, seq, 'the emulator kept a record of every webhook'));
    check('given up', () => assert.deepEqual(tally(deliveries, (d) => d.state), { delivered: seq }, 'every webhook answered 200 in the end'));
    check('acknowledged and lost', () => assert.deepEqual(lost.map((d) => JSON.parse(d.body).reliability_seq), [], `${lost.length} webhook(s) answered 200 and never emitted`));
    check('emitted twice', () => assert.deepEqual(doubled.map((d) => JSON.parse(d.body).reliability_seq), [], 'emitted more than once'));
    check('strangers', () => assert.deepEqual(emits.filter((r) => !known.has(r.data.sha)), [], 'emitted but never sent'));
    check('caught', () => assert.deepEqual(records.filter((r) => r.kind === 'caught'), [], 'errors caught in the flow'));
    check('routes', () => assert.equal(after.routes, 1, 'one POST /plaid/webhook route'));
    check('routes at any time', () => assert.ok(maxRoutesSeen <= 1, `at most one route at any probe (saw ${maxRoutesSeen})`));
    check('raw-body capture', () => assert.equal(after.captures, 1, 'one raw-body capture middleware at the root'));
    check('express stacks', () => assert.deepEqual(a.stacks, b.stacks, 'express stacks (root, httpNode, httpAdmin) unchanged'));
    check('listeners', () => assert.deepEqual(a.listeners, b.listeners, 'listener counts (process, HTTP server, runtime events) unchanged'));
    check('sockets', () => assert.ok(a.sockets <= b.sockets + TOLERANCE.sockets, `sockets ${b.sockets} -> ${a.sockets}`));
    check('fds', () => assert.ok(a.fds <= b.fds + TOLERANCE.fds, `file descriptors ${b.fds} -> ${a.fds}`));
    check('heap', () => assert.ok(a.heapUsed <= b.heapUsed + TOLERANCE.heapBytes, `heap after GC ${b.heapUsed} -> ${a.heapUsed}`));
    check('rss', () => assert.ok(a.rss <= b.rss + TOLERANCE.rssBytes, `RSS ${b.rss} -> ${a.rss}`));
    check('unhandled rejections', () => assert.equal(after.unhandledRejections, 0, 'unhandled rejections in Node-RED'));
    check('log', () => assert.doesNotMatch(red.output, /UNHANDLED-REJECTION|UNCAUGHT-EXCEPTION|MaxListenersExceeded/));
    assert.deepEqual(failures, [], 'redeploy soak');
  });
});
