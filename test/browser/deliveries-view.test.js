'use strict';
// The Plaid Items sidebar's Deliveries view in chromium: a verifying plaid-webhook-in on a SQLite store, signed
// webhooks posted to it; the view lists them newest first, filters them, shows one body with its tokens masked, and
// replays a selection after a confirmation naming the count: the flow gets them again, replayed.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const { OUTPUT_COUNT } = require('../../dist/plaid/webhook/routing');
const { startKeyServer } = require('../support/webhook-key-server');
const { makeKey, plaidDelivery } = require('../support/webhook-signer');
const { until } = require('../support/until');
const { startNodeRed, root } = require('./support/node-red');
const { launch, screenshotWideSidebar, showSidebarTab } = require('./support/browser');

const IMAGES = path.resolve(root, process.env.PLAID_SCREENSHOTS_DIR || path.join('test-results', 'screenshots'));
const TAB = 'plaid-items-sidebar';
const PUBLIC_TOKEN = 'public-sandbox-3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a99';

function flows(keyServer) {
  return [
    { id: 'tab', type: 'tab', label: 'Webhooks' },
    { id: 'plaid-cfg', type: 'plaid-config', name: 'sandbox', environment: 'custom', baseUrl: keyServer.baseUrl, timeout: '5000', retries: '0' },
    { id: 'item-store', type: 'plaid-item-store', name: 'Demo Items', backend: 'sqlite', file: 'deliveries-view.db' },
    {
      id: 'webhooks', type: 'plaid-webhook-in', z: 'tab', name: 'Plaid webhooks', url: '/plaid/webhook', plaid: 'plaid-cfg', verify: true, dedupe: true, dedupeStore: '',
      store: 'item-store', logRetentionDays: '30', x: 170, y: 100, wires: Array.from({ length: OUTPUT_COUNT }, () => ['handle']),
    },
    { id: 'handle', type: 'function', z: 'tab', name: 'handle', outputs: 1, x: 400, y: 100, wires: [[]], func: "global.get('recorder').record(msg);\nreturn null;" },
  ];
}

const item = (n) => `item-${String(n).padStart(2, '0')}-eb6f8c1d2a3b`;
const itemWebhook = (n, code, extra = {}) => ({ webhook_type: 'ITEM', webhook_code: code, item_id: item(n), environment: 'sandbox', ...extra });
const error = { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'the login details of this item have changed', display_message: null, request_id: 'req' };

