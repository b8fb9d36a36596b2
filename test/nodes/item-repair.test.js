'use strict';
// plaid-item-repair in a real runtime behind a real plaid-webhook-in, on a real SQLite store, with the emulator as
// Plaid sending its own signed webhooks: a case opens on ERROR with a Hosted Link, reminders come once each and on
// time (a short schedule) across a full deploy and a restart, and each way a case closes.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { RepairRig, helper } = require('../support/repair-rig');
const { until } = require('../support/until');
const files = require('../store/support/store-files');

/** A reminder may come this much after its time: the scheduler's shortest wait, a pass, and the link's creation. */
const LATE_MS = 1500;

describe('plaid-item-repair', function () {
  this.timeout(60000);
  const rig = new RepairRig();

  afterEach(async function () {
    await rig.stop();
    rig.sent = [];
    rig.caught = [];
    rig.completed = [];
  });

  it('opens a case on ERROR (ITEM_LOGIN_REQUIRED) and notifies with a Hosted Link; a second ERROR sends nothing new', async function () {
    await rig.start();
    const item = await rig.linkItem('user-7');
    await rig.breakLogin(item);
    const { msg } = await rig.nth(item.item_id, 'notify');
    assert.deepEqual(Object.keys(msg.repair).sort(), ['client_user_id', 'deadline', 'hosted_link_url', 'institution_id', 'item_id', 'link_expiration', 'reason', 'reminder']);
    assert.deepEqual(
      { ...msg.repair, hosted_link_url: undefined, link_expiration: undefined },
      { item_id: item.item_id, client_user_id: 'user-7', institution_id: 'ins_109508', reason: 'ITEM_LOGIN_REQUIRED', deadline: null, hosted_link_url: undefined, link_expiration: undefined, reminder: 0 },
    );
    assert.ok(msg.repair.hosted_link_url.startsWith(`${rig.emulator.url}/hl/`), msg.repair.hosted_link_url);
    assert.ok(Date.parse(msg.repair.link_expiration) > Date.now());
    // The message that came in goes out again: the webhook, and the Item's record now.
    assert.equal(msg.payload.webhook_code, 'ERROR');
    assert.equal(msg.plaid.item.status, 'login_required');
    const repairCase = await rig.store().repairCase(item.item_id);
    assert.deepEqual(
      [repairCase.reason, repairCase.owner, repairCase.reminders_sent, repairCase.closed_at, repairCase.link_token],
      ['ITEM_LOGIN_REQUIRED', 'repair', 0, null, (await rig.store().get(item.item_id)).link_token],
    );

    // Plaid sends ERROR again (not a re-delivery: another body, so webhook-in's dedupe lets it through).
    rig.emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'ERROR', fields: { test_sequence: 2 } });
    await rig.handled(item.item_id, 'ERROR', 2);
    assert.equal(rig.sentFor(item.item_id).length, 1, 'one notice for the Item');
    assert.deepEqual(rig.caught, []);
    // The Hosted Link URL is never stored: not in the database or its companions.
    const secretPart = new URL(msg.repair.hosted_link_url).pathname;
    for (const { file, bytes } of files.rawBytes(rig.file)) assert.equal(bytes.indexOf(Buffer.from(secretPart)), -1, `URL in ${file}`);
  });

  it('sends each reminder once and on time, each with a fresh link; after the last, closes unanswered when its link expires', async function () {
    await rig.start({ reminders: '2s, 4s', url_lifetime_seconds: '3' });
    const item = await rig.linkItem();
    await rig.breakLogin(item);
    const notice = await rig.nth(item.item_id, 'notify');
    const closed = await rig.nth(item.item_id, 'closed', 1, 20000);
    const reminders = rig.sentFor(item.item_id, 'remind');
    assert.deepEqual(reminders.map((r) => r.msg.repair.reminder), [1, 2], 'each reminder once');
    const notifiedAt = Date.parse((await rig.store().repairCase(item.item_id)).notified_at);
    for (const [i, delay] of [2000, 4000].entries()) {
      const late = reminders[i].at - (notifiedAt + delay);
      assert.ok(late >= 0 && late < LATE_MS, `reminder ${i + 1} ${late} ms after its time`);
    }
    const links = [notice, ...reminders].map((s) => s.msg.repair.hosted_link_url);
    assert.equal(new Set(links).size, 3, 'a fresh link each time');
    // Nor is a Hosted Link URL ever logged (at any level, by any node).
    const logged = helper.log().args.map((args) => JSON.stringify(args[0]));
    assert.ok(logged.length > 0, 'the runtime\'s log was read');
    for (const link of links) assert.equal(logged.filter((line) => line.includes(new URL(link).pathname)).length, 0, 'a Hosted Link URL in the log');
    assert.equal(closed.msg.repair.closed_by, 'unanswered');
    assert.equal(closed.msg.repair.reminder, 2);
    assert.ok(closed.at >= Date.parse(reminders[1].msg.repair.link_expiration), 'closed once the last link expired');
    // A reminder or a close that fell due is a message of its own: the record as payload, the item_id as topic.
    assert.equal(reminders[0].msg.topic, item.item_id);
    assert.equal(reminders[0].msg.payload.item_id, item.item_id);
    assert.equal((await rig.store().repairCase(item.item_id)).closed_by, 'unanswered');
  });

  it('keeps the schedule across a full deploy: the reminder comes once, on time', async function () {
    await rig.start({ reminders: '3s' });
    const item = await rig.linkItem();
    await rig.breakLogin(item);
    await rig.nth(item.item_id, 'notify');
    await rig.redeploy();
    await rig.redeploy();
    const reminder = await rig.nth(item.item_id, 'remind');
    const notifiedAt = Date.parse((await rig.store().repairCase(item.item_id)).notified_at);
    const late = reminder.at - (notifiedAt + 3000);
    assert.ok(late >= 0 && late < LATE_MS, `${late} ms after its time`);
    await rig.nth(item.item_id, 'closed', 1, 20000);
    assert.equal(rig.sentFor(item.item_id, 'remind').length, 1);
  });

  it('sends a reminder that fell due while Node-RED was stopped when it starts, once', async function () {
    await rig.start({ reminders: '2s', url_lifetime_seconds: '60' });
    const item = await rig.linkItem();
    await rig.breakLogin(item);
    await rig.nth(item.item_id, 'notify');
    const { next_due: due } = await rig.store().repairCase(item.item_id);
    await rig.webhookRig.unload();
    await until('the reminder to fall due while stopped', () => Date.now() > Date.parse(due) + 500, 10000, 50);
    const started = Date.now();
    await rig.webhookRig.load(rig.flow(), [require('../../dist/nodes/plaid-item-store.js'), require('../../dist/nodes/plaid-item-repair.js')]);
    rig.attach();
    const reminder = await rig.nth(item.item_id, 'remind');
    assert.ok(reminder.at - started < LATE_MS, `sent ${reminder.at - started} ms after the start`);
    const repairCase = await until('the reminder recorded', async () => {
      const c = await rig.store().repairCase(item.item_id);
      return c.reminders_sent === 1 && c;
    });
    assert.equal(Date.parse(repairCase.next_due), Date.parse(reminder.msg.repair.link_expiration), 'next: the close, when the link expires');
    assert.equal(rig.sentFor(item.item_id, 'remind').length, 1);
  });

  it('closes as fixed when the user presses Continue on the link, once, and sends no reminder', async function () {
    await rig.start({ reminders: '3s' });
    const fixedItem = await rig.linkItem('user-fixed');
    const control = await rig.linkItem('user-control');
    await rig.breakLogin(fixedItem);
    const notice = await rig.nth(fixedItem.item_id, 'notify');
    await rig.breakLogin(control);
    await rig.nth(control.item_id, 'notify');
    await rig.finishLink(notice.msg.repair.hosted_link_url, 'continue');
    const fixed = await rig.nth(fixedItem.item_id, 'fixed');
    assert.deepEqual(fixed.msg.repair, {
      item_id: fixedItem.item_id, client_user_id: 'user-fixed', institution_id: 'ins_109508', reason: 'ITEM_LOGIN_REQUIRED', deadline: null, reminder: 0, closed_by: 'session_finished',
    });
    assert.equal(fixed.msg.payload.webhook_code, 'SESSION_FINISHED');
    assert.equal((await rig.store().get(fixedItem.item_id)).status, 'healthy');
    // The control Item, broken after it, gets its reminder: by then the fixed one's would have come.
    await rig.nth(control.item_id, 'remind');
    assert.deepEqual(rig.sentFor(fixedItem.item_id).map((s) => s.output), ['notify', 'fixed']);
  });

  it('leaves the case open when the user exits; the reminder brings a fresh link, and Continue on it fixes the Item', async function () {
    await rig.start({ reminders: '2s', url_lifetime_seconds: '60' });
    const item = await rig.linkItem();
    const notice = await rig.noticeExited(item);
    assert.equal((await rig.store().repairCase(item.item_id)).closed_at, null, 'still open');
    const reminder = await rig.nth(item.item_id, 'remind');
    assert.notEqual(reminder.msg.repair.hosted_link_url, notice.msg.repair.hosted_link_url);
    await rig.finishLink(reminder.msg.repair.hosted_link_url, 'continue');
    const fixed = await rig.nth(item.item_id, 'fixed');
    assert.equal(fixed.msg.repair.closed_by, 'session_finished');
    assert.equal(fixed.msg.repair.reminder, 1);
  });

  it('closes as fixed when the user who exited succeeds through the same link (another session of its token)', async function () {
    await rig.start({ reminders: '1d', url_lifetime_seconds: '600' });
    const item = await rig.linkItem();
    await rig.noticeExited(item);
    const { link_token: linkToken } = await rig.store().repairCase(item.item_id);
    // Plaid's SESSION_FINISHED for the second session (the emulator ends a Hosted Link URL with its first session).
    rig.emulator.fireWebhook({
      webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', webhook: rig.webhookUrl,
      fields: { status: 'SUCCESS', link_token: linkToken, public_tokens: [] },
    });
    const fixed = await rig.nth(item.item_id, 'fixed');
    assert.deepEqual([fixed.msg.repair.closed_by, fixed.msg.repair.reminder], ['session_finished', 0]);
    assert.equal((await rig.store().get(item.item_id)).status, 'healthy');
    assert.deepEqual(rig.sentFor(item.item_id).map((s) => s.output), ['notify', 'fixed']);
  });

  it('keeps the case open and sends nothing for a SESSION_FINISHED from another environment, for an older link token, replayed, or after a newer ERROR', async function () {
    await rig.start({ reminders: '2s, 1d', url_lifetime_seconds: '600' });
    const item = await rig.linkItem();
    let sessions = 0;
    /**
     * A SESSION_FINISHED SUCCESS for `linkToken`: the case and the Item stay as they were, nothing is sent. Signed by
     * the emulator through plaid-webhook-in; one from another environment (the emulator sends sandbox only) comes
     * straight into the repair node as from a webhook-in without a store, so the node holds it to the store's rules.
     */
    const changesNothing = async (what, linkToken, environment = 'sandbox') => {
      const [caseBefore, itemBefore] = [await rig.store().repairCase(item.item_id), await rig.store().get(item.item_id)];
      const sentBefore = rig.sent.length;
      const fields = { status: 'SUCCESS', link_token: linkToken, public_tokens: [], link_session_id: `session-${sessions}` };
      if (environment === 'sandbox') {
        rig.emulator.fireWebhook({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', webhook: rig.webhookUrl, fields });
      } else {
        const body = { webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', ...fields, environment };
        helper.getNode('repair').receive({ topic: 'SESSION_FINISHED', payload: body, plaid: { webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', environment, verified: true } });
      }
      sessions += 1;
      await until(`${what}: handled`, () => rig.completed.filter((m) => m.plaid?.webhook_code === 'SESSION_FINISHED').length >= sessions);
      assert.deepEqual(await rig.store().repairCase(item.item_id), caseBefore, `${what}: the case`);
      assert.deepEqual(await rig.store().get(item.item_id), itemBefore, `${what}: the Item`);
      assert.equal(rig.sent.length, sentBefore, `${what}: nothing sent`);
    };
    await rig.breakLogin(item);
    const notice = await rig.nth(item.item_id, 'notify');
    const noticeToken = (await rig.store().repairCase(item.item_id)).link_token;
    await changesNothing('from production', noticeToken, 'production');
    const reminder = await rig.nth(item.item_id, 'remind');
    assert.notEqual(reminder.msg.repair.hosted_link_url, notice.msg.repair.hosted_link_url);
    await changesNothing('for the notice\'s link token, older than the reminder\'s', noticeToken);
    const reminderToken = (await rig.store().repairCase(item.item_id)).link_token;
    await rig.finishLink(reminder.msg.repair.hosted_link_url, 'continue');
    assert.equal((await rig.nth(item.item_id, 'fixed')).msg.repair.closed_by, 'session_finished');
    await changesNothing('replayed', reminderToken);
    // The Item breaks again (another ERROR body: webhook-in's dedupe would drop the first one's copy): a new case; the
    // session that fixed the last one, replayed, fixes nothing now.
    rig.emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'ERROR', fields: { test_sequence: 2 } });
    await rig.nth(item.item_id, 'notify', 2);
    await changesNothing('after a newer ERROR', reminderToken);
    assert.equal((await rig.store().get(item.item_id)).status, 'login_required');
    assert.deepEqual(rig.sentFor(item.item_id).map((s) => s.output), ['notify', 'remind', 'fixed', 'notify']);
    assert.deepEqual(rig.caught, []);
  });

  it('closes as fixed on LOGIN_REPAIRED, and unrepaired on USER_PERMISSION_REVOKED and on item/remove', async function () {
    await rig.start({ reminders: '2s', url_lifetime_seconds: '60' });
    const [repaired, revoked, removed] = [await rig.linkItem(), await rig.linkItem(), await rig.linkItem()];
    for (const item of [repaired, revoked, removed]) {
      await rig.breakLogin(item);
      await rig.nth(item.item_id, 'notify');
    }
    rig.emulator.repairItem(repaired.item_id);
    rig.emulator.fireWebhook({ item_id: revoked.item_id, webhook_code: 'USER_PERMISSION_REVOKED' });
    await rig.plaid('/item/remove', { access_token: removed.access_token });
    await rig.store().markRemoved(removed.item_id);
    assert.equal((await rig.nth(repaired.item_id, 'fixed')).msg.repair.closed_by, 'login_repaired');
    assert.equal((await rig.nth(revoked.item_id, 'closed')).msg.repair.closed_by, 'revoked');
    // No message comes for a removal: the case closes when its next step falls due.
    const gone = await rig.nth(removed.item_id, 'closed');
    assert.equal(gone.msg.repair.closed_by, 'removed');
    assert.equal(gone.msg.plaid.item.status, 'removed');
    for (const item of [repaired, revoked, removed]) assert.equal(rig.sentFor(item.item_id, 'remind').length, 0, item.item_id);
  });

  it('carries Plaid\'s deadline (PENDING_DISCONNECT) and closes the case when it passes', async function () {
    await rig.start({ reminders: '1d' });
    const item = await rig.linkItem();
    const deadline = new Date(Date.now() + 3000).toISOString();
    rig.emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'PENDING_DISCONNECT', fields: { disconnect_time: deadline, reason: 'INSTITUTION_MIGRATION' } });
    const notice = await rig.nth(item.item_id, 'notify');
    assert.deepEqual([notice.msg.repair.reason, notice.msg.repair.deadline], ['PENDING_DISCONNECT', deadline]);
    const closed = await rig.nth(item.item_id, 'closed');
    assert.equal(closed.msg.repair.closed_by, 'deadline');
    assert.ok(closed.at >= Date.parse(deadline) && closed.at - Date.parse(deadline) < LATE_MS, `${closed.at - Date.parse(deadline)} ms after the deadline`);
  });

  it('opens no case for a reason it is not set for, passes other messages over, and closes on a reconcile that found the Item healthy', async function () {
    await rig.start({ reasons: ['ITEM_LOGIN_REQUIRED'] });
    const item = await rig.linkItem();
    rig.emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'PENDING_EXPIRATION', fields: { consent_expiration_time: new Date(Date.now() + 7 * 86400000).toISOString() } });
    rig.emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    const repairNode = helper.getNode('repair');
    repairNode.receive({ payload: 'not a webhook' });
    repairNode.receive({ payload: {}, plaid: { endpoint: '/item/get' } });
    await rig.handled(item.item_id, 'PENDING_EXPIRATION', 1);
    await rig.handled(item.item_id, 'NEW_ACCOUNTS_AVAILABLE', 1);
    await until('the other messages ended', () => rig.completed.filter((m) => !m.plaid?.webhook_code).length === 2);
    await rig.breakLogin(item);
    await rig.nth(item.item_id, 'notify');
    // A reconcile's stand-in for LOGIN_REPAIRED: the sweep recorded the Item healthy and says so.
    const record = { ...(await rig.store().get(item.item_id)), status: 'healthy', error_code: null };
    repairNode.receive({
      topic: 'LOGIN_REPAIRED',
      payload: { webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: item.item_id, environment: 'sandbox' },
      plaid: { webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: item.item_id, environment: 'sandbox', source: 'reconcile', previous_status: 'login_required', item: record },
    });
    const fixed = await rig.nth(item.item_id, 'fixed');
    assert.equal(fixed.msg.repair.closed_by, 'reconcile');
    assert.deepEqual(rig.sentFor(item.item_id).map((s) => s.output), ['notify', 'fixed'], 'nothing for PENDING_EXPIRATION or NEW_ACCOUNTS_AVAILABLE');
    assert.equal(rig.sent.length, 2, 'nothing for the other messages');
    assert.deepEqual(rig.caught, []);
  });

  it('sends to Catch when Plaid will not make the link, keeps the case open and tries the notice again later', async function () {
    await rig.start();
    const item = await rig.linkItem();
    rig.emulator.setFaults({ serverError: 1, paths: ['/link/token/create'] });
    await rig.breakLogin(item);
    const caught = await until('the error in Catch', () => rig.caught[0]);
    assert.match(caught.error.message, /link\/token\/create: Plaid INTERNAL_SERVER_ERROR/);
    assert.equal(caught.error.source.id, 'repair');
    const repairCase = await rig.store().repairCase(item.item_id);
    assert.deepEqual([repairCase.closed_at, repairCase.notified_at, repairCase.failures], [null, null, 1]);
    const retryIn = Date.parse(repairCase.next_due) - Date.now();
    assert.ok(retryIn > 20000 && retryIn <= 60000, `tried again in ${retryIn} ms`);
    assert.equal(rig.sent.length, 0);
  });

  it('refuses to open cases with settings it cannot read, saying why on each message', async function () {
    await rig.start({ reminders: '3d, 1d' });
    const item = await rig.linkItem();
    await rig.breakLogin(item);
    const caught = await until('the error in Catch', () => rig.caught[0]);
    assert.match(caught.error.message, /reminders: "1d" does not come after the delay before it/);
    assert.equal(await rig.store().repairCase(item.item_id), undefined);
    assert.ok(fs.existsSync(rig.file));
  });
});
