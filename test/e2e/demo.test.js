'use strict';
// The `npm start` demo as a person uses it: its buttons clicked through the Admin API (POST /inject/<id>) in
// several orders, each click checked to end where its group says (its last debug node, an outbox notification),
// one error shown once, and afterwards no access token in any place a person or an editor user could see.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { loadExamples } = require('../../scripts/demo-flow');
const { connectComms } = require('../support/comms');
const { until, json, startLauncher, inject } = require('./support');

const TOKEN = 'access-sandbox-';
const examples = Object.fromEntries(loadExamples().map(({ file, nodes }) => [file.slice(0, 2), nodes]));
const named = (key, type, name) => {
  const node = examples[key].find((n) => n.type === type && n.name === name);
  if (!node) throw new Error(`example ${key} has no ${type} "${name}"`);
  return node.id;
};

/** Each button of the demo: the inject node and the debug node its success ends at. */
const BUTTONS = {
  break: { inject: named('08', 'inject', 'Break the login of a new Item'), done: named('08', 'debug', 'notify the user'), outbox: 'repair' },
  disconnect: { inject: named('08', 'inject', 'Warn of a disconnect'), done: named('08', 'debug', 'notify the user'), outbox: 'repair' },
  link: { inject: named('01', 'inject', 'Link a new sandbox Item'), done: named('01', 'debug', 'Item') },
  list: { inject: named('01', 'inject', 'List the stored Items'), done: named('01', 'debug', 'stored Items') },
  revoke: { inject: named('03', 'inject', 'Revoke the permission'), done: named('03', 'debug', 'removed') },
  rotate: { inject: named('05', 'inject', 'Rotate the access token'), done: named('05', 'debug', 'rotated') },
  move: { inject: named('06', 'inject', 'Move the webhook to a new URL'), done: named('06', 'debug', 'confirmed') },
  verify: { inject: named('07', 'inject', "Expire a new Item's account verification"), done: named('07', 'debug', 'verification set') },
  silently: { inject: named('09', 'inject', 'Break an Item silently'), done: named('09', 'debug', 'broken silently') },
  reconcile: { inject: named('09', 'inject', 'Reconcile now'), done: named('09', 'debug', 'sweep done') },
};
const ORDERS = {
  'top to bottom': ['break', 'disconnect', 'link', 'list', 'silently', 'reconcile', 'revoke', 'rotate', 'move', 'verify'],
  'revoke first, then every other': ['revoke', 'rotate', 'reconcile', 'break', 'verify', 'move', 'silently', 'disconnect', 'list', 'link'],
  'bottom to top, revoking in between': ['verify', 'revoke', 'move', 'revoke', 'silently', 'rotate', 'revoke', 'reconcile', 'disconnect', 'break', 'list', 'link'],
};

