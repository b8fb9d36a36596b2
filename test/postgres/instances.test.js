'use strict';
// Two Node-RED instances (separate processes and user directories) behind nginx (round robin), one PostgreSQL,
// the emulator sending webhooks through nginx: every delivery emitted once across both, an Item saved on one used
// on the other, an instance SIGKILLed under load, PostgreSQL restarted under load, both started on an empty database.
const assert = require('node:assert/strict');
const http = require('node:http');
const { start: startEmulator } = require('../../dist/emulator');
const { sleep, until } = require('../reliability/support/util');
const { startCluster, exactlyOnce } = require('./support/cluster');
const { Client } = require('pg');
const { SCHEMA_VERSION } = require('../../dist/plaid/store/postgres-schema');
const { createDatabase } = require('./support/databases');
const { server } = require('./support/server-control');

// Plaid's retry schedule (30 s, then ×4) at 1/200: 0.15 s, 0.6 s, 2.4 s, 9.6 s, 38 s... so a delivery that was not
// answered 200 comes again within seconds, and one whose claim a killed instance left pending comes again after
// that claim's 30 s lease (at the retry 51 s after the first attempt).
const TIME_FACTOR = 0.005;
/** How long PostgreSQL stays down in the restart scenario. */
const OUTAGE_MS = 1500;

/** Fires `count` distinct ITEM webhooks (a sequence number in each body), `everyMs` apart. */
async function fireSteadily(emulator, itemId, count, everyMs, tag) {
  const fired = [];
  for (let i = 0; i < count; i++) {
    fired.push(emulator.fireWebhook({ item_id: itemId, webhook_code: 'NEW_ACCOUNTS_AVAILABLE', fields: { test_sequence: `${tag}-${i}` } }));
    if (everyMs) await sleep(everyMs);
  }
  return fired;
}

/** Asserts each of `shas` was emitted exactly once; else says what the emulator saw of the ones that were not. */
function assertExactlyOnce(emulator, emitted, shas) {
  const verdict = exactlyOnce(emitted, shas);
  const story = (sha) => {
    const d = emulator.deliveries.find((x) => x.bodySha256 === sha);
    const by = emitted.filter((e) => e.sha === sha).map((e) => e.instance);
    return `${sha.slice(0, 8)}: ${d ? `${d.state}, attempts ${d.attempts.map((a) => a.status ?? a.error).join(' ')}` : 'not the emulator\'s'}; emitted by [${by}]`;
  };
  const problems = [...verdict.missing, ...verdict.doubled, ...verdict.unexpected];
  assert.equal(problems.length, 0, `${verdict.missing.length} missing, ${verdict.doubled.length} doubled, ${verdict.unexpected.length} unexpected of ${shas.length}:\n${problems.map(story).join('\n')}`);
}

/** The hashes of the deliveries fired, from the emulator's records. */
const shasOf = (emulator, fired) => fired.map((f) => emulator.deliveries.find((d) => d.id === f.delivery_id).bodySha256);

async function settled(emulator, timeoutMs = 60000) {
  await Promise.race([emulator.deliveriesSettled(), sleep(timeoutMs).then(() => { throw new Error('deliveries not settled'); })]);
}

/** A receiver that keeps the first delivery's exact bytes and headers, to send the same delivery again. */
async function captureOne() {
  let captured;
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      captured ??= { body: Buffer.concat(chunks), headers: { 'content-type': req.headers['content-type'], 'plaid-verification': req.headers['plaid-verification'] } };
      res.end('ok');
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
  return {
    url: `http://127.0.0.1:${port}/capture`,
    delivery: () => until('the captured delivery', () => captured, 10000, 10),
    close: () => new Promise((resolve) => srv.close(resolve)),
  };
}

const post = (url, { body, headers }) => fetch(url, { method: 'POST', body, headers }).then((r) => r.status);

