'use strict';
// Durability of repair cases: Node-RED processes (the reliability suite's red-child) running plaid-item-repair on one
// SQLite store file are stopped (SIGTERM) and killed (SIGKILL) while reminders are pending; a new process on the same
// file sends each reminder once, on time when it is running then, at its start when it fell due while none was.
// What each process sent is recorded to a file (kept across a SIGKILL).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { start: startEmulator } = require('../../dist/emulator');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const { REPAIR_OUTPUTS } = require('../../dist/plaid/repair/outputs');
const { RedChild, recordFunc } = require('../reliability/support/child');
const { until, report } = require('../reliability/support/util');

/** A reminder may come this much after its time: the scheduler's shortest wait, a pass, the link's creation. */
const LATE_MS = 2000;
const ITEMS = 10;

describe('plaid-item-repair across Node-RED restarts and kills (one SQLite store file)', function () {
  this.timeout(180000);
  let emulator;
  let dir;
  const children = [];

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-repair-restart-'));
  });

  afterEach(async () => {
    for (const child of children.splice(0)) await child.stop().catch(() => undefined);
    await emulator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const key = generateStoreKey();
  const recordFile = () => path.join(dir, 'sent.jsonl');

  /** A Node-RED process running the flow on the shared store file, deployed with the credentials. */
  async function startRed(label) {
    const child = await RedChild.start({ label, recordFile: recordFile(), env: { PLAID_INSTANCE: label }, logLevel: 'warn' });
    children.push(child);
    const sent = "{ kind: msg.repair.closed_by ? 'close' : msg.repair.reminder === 0 ? 'notify' : 'remind', item_id: msg.repair.item_id, reminder: msg.repair.reminder, closed_by: msg.repair.closed_by || null, at: Date.now(), instance: env.get('PLAID_INSTANCE') }";
    await child.deploy([
      { id: 'tab', type: 'tab', label: 'repair' },
      { id: 'cfg', type: 'plaid-config', name: 'emulator', environment: 'custom', baseUrl: emulator.url, timeout: 5000, retries: 1, credentials: { clientId: emulator.clientId, secret: emulator.secret } },
      { id: 'store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file: path.join(dir, 'items.db'), credentials: { encryptionKey: key } },
      { id: 'hook', type: 'plaid-webhook-in', z: 'tab', name: '', url: '/plaid/webhook', plaid: 'cfg', store: 'store', verify: true, dedupe: true, dedupeStore: '', x: 120, y: 60, wires: Array.from({ length: 10 }, () => ['repair']) },
      {
        id: 'repair', type: 'plaid-item-repair', z: 'tab', name: '', plaid: 'cfg', store: 'store', reminders: '4s, 30s', client_name: 'Restarts', language: 'en', country_codes: 'US',
        url_lifetime_seconds: '600', x: 320, y: 60, wires: REPAIR_OUTPUTS.map(() => ['record']),
      },
      { id: 'record', type: 'function', z: 'tab', name: 'record', outputs: 0, x: 520, y: 60, wires: [], func: recordFunc('repair', sent) },
      { id: 'save', type: 'http in', z: 'tab', name: '', url: '/test/save', method: 'post', upload: false, swaggerDoc: '', x: 120, y: 140, wires: [['put']] },
      { id: 'put', type: 'plaid-items', z: 'tab', name: '', operation: 'put', store: 'store', item_id: '', item_idType: 'msg', statuses: [], x: 320, y: 140, wires: [['answer']] },
      { id: 'answer', type: 'http response', z: 'tab', name: '', statusCode: '', headers: {}, x: 520, y: 140, wires: [] },
    ]);
    return child;
  }

  const sent = () => (fs.existsSync(recordFile()) ? fs.readFileSync(recordFile(), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [])
    .filter((r) => r.kind === 'repair').map((r) => r.data);

  async function plaid(urlPath, body) {
    const res = await fetch(`${emulator.url}${urlPath}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: emulator.clientId, secret: emulator.secret, ...body }),
    });
    assert.equal(res.status, 200, urlPath);
    return res.json();
  }

  it('sends each reminder once: on time with a process running, at its start when it fell due while stopped or killed', async function () {
    const first = await startRed('red-1');
    const items = [];
    for (let i = 0; i < ITEMS; i++) {
      const created = emulator.createItem({ webhook: `${first.url}/plaid/webhook` });
      await until(`Item ${i} saved`, async () => (await fetch(`${first.url}/test/save`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item_id: created.item_id, access_token: created.access_token, client_user_id: `user-${i}` }),
      })).status === 200);
      items.push(created);
    }
    await Promise.all(items.map((item) => plaid('/sandbox/item/reset_login', { access_token: item.access_token })));
    await until('every notice', () => sent().filter((s) => s.kind === 'notify').length === ITEMS, 30000);
    const notified = new Map(sent().filter((s) => s.kind === 'notify').map((s) => [s.item_id, s.at]));

    // Stopped (SIGTERM) before the first reminders; they fall due while no Node-RED runs.
    await first.stop();
    const firstDue = Math.max(...notified.values()) + 4000;
    await until('the first reminders to fall due while stopped', () => Date.now() > firstDue + 500, 15000, 50);
    const second = await startRed('red-2');
    const deployed = Date.now();
    await until('every first reminder', () => items.every((item) => sent().some((s) => s.item_id === item.item_id && s.reminder === 1)), 30000);
    const firstReminders = sent().filter((s) => s.kind === 'remind' && s.reminder === 1);
    const atStart = Math.max(...firstReminders.map((r) => r.at - deployed));

    // Killed (SIGKILL) before the second reminders; a third process is running when they fall due.
    second.process.kill('SIGKILL');
    await second.exit;
    await startRed('red-3');
    await until('every second reminder', () => items.every((item) => sent().some((s) => s.item_id === item.item_id && s.reminder === 2)), 30000);
    const secondReminders = sent().filter((s) => s.kind === 'remind' && s.reminder === 2);
    const late = secondReminders.map((r) => r.at - (notified.get(r.item_id) + 30000));
    const counts = new Map();
    for (const r of sent().filter((s) => s.kind === 'remind')) counts.set(`${r.item_id}#${r.reminder}`, (counts.get(`${r.item_id}#${r.reminder}`) ?? 0) + 1);
    assert.equal(counts.size, 2 * ITEMS);
    assert.deepEqual([...counts].filter(([, n]) => n !== 1), [], 'each reminder once');
    assert.deepEqual([...new Set(firstReminders.map((r) => r.instance))], ['red-2'], 'the first reminders from the process started after they fell due');
    assert.ok(atStart < 3000, `the first reminders came within ${atStart} ms of the deploy`);
    assert.deepEqual([...new Set(secondReminders.map((r) => r.instance))], ['red-3']);
    assert.ok(late.every((ms) => ms >= 0 && ms < LATE_MS), `the second reminders late by ${late.join(', ')} ms`);
    report('repair across restarts', { items: ITEMS, notices: notified.size, reminders: counts.size, lastFirstReminderAfterDeployMs: atStart, secondRemindersLateMs: { min: Math.min(...late), max: Math.max(...late) } });
  });
});
