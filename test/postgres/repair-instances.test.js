'use strict';
// plaid-item-repair on two Node-RED instances (separate processes) behind nginx, one PostgreSQL store, the emulator
// as Plaid sending its webhooks through nginx or straight to one instance: a case opened on one and fixed through
// the other is fixed once and reminds no one; due reminders go out once with both running; with one SIGKILLed while
// they are due, the other sends them. What each instance sent is recorded to a file (kept across a SIGKILL).
const assert = require('node:assert/strict');
const { start: startEmulator } = require('../../dist/emulator');
const { REPAIR_OUTPUTS } = require('../../dist/plaid/repair/outputs');
const { recordFunc } = require('../reliability/support/child');
const { until, report } = require('../reliability/support/util');
const { startCluster } = require('./support/cluster');
const { createDatabase } = require('./support/databases');

/** The repair node on every instance, fed by every output of the webhook node; what it sends is recorded. */
const withRepair = (settings) => (nodes) => {
  const hook = nodes.find((n) => n.type === 'plaid-webhook-in');
  hook.wires = hook.wires.map((targets) => [...targets, 'repair']);
  const sent = "{ kind: msg.repair.closed_by ? 'close' : msg.repair.reminder === 0 ? 'notify' : 'remind', item_id: msg.repair.item_id, reminder: msg.repair.reminder, closed_by: msg.repair.closed_by || null, url: msg.repair.hosted_link_url || null, at: Date.now(), instance: env.get('PLAID_INSTANCE') }";
  return [
    ...nodes,
    {
      id: 'repair', type: 'plaid-item-repair', z: hook.z, name: '', plaid: 'cfg', store: 'store', client_name: 'Two instances', language: 'en', country_codes: 'US',
      url_lifetime_seconds: '600', ...settings, wires: REPAIR_OUTPUTS.map(() => ['repair-record']),
    },
    { id: 'repair-record', type: 'function', z: hook.z, name: 'record repair', outputs: 0, wires: [], func: recordFunc('repair', sent) },
    { id: 'repair-catch', type: 'catch', z: hook.z, name: '', scope: ['repair'], uncaught: false, wires: [['repair-failed']] },
    { id: 'repair-failed', type: 'function', z: hook.z, name: 'record failure', outputs: 0, wires: [], func: recordFunc('repair-error', "{ message: msg.error.message, instance: env.get('PLAID_INSTANCE') }") },
  ];
};