describe('several Node-RED instances on one PostgreSQL, behind nginx', function () {
  this.timeout(180000);
  let database;
  let emulator;
  let cluster;

  beforeEach(async function () {
    database = await createDatabase();
    emulator = await startEmulator({ timeFactor: TIME_FACTOR, itemGetLimitPerMinute: 0 });
    cluster = await startCluster({ emulator, postgresUrl: database.url });
  });

  afterEach(async function () {
    await cluster?.stop();
    await emulator?.stop();
    await server().start().catch(() => undefined);
    await database?.drop();
  });

  it('starts both at once on an empty database: one schema, both serving (5)', async function () {
    await cluster.deploy();
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      assert.deepEqual((await client.query('SELECT version FROM plaid_store_schema_version')).rows, [{ version: SCHEMA_VERSION }]);
      assert.equal((await client.query("SELECT count(*)::int AS n FROM plaid_store_meta WHERE key = 'key_check'")).rows[0].n, 1);
    } finally {
      await client.end();
    }
    const item = emulator.createItem({ webhook: cluster.webhookUrl });
    const fired = await fireSteadily(emulator, item.item_id, 10, 0, 'start');
    await settled(emulator);
    const emitted = cluster.emitted();
    assertExactlyOnce(emulator, emitted, shasOf(emulator, fired));
    assert.deepEqual(new Set(emitted.map((e) => e.instance)), new Set(['red-a', 'red-b']), 'nginx spread the deliveries over both');
  });

  it('emits every distinct delivery once across both, the same delivery sent to both at the same instant, and re-deliveries (1)', async function () {
    await cluster.deploy();
    const item = emulator.createItem({ webhook: cluster.webhookUrl });
    const fired = await fireSteadily(emulator, item.item_id, 60, 5, 'distinct');
    // One delivery sent to both instances directly at the same instant, several times over, and through nginx
    // again (as Plaid re-delivers a webhook it has no answer for). For an Item of its own: a copy that arrives after
    // another delivery for its Item is a new event, emitted again.
    const capture = await captureOne();
    const twinItem = emulator.createItem({ webhook: cluster.webhookUrl });
    const twin = emulator.fireWebhook({ item_id: twinItem.item_id, webhook_code: 'PENDING_EXPIRATION', webhook: capture.url });
    const delivery = await capture.delivery();
    await capture.close();
    const answers = [];
    for (let i = 0; i < 5; i++) {
      answers.push(...await Promise.all([...cluster.instances.map((inst) => post(`${inst.child.url}/plaid/webhook`, delivery)), post(cluster.webhookUrl, delivery)]));
    }
    await settled(emulator);
    const twinSha = emulator.deliveries.find((d) => d.id === twin.delivery_id).bodySha256;
    const emitted = cluster.emitted();
    assertExactlyOnce(emulator, emitted, [...shasOf(emulator, fired), twinSha]);
    // Each copy answered 200 (emitted or a duplicate), or 503 while the first copy was still being recorded.
    assert.ok(answers.every((s) => s === 200 || s === 503), `answers ${answers}`);
    assert.ok(answers.filter((s) => s === 200).length >= 1);
    assert.ok(emulator.deliveries.every((d) => d.state === 'delivered'), 'every delivery answered 200 in the end');
    assert.deepEqual(new Set(emitted.map((e) => e.instance)), new Set(['red-a', 'red-b']));
  });

  it('uses on one instance an Item exchanged on the other: item/get and item/remove by item_id (2)', async function () {
    await cluster.deploy();
    const [a, b] = cluster.instances;
    const created = await fetch(`${emulator.url}/sandbox/public_token/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: emulator.clientId, secret: emulator.secret, institution_id: 'ins_109508', initial_products: ['transactions'] }),
    }).then((r) => r.json());
    const { direct } = cluster;
    const exchanged = await direct(a, 'exchange', { public_token: created.public_token, client_user_id: 'user-42' });
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    assert.equal(exchanged.body.instance, 'red-a');
    const itemId = exchanged.body.payload.item_id;
    assert.equal(JSON.stringify(exchanged.body).includes('access-'), false, 'no token in the exchange output');

    const got = await direct(b, 'get', { item_id: itemId });
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.equal(got.body.instance, 'red-b');
    assert.equal(got.body.payload.item.item_id, itemId);
    assert.equal(got.body.item.client_user_id, 'user-42');

    const removed = await direct(b, 'remove', { item_id: itemId });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body.item.status, 'removed');
    // Removed on b, so a refuses to use it, before any call to Plaid.
    const after = await direct(a, 'get', { item_id: itemId });
    assert.equal(after.status, 500);
    assert.match(after.body.error, new RegExp(`${itemId}.*removed|removed.*${itemId}`));
    assert.equal(emulator.item(itemId).access_token, null, 'removed at Plaid (the emulator)');
  });

  // What a SIGKILL can leave: nothing lost, but the one delivery the killed instance had just emitted, whose
  // confirmation was still on its way to the database, is emitted again by the other instance once its claim's
  // lease is over (at least once; a webhook consumer must take a repeat anyway, Plaid itself re-delivers).
  it('emits every delivery in the end when one instance is SIGKILLed under steady load, and again only the one it died emitting (3)', async function () {
    await cluster.deploy();
    const item = emulator.createItem({ webhook: cluster.webhookUrl });
    const [victim] = cluster.instances;
    const firing = fireSteadily(emulator, item.item_id, 150, 20, 'kill');
    // Killed in the middle of its share of the load.
    await until('the instance to emit', () => cluster.emitted().filter((e) => e.instance === victim.name).length >= 10, 30000, 20);
    victim.child.process.kill('SIGKILL');
    const fired = await firing;
    await settled(emulator, 120000);
    const emitted = cluster.emitted();
    const shas = shasOf(emulator, fired);
    const verdict = exactlyOnce(emitted, shas);
    assert.deepEqual([verdict.missing, verdict.unexpected], [[], []], 'nothing lost, nothing foreign');
    assert.ok(verdict.doubled.length <= 1, `${verdict.doubled.length} emitted twice`);
    for (const sha of verdict.doubled) {
      // Twice means: first by the instance that died, then once by the survivor.
      assert.deepEqual(emitted.filter((e) => e.sha === sha).map((e) => e.instance), [victim.name, cluster.instances[1].name]);
    }
    if (verdict.doubled.length === 0) assertExactlyOnce(emulator, emitted, shas);
    assert.ok(emitted.some((e) => e.instance === victim.name), 'the killed instance had emitted some before it died');
    assert.ok(emulator.deliveries.every((d) => d.state === 'delivered'));
  });

  // (The Admin API is not behind nginx: the launcher answers its editor and Admin API on its own address only.)
  it('replays 200 deliveries once in all, the same request sent through both instances at once: 200 emitted, never 400 (6)', async function () {
    await cluster.deploy();
    const item = emulator.createItem({ webhook: cluster.webhookUrl });
    const since = new Date().toISOString();
    const fired = await fireSteadily(emulator, item.item_id, 200, 0, 'replay');
    await settled(emulator);
    const shas = shasOf(emulator, fired);
    assertExactlyOnce(emulator, cluster.emitted(), shas);
    const request = { item_id: item.item_id, since, replay_id: 'cluster-replay-1' };
    const answers = await Promise.all(cluster.instances.map((inst) => cluster.replay(inst.child.url, request)));
    for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answers.reduce((sum, answer) => sum + answer.body.replayed, 0), 200, JSON.stringify(answers.map((a) => [a.body.replayed, a.body.not_replayed.length])));
    for (const answer of answers) {
      assert.ok(answer.body.not_replayed.every((r) => r.reason === 'already_replayed' || r.reason === 'in_progress'), JSON.stringify(answer.body.not_replayed.slice(0, 3)));
    }
    await until('200 replayed', () => cluster.replayed().length >= 200, 30000, 50);
    // Sent again (as a client retrying would): nothing more.
    const retried = await cluster.replay(cluster.instances[0].child.url, request);
    assert.equal(retried.body.replayed, 0);
    await sleep(500);
    const replayed = cluster.replayed();
    assert.equal(replayed.length, 200);
    assert.deepEqual(new Set(replayed.map((r) => r.sha)), new Set(shas), 'each delivery once');
    // A new request through one instance replays them all again, from that instance.
    const byB = () => cluster.replayed().filter((r) => r.instance === cluster.instances[1].name).length;
    const before = byB();
    const second = await cluster.replay(cluster.instances[1].child.url, { item_id: item.item_id, since });
    assert.equal(second.body.replayed, 200);
    await until('400 replayed', () => cluster.replayed().length >= 400, 30000, 50);
    assert.equal(byB() - before, 200);
  });

  it('answers 503 while PostgreSQL is down, and afterwards has lost and doubled nothing (4)', async function () {
    await cluster.deploy();
    const item = emulator.createItem({ webhook: cluster.webhookUrl });
    const firing = fireSteadily(emulator, item.item_id, 150, 20, 'restart');
    await until('webhooks to flow through both instances', () => new Set(cluster.emitted().map((e) => e.instance)).size === 2, 30000, 20);
    await server().stop();
    await sleep(OUTAGE_MS); // the outage's length: webhooks keep coming meanwhile
    await server().start();
    const fired = await firing;
    await settled(emulator, 120000);
    for (const inst of cluster.instances) {
      assert.equal(inst.child.process.exitCode, null, `${inst.name} exited:\n${inst.child.output.slice(-3000)}`);
      assert.doesNotMatch(inst.child.output, /UNCAUGHT-EXCEPTION|UNHANDLED-REJECTION/);
    }
    const attempts = emulator.deliveries.flatMap((d) => d.attempts);
    assert.ok(attempts.some((a) => a.status === 503), 'some deliveries were answered 503 while the database was down');
    assert.ok(attempts.every((a) => a.status === 200 || a.status === 503), `statuses: ${[...new Set(attempts.map((a) => a.status))]}`);
    assertExactlyOnce(emulator, cluster.emitted(), shasOf(emulator, fired));
    assert.ok(emulator.deliveries.every((d) => d.state === 'delivered'));
  });
});