describe('the Deliveries view in chromium', function () {
  this.timeout(60000);
  const received = [];
  const recorder = { record: (msg) => received.push({ code: msg.topic, item: msg.plaid.item_id, id: msg.plaid.delivery_id, replayed: msg.plaid.replayed }) };
  let keyServer;
  let key;
  let red;
  let browser;
  let page;

  const noProblems = () => assert.deepEqual(browser.problems.splice(0), [], 'no page errors and no console errors');
  const rows = () => page.evaluate(() => [...document.querySelectorAll('.plaid-deliveries-table tbody tr')].map((tr) => ({
    id: /** @type {HTMLElement} */ (tr).dataset.deliveryId,
    code: tr.querySelector('.plaid-deliveries-code-cell').textContent,
    item: tr.querySelector('.plaid-deliveries-item-id').textContent,
    node: tr.children[4].textContent,
    outcome: /** @type {HTMLElement} */ (tr.querySelector('.plaid-deliveries-outcome')).dataset.outcome,
  })));

  async function untilRows(what, check) {
    try {
      await page.waitForFunction(check, null, { timeout: 10000 });
    } catch {
      throw new Error(`${what}: the view shows ${JSON.stringify(await rows())}`);
    }
  }

  async function send(body) {
    const delivery = plaidDelivery(body, key);
    const res = await fetch(`${red.url}plaid/webhook`, { method: 'POST', headers: delivery.headers, body: delivery.raw });
    assert.equal(res.status, 200);
  }

  before(async function () {
    keyServer = await startKeyServer();
    key = makeKey('kid-view');
    keyServer.add(key);
    red = await startNodeRed({
      flows: flows(keyServer),
      credentials: { 'plaid-cfg': { clientId: 'client', secret: 'secret-0123456789' }, 'item-store': { encryptionKey: generateStoreKey() } },
      settings: { functionGlobalContext: { recorder } },
    });
    browser = await launch({ width: 1600, height: 900 });
    page = browser.page;
    await page.goto(red.url);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.getType('plaid-item-store') && RED.sidebar.containsTab('plaid-items-sidebar'), null, { timeout: 30000 });
    fs.mkdirSync(IMAGES, { recursive: true });
    // The webhook route answers once the flow runs.
    await until('the webhook route', async () => (await fetch(`${red.url}plaid/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status === 401);
    await send(itemWebhook(1, 'ERROR', { error }));
    await send(itemWebhook(2, 'PENDING_EXPIRATION', { consent_expiration_time: '2026-12-24T00:00:00Z', error: null }));
    await send(itemWebhook(3, 'ERROR', { error }));
    await send({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', status: 'SUCCESS', link_session_id: 'ls-view-1', link_token: 'link-sandbox-6e5d4c3b-2a19-4807-b6a5-948372615fed', public_tokens: [PUBLIC_TOKEN], environment: 'sandbox' });
    await send(itemWebhook(1, 'LOGIN_REPAIRED'));
    await until('five messages', () => received.length === 5);
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
    await keyServer?.close();
  });

  it('lists the store\'s deliveries, newest first, in the Deliveries view', async function () {
    await showSidebarTab(page, TAB);
    await page.locator('.plaid-items-store').waitFor({ state: 'visible' });
    await page.locator('.plaid-items-views button[data-view="deliveries"]').click();
    await untilRows('five deliveries', () => document.querySelectorAll('.plaid-deliveries-table tbody tr').length === 5);
    const shown = await rows();
    assert.deepEqual(shown.map((r) => r.code), ['LOGIN_REPAIRED', 'SESSION_FINISHED', 'ERROR', 'PENDING_EXPIRATION', 'ERROR']);
    assert.deepEqual(shown.map((r) => r.item), [item(1), '', item(3), item(2), item(1)]);
    assert.deepEqual([...new Set(shown.map((r) => r.node))], ['Plaid webhooks']);
    assert.deepEqual([...new Set(shown.map((r) => r.outcome))], ['emitted']);
    assert.equal(await page.locator('.plaid-deliveries-summary').innerText(), 'Deliveries: 5');
    // The unsigned probe before() sent until the route answered: refused (401), counted, not in the log.
    assert.equal(await page.locator('.plaid-deliveries-refused').innerText(), 'Refused since the node started, never logged: Plaid webhooks: 1');
    assert.equal(await page.locator('.plaid-items-table').isVisible(), false, 'the Items view is hidden');
    noProblems();
  });

  it('filters by code and by item_id', async function () {
    await page.locator('.plaid-deliveries-code').selectOption('ERROR');
    await untilRows('two ERRORs', () => document.querySelectorAll('.plaid-deliveries-table tbody tr').length === 2);
    assert.deepEqual((await rows()).map((r) => r.item), [item(3), item(1)]);
    await page.locator('.plaid-deliveries-item').fill(item(1));
    await untilRows('one ERROR of item 1', () => document.querySelectorAll('.plaid-deliveries-table tbody tr').length === 1);
    await page.locator('.plaid-deliveries-code').selectOption('');
    await untilRows('both of item 1', () => document.querySelectorAll('.plaid-deliveries-table tbody tr').length === 2);
    assert.deepEqual((await rows()).map((r) => r.code), ['LOGIN_REPAIRED', 'ERROR']);
    await page.locator('.plaid-deliveries-item').fill('');
    await untilRows('all five', () => document.querySelectorAll('.plaid-deliveries-table tbody tr').length === 5);
    noProblems();
  });

  it('shows one delivery\'s body, its public token masked', async function () {
    await page.locator('.plaid-deliveries-row', { hasText: 'SESSION_FINISHED' }).locator('td').nth(2).click();
    const json = page.locator('.plaid-deliveries-json');
    await json.waitFor({ state: 'visible' });
    const body = JSON.parse(await json.innerText());
    assert.equal(body.link_session_id, 'ls-view-1');
    assert.deepEqual(body.public_tokens, ['public-sandbox-…0a99']);
    assert.equal(body.link_token, 'link-sandbox-…5fed');
    assert.equal((await page.content()).includes(PUBLIC_TOKEN), false, 'not in the page');
    assert.equal(browser.bodies.some((b) => b.text.includes(PUBLIC_TOKEN)), false, 'in no response');
    noProblems();
  });

  it('replays the selection after a confirmation naming the count; the flow gets them again, replayed', async function () {
    const errors = (await rows()).filter((r) => r.code === 'ERROR');
    for (const { id } of errors) await page.locator(`.plaid-deliveries-row[data-delivery-id="${id}"] .plaid-deliveries-check`).check();
    const button = page.locator('.plaid-deliveries-replay-selected');
    assert.equal(await button.innerText(), 'Replay selected (2)');
    await button.click();
    const dialog = page.locator('.red-ui-notification', { hasText: 'Replay 2 of the store\'s logged deliveries?' });
    await dialog.waitFor({ state: 'visible' });
    assert.match(await dialog.innerText(), /msg\.plaid\.replayed/);
    await dialog.screenshot({ path: path.join(IMAGES, 'deliveries-replay-confirm.png') });
    assert.equal(received.filter((r) => r.replayed).length, 0, 'nothing before the confirmation');
    await dialog.locator('button', { hasText: 'Replay 2' }).click();
    await page.locator('.plaid-deliveries-result', { hasText: 'Replayed: 2.' }).waitFor({ state: 'visible', timeout: 10000 });
    await until('two replayed', () => received.filter((r) => r.replayed).length === 2);
    const replayed = received.filter((r) => r.replayed);
    assert.deepEqual(replayed.map((r) => [r.code, r.id]), [...errors].reverse().map((r) => ['ERROR', r.id]), 'in the order they arrived');
    await untilRows('marked replayed', () => document.querySelectorAll('.plaid-deliveries-outcome[data-outcome="replayed"]').length === 2);
    assert.equal(await button.innerText(), 'Replay selected (0)');
    noProblems();
  });

  it('replays everything matching the filter, up to the listing, after its confirmation', async function () {
    await page.locator('.plaid-deliveries-code').selectOption('LOGIN_REPAIRED');
    await untilRows('the LOGIN_REPAIRED', () => document.querySelectorAll('.plaid-deliveries-table tbody tr').length === 1);
    const button = page.locator('.plaid-deliveries-replay-matching');
    assert.equal(await button.innerText(), 'Replay all matching (1)');
    await button.click();
    const dialog = page.locator('.red-ui-notification', { hasText: 'Replay 1 of the store\'s logged deliveries?' });
    await dialog.locator('button', { hasText: 'Replay 1' }).click();
    await page.locator('.plaid-deliveries-result', { hasText: 'Replayed: 1.' }).waitFor({ state: 'visible', timeout: 10000 });
    await until('the LOGIN_REPAIRED replayed', () => received.some((r) => r.replayed && r.code === 'LOGIN_REPAIRED'));
    assert.equal(received.filter((r) => r.replayed).length, 3);
    await page.locator('.plaid-deliveries-code').selectOption('');
    await untilRows('all five', () => document.querySelectorAll('.plaid-deliveries-table tbody tr').length === 5);
    noProblems();
  });

  it('looks like this (docs/images/deliveries-sidebar.png)', async function () {
    await page.locator('.plaid-deliveries-row', { hasText: 'SESSION_FINISHED' }).locator('td').nth(2).click();
    await page.locator('.plaid-deliveries-json').waitFor({ state: 'visible' });
    await screenshotWideSidebar(page, '.plaid-deliveries-body', path.join(IMAGES, 'deliveries-sidebar.png'));
    noProblems();
  });
});
