'use strict';
// End to end: `npm start`'s launcher (emulator + embedded Node-RED) in a child process; each example flow deployed
// alone through the Admin API, as an import would leave it, with its two config nodes' credentials entered; its
// button clicked; effects checked in the emulator's state and in the debug sidebar (where the examples' "notify the
// user" steps show their notices). Then several examples at once, sharing those config nodes, as a user imports them.
const assert = require('node:assert/strict');
const { loadExamples } = require('../../scripts/demo-flow');
const { connectComms } = require('../support/comms');
const { until, json, startLauncher, inject } = require('./support');

const CLIENT = { clientId: 'emulator-client-id', secret: 'emulator-secret' };
// A random key: the store refuses one with too little entropy (all one byte, say).
const STORE_KEY = require('../../dist/plaid/store/cipher').generateStoreKey();
/** What a "notify the user" step shows: to <user>: <subject>. <text with the link and until when it works>. */
const NOTICE = /^to (user-\d\d): ([^.]+)\. (.*?)(http:\/\/127\.0\.0\.1:\d+\/hl\/\S+) \(this link works until (\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC)\)$/;

describe('examples end to end, each alone after import, on the npm start launcher', function () {
  this.timeout(60000);
  let launcher;
  let editor;
  let emulator;
  let comms;
  const examples = Object.fromEntries(loadExamples().map(({ file, nodes }) => [file.slice(0, 2), nodes]));

  before(async () => {
    launcher = await startLauncher();
    ({ editor, emulator } = launcher);
    comms = await connectComms(editor);
  });

  after(async () => {
    if (comms) comms.close();
    if (launcher) await launcher.stop();
  });

  const state = async () => (await json(`${emulator}/emulator/state`)).body;
  const globalValue = async (key) => {
    // The Admin API's encoding: {msg, format}, msg a string for strings and JSON text for objects.
    const { body } = await json(`${editor}/context/global/${key}`);
    if (body.format === 'undefined') return undefined;
    return body.format.startsWith('string') ? body.msg : JSON.parse(body.msg);
  };
  const named = (key, type, name) => examples[key].find((n) => n.type === type && n.name === name).id;

  /**
   * Deploys the given examples as they are in examples/, each on its own tab, as importing them one after another
   * leaves them: their shared config nodes once, pointed at the emulator, with credentials entered as a user would.
   * The config node's webhook base URL is left empty: Node-RED's own address.
   */
  async function deploy(...keys) {
    const flows = [];
    const configs = new Map();
    for (const key of keys) {
      const tab = `tab-${key}`;
      flows.push({ id: tab, type: 'tab', label: `example ${key}` });
      for (const node of examples[key]) {
        if (node.type === 'plaid-config') configs.set(node.id, { ...node, environment: 'custom', baseUrl: emulator, credentials: CLIENT });
        else if (node.type === 'plaid-item-store') configs.set(node.id, { ...node, credentials: { encryptionKey: STORE_KEY } });
        else flows.push({ ...node, z: tab });
      }
    }
    const res = await json(`${editor}/flows`, { method: 'POST', body: JSON.stringify([...flows, ...configs.values()]), headers: { 'Node-RED-Deployment-Type': 'full' } });
    assert.ok(res.status === 200 || res.status === 204, JSON.stringify(res.body));
  }

  /** Clicks `button` of example `key` and waits for a new message from its debug node `done`; no error shown. */
  async function click(key, button, done) {
    const doneId = named(key, 'debug', done);
    const errorId = named(key, 'debug', 'error');
    const before = comms.debug(doneId).length;
    const errorsBefore = comms.debug(errorId).length;
    await inject(editor, named(key, 'inject', button));
    await until(`${key} "${button}" to reach "${done}"`, () => comms.debug(doneId).length > before || comms.debug(errorId).length > errorsBefore, 20000);
    assert.deepEqual(comms.debug(errorId).slice(errorsBefore).map((d) => d.msg), [], `${key} "${button}" showed no error`);
    return comms.debug(doneId).at(-1).msg;
  }

  /** The notice a "notify the user" debug node showed, taken apart. */
  function notice(shown) {
    const [, to, subject, text, url, until] = NOTICE.exec(shown) ?? assert.fail(`not a notice: ${shown}`);
    return { to, subject, text, url, until };
  }

  const itemOf = async (itemId) => (await state()).items.find((i) => i.item_id === itemId);

  it('01 sandbox walkthrough: links an Item, keeps it in the store and reads it back by item_id', async () => {
    await deploy('01');
    const shown = await click('01', 'Link a new sandbox Item', 'Item');
    assert.match(shown, /^Item \S+ at ins_109508: status healthy, error none$/);
    const item = await itemOf(/^Item (\S+) at/.exec(shown)[1]);
    assert.ok(item, 'the emulator holds the Item the debug node names');
    const listed = await click('01', 'List the stored Items', 'stored Items');
    assert.ok(listed.includes(`${item.item_id} healthy`), listed);
  });

  it('02 notify on ITEM ERROR: reset_login breaks an Item and the debug sidebar shows the notice with a repair link', async () => {
    await deploy('02');
    const note = notice(await click('02', 'Break the login of a new Item', 'notify the user'));
    assert.equal(note.to, 'user-02');
    assert.equal(note.subject, 'Your bank connection needs you');
    assert.equal(note.text, 'Please log in to your bank again to keep it connected: ');
    const link = (await state()).linkTokens.find((t) => t.hosted_link_url === note.url);
    assert.ok(link, 'the link is a Hosted Link the emulator made');
    assert.equal((await state()).items.find((i) => i.item_id === link.item_id).error_code, 'ITEM_LOGIN_REQUIRED');
  });

  it('03 remove revoked Items: USER_PERMISSION_REVOKED removes the Item at Plaid and in the store', async () => {
    await deploy('03');
    const shown = await click('03', 'Revoke the permission', 'removed');
    assert.match(shown, /^removed \S+: status removed$/);
    assert.equal((await itemOf(shown.split(' ')[1].replace(/:$/, ''))).removed, true);
  });

  it('04 re-consent: PENDING_DISCONNECT and PENDING_EXPIRATION each show a notice with the deadline, as people write it', async () => {
    await deploy('04');
    const noticeId = named('04', 'debug', 'notify the user');
    const disconnect = notice(await click('04', 'Warn of a disconnect', 'notify the user'));
    assert.match(disconnect.subject, /^Reconnect your bank before \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC$/);
    assert.match(disconnect.text, /^Your bank connection stops working on \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC unless you reconnect it: $/);
    const itemId = (await state()).linkTokens.find((t) => t.hosted_link_url === disconnect.url).item_id;
    const shown = comms.debug(noticeId).length;
    const fired = await json(`${emulator}/emulator/webhooks/fire`, { method: 'POST', body: JSON.stringify({ item_id: itemId, webhook_code: 'PENDING_EXPIRATION' }) });
    assert.equal(fired.status, 200, JSON.stringify(fired.body));
    const expiry = notice((await until('the PENDING_EXPIRATION notice', () => comms.debug(noticeId)[shown])).msg);
    assert.equal(expiry.to, 'user-04');
    assert.notEqual(expiry.url, disconnect.url);
  });

  it('05 rotate: the old token dies and the store holds the new one', async () => {
    await deploy('05');
    const before = new Map((await state()).items.map((i) => [i.item_id, i.access_token]));
    const shown = await click('05', 'Rotate the access token', 'rotated');
    const itemId = shown.split(' ')[4].replace(/:$/, '');
    const now = await itemOf(itemId);
    assert.notEqual(now.access_token, before.get(itemId));
    // The store's token is the live one: a second rotation works.
    await click('05', 'Rotate the access token', 'rotated');
  });

  it('06 move webhook: the Item points at the new URL and the acknowledgement is recorded', async () => {
    await deploy('06');
    const shown = await click('06', 'Move the webhook to a new URL', 'confirmed');
    const [, itemId, moved] = /^Plaid confirmed (\S+) now sends its webhooks to (\S+)$/.exec(shown);
    assert.match(moved, new RegExp(`^${editor}/plaid/webhook/06\\?v=\\d+$`));
    assert.equal((await itemOf(itemId)).webhook, moved);
    assert.equal((await globalValue('plaid_webhooks'))[itemId], moved, 'the acknowledgement is recorded');
    // A second move of the same Item is acknowledged too (a new URL, so not a repeated body).
    assert.notEqual(await click('06', 'Move the webhook to a new URL', 'confirmed'), shown);
  });

  it('07 verification status: finds a real account of the Item itself and sets it to verification_expired', async () => {
    await deploy('07');
    const shown = await click('07', "Expire a new Item's account verification", 'verification set');
    const [, accountId, itemId] = /^account (\S+) of (\S+) is now verification_expired$/.exec(shown);
    assert.equal((await itemOf(itemId)).accounts.find((a) => a.account_id === accountId).verification_status, 'verification_expired');
  });

  it('08 repair loop: a broken login opens a repair case and shows its notice; Continue on the link closes it, "fixed, thank you" (in Chromium: test/browser/repair-loop.test.js)', async () => {
    await deploy('08');
    const note = notice(await click('08', 'Break the login of a new Item', 'notify the user'));
    assert.equal(note.to, 'user-08');
    assert.equal(note.subject, 'Your bank connection needs you');
    const storeId = examples['08'].find((n) => n.type === 'plaid-item-store').id;
    const cases = async () => (await json(`${editor}/plaid-items/stores/${storeId}/cases`)).body.cases.filter((c) => c.client_user_id === 'user-08');
    const [open] = await cases();
    assert.deepEqual([open.reason, open.reminders_sent, open.reminders_planned], ['ITEM_LOGIN_REQUIRED', 0, 2], 'the case, with the example\'s two reminders ahead');
    const noticeId = named('08', 'debug', 'notify the user');
    const shown = comms.debug(noticeId).length;
    const done = await fetch(note.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=continue', redirect: 'manual' });
    assert.equal(done.status, 200);
    const fixed = await until('"fixed, thank you"', () => comms.debug(noticeId).slice(shown).find((d) => d.msg.startsWith('to user-08: Fixed, thank you')));
    assert.equal(fixed.msg, 'to user-08: Fixed, thank you. Your bank connection works again.');
    assert.deepEqual((await cases()).filter((c) => c.item_id === open.item_id), [], 'the case is closed');
    assert.equal((await itemOf(open.item_id)).error_code, null, 'the Item works again at Plaid');
  });

  it('09 reconcile: an Item broken without a webhook is found by "Reconcile now", handled as the webhook would be', async () => {
    await deploy('09');
    const broken = await click('09', 'Break an Item silently', 'broken silently');
    const itemId = /^broke (\S+) without a webhook/.exec(broken)[1];
    const item = await itemOf(itemId);
    assert.deepEqual([item.error_code, item.webhook], ['ITEM_LOGIN_REQUIRED', `${editor}/plaid/webhook/09`], 'broken at Plaid, its webhook URL back');
    const { body: { deliveries } } = await json(`${emulator}/emulator/deliveries`);
    assert.deepEqual(deliveries.filter((d) => d.itemId === itemId).map((d) => d.webhookCode), ['WEBHOOK_UPDATE_ACKNOWLEDGED'], 'no ERROR was sent');
    const needs = named('09', 'debug', 'needs the user');
    const foundFor = (from) => comms.debug(needs).slice(from).filter((d) => d.msg.includes(itemId));
    const before = comms.debug(needs).length;
    // The store holds the Items of the examples run before: the sweep checks them all.
    const done = await click('09', 'Reconcile now', 'sweep done');
    assert.match(done, /^checked \d+, changed [1-9]\d*, failed 0, calls \d+$/);
    const [found] = await until('the change handled as the webhook would be', () => foundFor(before).length && foundFor(before));
    assert.equal(found.msg, `needs the user: ${itemId} (ITEM_LOGIN_REQUIRED), found by reconcile`);
    const again = comms.debug(needs).length;
    assert.match(await click('09', 'Reconcile now', 'sweep done'), /^checked \d+, changed 0, failed 0, calls \d+$/, 'nothing new');
    assert.deepEqual(foundFor(again), [], 'found once');
  });

  it('all nine side by side on the one Plaid config node and Item store: every button works, each on its own Items', async () => {
    await deploy('01', '02', '03', '04', '05', '06', '07', '08', '09');
    // In an order where each button finds Items of the others in the store.
    await click('01', 'Link a new sandbox Item', 'Item');
    await click('05', 'Rotate the access token', 'rotated');
    await click('03', 'Revoke the permission', 'removed');
    assert.equal(notice(await click('02', 'Break the login of a new Item', 'notify the user')).to, 'user-02');
    assert.equal(notice(await click('04', 'Warn of a disconnect', 'notify the user')).to, 'user-04');
    assert.equal(notice(await click('08', 'Warn of a disconnect', 'notify the user')).to, 'user-08');
    assert.match(await click('06', 'Move the webhook to a new URL', 'confirmed'), /\/plaid\/webhook\/06\?v=\d+$/);
    await click('07', "Expire a new Item's account verification", 'verification set');
    await click('09', 'Break an Item silently', 'broken silently');
    assert.match(await click('09', 'Reconcile now', 'sweep done'), /^checked \d+, changed [1-9]\d*, failed 0, calls \d+$/);
    // 02 and 08 left Items waiting on their repair links: 09 looks the newest one's session up.
    assert.match(await click('09', "Look up a repair link's session", 'session'), /^no session of link-sandbox-\S+ has ended yet$/);
    const listed = await click('01', 'List the stored Items', 'stored Items');
    assert.match(listed, /^\d+ Items in the store: /);
    for (const key of ['02', '03', '04', '06', '07', '08', '09']) {
      const res = await fetch(`${editor}/plaid/webhook/${key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 401, `${key}'s route is up and refuses an unsigned delivery`);
    }
  });

  it('every example carries the same two config nodes, and nodes and webhook paths of its own', () => {
    const [first] = Object.values(examples);
    const shared = first.filter((n) => n.type === 'plaid-config' || n.type === 'plaid-item-store');
    assert.deepEqual(shared.map((n) => n.type).sort(), ['plaid-config', 'plaid-item-store']);
    const owner = new Map();
    for (const [key, nodes] of Object.entries(examples)) {
      const configs = nodes.filter((n) => n.type === 'plaid-config' || n.type === 'plaid-item-store');
      assert.deepEqual(configs, shared, `${key} carries the shared config nodes, property for property`);
      for (const node of nodes.filter((n) => !configs.includes(n))) {
        assert.ok(!owner.has(node.id), `${node.id} is in ${owner.get(node.id)} and ${key}`);
        owner.set(node.id, key);
      }
      for (const n of nodes.filter((x) => 'plaid' in x)) assert.equal(n.plaid, shared.find((c) => c.type === 'plaid-config').id, `${key} ${n.id}`);
      for (const n of nodes.filter((x) => 'store' in x)) assert.equal(n.store, shared.find((c) => c.type === 'plaid-item-store').id, `${key} ${n.id}`);
    }
    const paths = Object.values(examples).flat().filter((n) => n.type === 'plaid-webhook-in').map((n) => n.url);
    assert.equal(new Set(paths).size, paths.length, paths.join(' '));
  });

  it('no example names a host or a port: webhook URLs are paths, on the config node\'s webhook base URL', () => {
    for (const [key, nodes] of Object.entries(examples)) {
      const text = JSON.stringify(nodes.map(({ info: _comment, ...n }) => n));
      assert.doesNotMatch(text, /https?:\/\/|127\.0\.0\.1|localhost|:1880/, key);
      for (const n of nodes.filter((x) => x.type === 'plaid-sandbox-public-token-create' && x.options)) {
        assert.match(JSON.parse(n.options).webhook, new RegExp(`^/plaid/webhook/${key}$`), `${key} links Items to its own path`);
      }
      const config = nodes.find((n) => n.type === 'plaid-config');
      assert.equal(config.webhookUrl ?? '', '', 'the examples leave the webhook base URL to the user');
    }
  });

  it('needs no environment variable but its group\'s own: every one an example reads is set on its group', () => {
    for (const [key, nodes] of Object.entries(examples)) {
      const group = nodes.find((n) => n.type === 'group');
      const defined = new Set((group.env ?? []).map((e) => e.name));
      const read = new Set();
      for (const node of nodes) {
        for (const [prop, value] of Object.entries(node)) {
          if (prop.endsWith('Type') && value === 'env') read.add(node[prop.slice(0, -4)]);
        }
        for (const m of JSON.stringify(node).matchAll(/\$env\(\\"(\w+)\\"\)/g)) read.add(m[1]);
        if (node.type === 'change') for (const r of node.rules) if (r.tot === 'env') read.add(r.to);
      }
      assert.ok(read.size > 0, `${key} reads its group's variables (control)`);
      assert.deepEqual([...read].filter((name) => !defined.has(name)), [], `${key}: variables read but not set on its group`);
    }
  });

  it('shows every notice in the debug sidebar: no example sends one anywhere else', () => {
    for (const [key, nodes] of Object.entries(examples)) {
      assert.deepEqual(nodes.filter((n) => /^http request|e-?mail|sms/i.test(n.type)).map((n) => n.name), [], key);
      const notify = nodes.filter((n) => n.name === 'notify the user');
      if (['02', '04', '08'].includes(key)) assert.deepEqual(notify.map((n) => [n.type, n.active, n.tosidebar]), [['debug', true, true]], key);
    }
  });

  it('examples are JSON arrays with an explaining comment, one group, Catch nodes scoped to it, no credentials', () => {
    for (const [key, nodes] of Object.entries(examples)) {
      assert.ok(Array.isArray(nodes), key);
      assert.ok(nodes.some((n) => n.type === 'comment' && n.info), `${key} has a comment node that explains it`);
      const groups = nodes.filter((n) => n.type === 'group');
      assert.equal(groups.length, 1, `${key} is one group`);
      for (const c of nodes.filter((n) => n.type === 'catch')) assert.equal(c.scope, 'group', `${key} ${c.id}`);
      for (const node of nodes) {
        assert.equal(node.credentials, undefined, `${key} ${node.id} carries no credentials`);
        assert.ok(!('clientId' in node) && !('secret' in node) && !('encryptionKey' in node), `${key} ${node.id} has no credential fields`);
        assert.ok(!('access_token' in node) || node.access_token === '' || node.type === 'plaid-items', `${key} ${node.id} names no token`);
      }
      for (const n of nodes.filter((x) => 'store' in x)) assert.ok(nodes.some((c) => c.id === n.store && c.type === 'plaid-item-store'), `${key} ${n.id} uses its own store`);
    }
  });

  it('every node type of the package appears in some example', () => {
    const types = new Set(Object.values(examples).flat().map((n) => n.type));
    const all = ['plaid-config', 'plaid-webhook-in', 'plaid-item-store', 'plaid-items', 'plaid-items-reconcile', 'plaid-item-repair', ...require('../../dist/plaid/endpoints').ENDPOINTS.map((e) => e.type)];
    for (const type of all) assert.ok(types.has(type), `${type} appears in an example`);
  });

  it('stops cleanly on Ctrl-C: Node-RED and the emulator both gone', async () => {
    const exited = new Promise((resolve) => launcher.child.once('exit', (code, signal) => resolve({ code, signal })));
    launcher.child.kill('SIGINT');
    const { code } = await exited;
    assert.equal(code, 0, launcher.output.slice(-2000));
    await assert.rejects(fetch(`${editor}/flows`));
    await assert.rejects(fetch(`${emulator}/emulator/state`));
  });
});