describe('the npm start demo', function () {
  this.timeout(120000);
  let launcher;
  let comms;
  let flows;
  const errorDebugIds = () => flows.filter((n) => n.type === 'debug' && n.name === 'error').map((n) => n.id);
  const errorsShown = () => errorDebugIds().flatMap((id) => comms.debug(id));
  const outbox = async () => (await json(`${launcher.editor}/demo/outbox?format=json`)).body;

  before(async () => {
    launcher = await startLauncher();
    comms = await connectComms(launcher.editor);
    flows = (await json(`${launcher.editor}/flows`)).body;
  });

  after(async () => {
    if (comms) comms.close();
    if (launcher) await launcher.stop();
  });

  /** Clicks one button and waits for its group's last debug node (and its outbox notification). */
  async function click(name) {
    const button = BUTTONS[name];
    const shown = comms.debug(button.done).length;
    const sent = (await outbox()).notifications.filter((n) => n.kind === button.outbox).length;
    const errors = errorsShown().length;
    await inject(launcher.editor, button.inject);
    await until(`${name}: its debug node "${flows.find((n) => n.id === button.done).name}"`, () => comms.debug(button.done).length > shown || errorsShown().length > errors, 20000);
    assert.deepEqual(errorsShown().slice(errors).map((e) => e.msg), [], `${name} showed no error`);
    if (button.outbox) {
      await until(`${name}: a ${button.outbox} notification in the outbox`, async () => (await outbox()).notifications.filter((n) => n.kind === button.outbox).length > sent);
    }
  }

  it('came up with the demo tab deployed, credentials kept out of flows.json and encrypted', async () => {
    const flowsFile = fs.readFileSync(path.join(launcher.userDir, 'flows.json'), 'utf8');
    assert.ok(!flowsFile.includes('emulator-secret'));
    const stored = fs.readFileSync(path.join(launcher.userDir, 'flows_cred.json'), 'utf8');
    assert.deepEqual(Object.keys(JSON.parse(stored)), ['$'], 'credentials encrypted with the kept credentialSecret');
    assert.ok(!stored.includes('emulator-secret'));
    assert.ok(!JSON.stringify(flows).includes('emulator-secret'), 'the editor is never sent the secret');
    const res = await fetch(`${launcher.editor}/plaid/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 401, 'the demo\'s webhook route is up and refuses an unsigned body');
  });

  it('deploys one tab of groups side by side, no group a 2,600 px column, every Catch scoped to its group', () => {
    const tab = flows.find((n) => n.type === 'tab' && n.label === 'Plaid demo');
    assert.ok(tab);
    const groups = flows.filter((n) => n.type === 'group' && n.z === tab.id);
    assert.ok(groups.length >= 7, `${groups.length} groups`);
    assert.ok(new Set(groups.map((g) => g.x)).size >= 2, 'groups sit in more than one column');
    assert.ok(Math.max(...groups.map((g) => g.y + g.h)) < 2000, 'the tab is less than 2,000 px tall');
    for (const g of groups) assert.ok(g.h < 800, `${g.name} fits a screen (${g.h} px)`);
    for (const c of flows.filter((n) => n.type === 'catch')) assert.equal(c.scope, 'group', `${c.id} is scoped to its group`);
    assert.equal(flows.filter((n) => n.type === 'plaid-webhook-in').length, 1, 'one webhook node owns the route');
    const labels = flows.filter((n) => n.type === 'inject').map((n) => n.name);
    assert.ok(labels.every((l) => l && !/^simulate$/i.test(l)), `every button says what it does: ${labels.join(' | ')}`);
    assert.equal(new Set(labels).size >= labels.length - 2, true, 'buttons are told apart by their labels');
    const outboxComment = flows.find((n) => n.type === 'comment' && n.name.includes('/demo/outbox'));
    assert.ok(outboxComment, 'a comment on the tab links the outbox');
  });

  for (const [order, names] of Object.entries(ORDERS)) {
    it(`every button works when clicked ${order}`, async () => {
      for (const name of names) await click(name);
    });
  }

  it('finds an Item broken without a webhook once "Reconcile now" is pressed', async () => {
    await click('silently');
    const itemId = /^broke (\S+) without a webhook/.exec(comms.debug(BUTTONS.silently.done).at(-1).msg)[1];
    const needs = named('09', 'debug', 'needs the user');
    const before = comms.debug(needs).length;
    await click('reconcile');
    const found = await until('the change it found', () => comms.debug(needs).slice(before).find((d) => d.msg.includes(itemId)));
    assert.equal(found.msg, `needs the user: ${itemId} (ITEM_LOGIN_REQUIRED), found by reconcile`);
  });

  it("looks up the session of the repair link 08 sent (plaid-link-token-get): not ended while the user has not used it", async () => {
    await click('break');
    const session = named('09', 'debug', 'session');
    const before = comms.debug(session).length;
    await inject(launcher.editor, named('09', 'inject', "Look up a repair link's session"));
    const shown = await until('the session looked up', () => comms.debug(session)[before]);
    assert.match(shown.msg, /^no session of link-sandbox-\S+ has ended yet$/);
  });

  it('the outbox lists each notification with its link, and the Items as the store has them', async () => {
    const page = await fetch(`${launcher.editor}/demo/outbox`);
    assert.equal(page.status, 200);
    // As a browser reads it: mustache escapes / and = in attributes too.
    const html = (await page.text()).replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))).replace(/&amp;/g, '&');
    const { notifications, items } = await outbox();
    const repair = notifications.find((n) => n.kind === 'repair');
    assert.match(repair.url, /^http:\/\/127\.0\.0\.1:\d+\//, 'a repair notification carries the Hosted Link URL');
    assert.ok(repair.to && repair.item_id && repair.expires, JSON.stringify(repair));
    assert.ok(html.includes(`href="${repair.url}"`), 'the page links it');
    assert.ok(notifications.some((n) => n.kind === 'repair' && n.deadline), 'PENDING_DISCONNECT gave its deadline');
    assert.ok(items.some((i) => i.status === 'removed') && items.some((i) => i.status === 'login_required') && items.some((i) => i.status === 'healthy'));
  });

  it('the outbox links only http(s) URLs, and no web page can post a notice to it', async () => {
    const before = (await outbox()).notifications.length;
    // What a page on another site can send: there is no route to post a notice to, whatever the body and origin.
    /** @type {Array<[Record<string, string>, string]>} */
    const attempts = [
      [{ 'content-type': 'application/json', origin: 'https://evil.example' }, JSON.stringify({ to: 'user-x', url: 'javascript:fetch("/flows")' })],
      [{ 'content-type': 'text/plain' }, JSON.stringify({ to: 'user-x', url: 'javascript:fetch("/flows")' })],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'url=javascript%3Aalert(1)'],
    ];
    for (const [headers, body] of attempts) {
      const res = await fetch(`${launcher.editor}/demo/notify`, { method: 'POST', headers, body });
      assert.ok(res.status === 403 || res.status === 404, `POST /demo/notify answered ${res.status}`);
    }
    assert.equal((await outbox()).notifications.length, before, 'nothing reached the outbox');
    // A notice whose link is not http(s), as a flow could make one: shown without the link; an https one keeps it.
    const notifyId = flows.find((n) => n.type === 'debug' && n.name === 'notify the user').id;
    const probe = (id, url) => ({
      id, type: 'inject', z: flows.find((n) => n.id === notifyId).z, name: `probe ${id}`, x: 1000, y: 2000 + (id.length * 40), wires: [[notifyId]],
      props: [{ p: 'payload' }, { p: 'notification', v: JSON.stringify({ kind: 'repair', to: 'user-probe', item_id: `item-${id}`, subject: 'probe', text: 'probe', url }), vt: 'json' }],
      payload: 'probe', payloadType: 'str', repeat: '', once: false,
    });
    const probes = [probe('probe-js', 'javascript:fetch("/flows")'), probe('probe-spaced', ' JavaScript:alert(1)'), probe('probe-data', 'data:text/html,<script>alert(1)</script>'), probe('probe-https', 'https://example.com/fix')];
    const deployed = await json(`${launcher.editor}/flows`, { method: 'POST', headers: { 'node-red-deployment-type': 'nodes' }, body: JSON.stringify([...flows, ...probes]) });
    assert.ok(deployed.status === 200 || deployed.status === 204, JSON.stringify(deployed.body));
    for (const { id } of probes) await inject(launcher.editor, id);
    await until('the probes\' notices in the outbox', async () => (await outbox()).notifications.filter((n) => n.to === 'user-probe').length === probes.length);
    const kept = Object.fromEntries((await outbox()).notifications.filter((n) => n.to === 'user-probe').map((n) => [n.item_id, n.url]));
    assert.deepEqual(kept, { 'item-probe-js': undefined, 'item-probe-spaced': undefined, 'item-probe-data': undefined, 'item-probe-https': 'https://example.com/fix' });
    const html = await (await fetch(`${launcher.editor}/demo/outbox`)).text();
    const links = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))));
    assert.ok(links.includes('https://example.com/fix') && links.every((href) => /^https?:\/\//.test(href)), links.join(' '));
    // The tab as it was, for the tests after this one.
    await json(`${launcher.editor}/flows`, { method: 'POST', headers: { 'node-red-deployment-type': 'nodes' }, body: JSON.stringify(flows) });
  });

  it('one error shows once, as one readable line in the debug sidebar', async () => {
    const before = errorsShown().length;
    await json(`${launcher.emulator}/emulator/faults`, { method: 'POST', body: JSON.stringify({ serverError: 1, paths: ['/item/get'] }) });
    try {
      await inject(launcher.editor, BUTTONS.link.inject);
      await until('the error shown', () => errorsShown().length > before, 20000);
    } finally {
      await json(`${launcher.emulator}/emulator/faults`, { method: 'POST', body: '{}' });
    }
    // A second line for the same error would come before the next click's outcome: that click, working again, is the
    // signal that nothing more of the first is on its way.
    await click('link');
    const shown = errorsShown().slice(before);
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.equal(typeof shown[0].msg, 'string');
    assert.match(shown[0].msg, /item\/get: Plaid INTERNAL_SERVER_ERROR/);
  });

  it('no access token in /flows, any context, the debug sidebar, node statuses, the outbox or the log', async () => {
    const state = (await json(`${launcher.emulator}/emulator/state`)).body;
    // (control) the search finds tokens where they are: the emulator issued them.
    assert.ok(JSON.stringify(state).split(TOKEN).length - 1 >= 5, 'tokens were in play');
    const context = async (scope, id) => (await fetch(`${launcher.editor}/context/${scope}${id ? `/${id}` : ''}`)).text();
    const tabIds = flows.filter((n) => n.type === 'tab').map((n) => n.id);
    const places = {
      'GET /flows': await (await fetch(`${launcher.editor}/flows`)).text(),
      'global context': await context('global'),
      'flow context': (await Promise.all(tabIds.map((id) => context('flow', id)))).join('\n'),
      'node contexts': (await Promise.all(flows.filter((n) => n.z).map((n) => context('node', n.id)))).join('\n'),
      'debug sidebar and statuses (comms)': JSON.stringify(comms.messages),
      outbox: JSON.stringify(await outbox()) + await (await fetch(`${launcher.editor}/demo/outbox`)).text(),
      'the log': launcher.output,
      'flows.json': fs.readFileSync(path.join(launcher.userDir, 'flows.json'), 'utf8'),
    };
    assert.ok(comms.debug().length > 20, 'the debug sidebar had messages');
    assert.ok(places['flow context'].includes('demo_outbox') || places['flow context'].length > 2, 'the outbox lives in flow context');
    const found = Object.entries(places).filter(([, text]) => text.includes(TOKEN)).map(([where]) => where);
    assert.deepEqual(found, [], 'places that hold an access token');
  });
});