describe('plaid-item-repair on two Node-RED instances on one PostgreSQL, behind nginx', function () {
  this.timeout(180000);
  let database;
  let emulator;
  let cluster;

  async function start(settings) {
    cluster = await startCluster({ emulator, postgresUrl: database.url, flow: withRepair(settings) });
    await cluster.deploy();
  }

  beforeEach(async function () {
    database = await createDatabase();
    emulator = await startEmulator({ port: 0 });
  });

  afterEach(async function () {
    await cluster?.stop();
    await emulator?.stop();
    await database?.drop();
  });

  const sent = () => cluster.records('repair');
  /** What went wrong so far, for a timeout's message: errors the repair nodes raised, webhooks not yet delivered. */
  const story = () => JSON.stringify({ errors: cluster.records('repair-error'), undelivered: emulator.deliveries.filter((d) => d.state !== 'delivered').map((d) => [d.webhookCode, d.state, d.attempts.map((a) => a.status ?? a.error)]) });
  const sentFor = (itemId, kind) => sent().filter((s) => s.item_id === itemId && (!kind || s.kind === kind));

  async function plaid(path, body) {
    const res = await fetch(`${emulator.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: emulator.clientId, secret: emulator.secret, ...body }),
    });
    const answer = await res.json();
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(answer)}`);
    return answer;
  }

  /** A sandbox Item whose webhooks go to `webhook`, exchanged through nginx into the shared store. */
  async function linkItem(webhook, user) {
    const { public_token: publicToken } = await plaid('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'], options: { webhook } });
    const exchanged = await cluster.call('exchange', { public_token: publicToken, client_user_id: user });
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const itemId = exchanged.body.payload.item_id;
    return { item_id: itemId, access_token: emulator.item(itemId).access_token };
  }

  const breakLogin = (item) => plaid('/sandbox/item/reset_login', { access_token: item.access_token });

  it('fixes once, and reminds no one, a case opened on one instance whose SESSION_FINISHED reaches the other (1)', async function () {
    await start({ reminders: '8s' });
    const [a, b] = cluster.instances;
    const fixedItem = await linkItem(`${a.child.url}/plaid/webhook`, 'user-fixed');
    await breakLogin(fixedItem);
    const notice = await until('the notice, from a', () => sentFor(fixedItem.item_id, 'notify')[0], 30000);
    assert.equal(notice.instance, a.name);
    // Plaid's webhooks for the Item now go to b alone: its SESSION_FINISHED will reach b.
    await plaid('/item/webhook/update', { access_token: fixedItem.access_token, webhook: `${b.child.url}/plaid/webhook` });
    const control = await linkItem(cluster.webhookUrl, 'user-control');
    await breakLogin(control);
    await until('the control Item\'s notice', () => sentFor(control.item_id, 'notify').length === 1, 30000);
    const done = await fetch(notice.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=continue', redirect: 'manual' });
    assert.equal(done.status, 200);
    const fixed = await until('fixed, from b', () => sentFor(fixedItem.item_id, 'close')[0], 30000);
    assert.deepEqual([fixed.instance, fixed.closed_by], [b.name, 'session_finished']);
    // The control Item, broken after it, is reminded: by then the fixed Item's reminder would have come.
    const reminder = await until('the control Item\'s reminder', () => sentFor(control.item_id, 'remind')[0], 40000);
    assert.deepEqual(sentFor(fixedItem.item_id).map((s) => [s.kind, s.instance]), [['notify', a.name], ['close', b.name]]);
    report('fixed across instances', { notice: notice.instance, fixed: fixed.instance, controlReminder: reminder.instance, fixedItemMessages: sentFor(fixedItem.item_id).length });
  });

  it('sends each due reminder once with both instances running (2)', async function () {
    await start({ reminders: '5s, 40s' });
    const items = [];
    for (let i = 0; i < 20; i++) items.push(await linkItem(cluster.webhookUrl, `user-${i}`));
    await Promise.all(items.map(breakLogin));
    await until('20 notices', () => sent().filter((s) => s.kind === 'notify').length === 20, 120000).catch((err) => {
      throw new Error(`${err.message}: ${sent().filter((s) => s.kind === 'notify').length} came; ${story()}`);
    });
    // Every second reminder sent means each instance has looked at the store after the first ones fell due.
    await until('every second reminder', () => items.every((item) => sentFor(item.item_id, 'remind').some((s) => s.reminder === 2)), 120000, 200);
    const reminders = sent().filter((s) => s.kind === 'remind');
    const counts = new Map();
    for (const r of reminders) counts.set(`${r.item_id}#${r.reminder}`, (counts.get(`${r.item_id}#${r.reminder}`) ?? 0) + 1);
    assert.equal(counts.size, 40, 'every reminder sent');
    assert.deepEqual([...counts].filter(([, n]) => n !== 1), [], 'each once');
    const byInstance = Object.fromEntries(cluster.instances.map((inst) => [inst.name, reminders.filter((r) => r.instance === inst.name).length]));
    assert.ok(Object.values(byInstance).every((n) => n > 0), `both instances sent some: ${JSON.stringify(byInstance)}`);
    report('reminders with both running', { reminders: reminders.length, distinct: counts.size, byInstance, notices: Object.fromEntries(cluster.instances.map((inst) => [inst.name, sent().filter((s) => s.kind === 'notify' && s.instance === inst.name).length])) });
  });

  it('sends the due reminders from the other instance when one is SIGKILLed while they are due (3)', async function () {
    await start({ reminders: '6s' });
    const [victim, survivor] = cluster.instances;
    const items = [];
    for (let i = 0; i < 20; i++) items.push(await linkItem(cluster.webhookUrl, `user-${i}`));
    await Promise.all(items.map(breakLogin));
    await until('20 notices', () => sent().filter((s) => s.kind === 'notify').length === 20, 120000);
    // Each reminder's Hosted Link now takes Plaid 1.5 s to make: the victim is killed while it holds the next one.
    emulator.setFaults({ delay: 1, delayMs: 1500, paths: ['/link/token/create'] });
    await until('the victim sending reminders', () => sent().some((s) => s.kind === 'remind' && s.instance === victim.name), 30000, 5);
    victim.child.process.kill('SIGKILL');
    const killedAt = Date.now();
    await until('a reminder for every Item', () => items.every((item) => sentFor(item.item_id, 'remind').length > 0), 120000, 200);
    const reminders = sent().filter((s) => s.kind === 'remind');
    const perItem = items.map((item) => sentFor(item.item_id, 'remind'));
    const twice = perItem.filter((list) => list.length > 1);
    assert.ok(twice.length <= 1, `${twice.length} Items reminded twice`);
    for (const list of twice) assert.deepEqual(list.map((r) => r.instance), [victim.name, survivor.name], 'only the one the victim was handing over, again by the survivor');
    assert.ok(perItem.every((list) => list.length <= 2));
    const fromSurvivor = reminders.filter((r) => r.instance === survivor.name && r.at >= killedAt);
    // The reminder the victim held when it died comes once its claim's lease (30 s) has run out.
    const lastAfterKill = Math.max(0, ...fromSurvivor.map((r) => r.at - killedAt));
    assert.ok(lastAfterKill < 30_000 + 35_000, `the last came ${lastAfterKill} ms after the kill`);
    report('one instance SIGKILLed while reminders were due', {
      reminders: reminders.length,
      byVictimBeforeTheKill: reminders.filter((r) => r.instance === victim.name).length,
      bySurvivor: reminders.filter((r) => r.instance === survivor.name).length,
      bySurvivorAfterTheKill: fromSurvivor.length,
      remindedTwice: twice.length,
      lastReminderAfterTheKillMs: lastAfterKill,
    });
  });
});
