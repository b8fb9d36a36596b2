'use strict';
// The "Plaid Items" sidebar in chromium: a flow deployed from the editor (an import route into a plaid-item-store
// and a verifying plaid-webhook-in on it), Items made in the Plaid emulator and imported, signed webhooks sent by
// the emulator; the tab's counts, rows, order, filter, search and one Item's history follow without a reload.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { start: startEmulator } = require('../../dist/emulator');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const { OUTPUT_COUNT } = require('../../dist/plaid/webhook/routing');
const { startNodeRed, root } = require('./support/node-red');
const { launch, screenshotWideSidebar, showSidebarTab } = require('./support/browser');
const { until } = require('../support/until');

const IMAGES = path.resolve(root, process.env.PLAID_SCREENSHOTS_DIR || path.join('test-results', 'screenshots'));
const TAB = 'plaid-items-sidebar';
const STORE_KEY = generateStoreKey();
const IMPORT_PATH = '/sidebar-test/items';

/** What Node-RED starts with: the two config nodes, their credentials seeded (never in flows.json). */
function configNodes(emulatorUrl) {
  return [
    { id: 'plaid-cfg', type: 'plaid-config', name: 'emulator', environment: 'custom', baseUrl: emulatorUrl, timeout: '5000', retries: '1' },
    { id: 'item-store', type: 'plaid-item-store', name: 'Demo Items', backend: 'sqlite', file: 'sidebar-items.db' },
  ];
}

/** What the test deploys from the editor: an import route into the store, and the webhook route on it. */
function workingFlow() {
  return [
    { id: 'import-in', type: 'http in', name: 'import an Item', url: IMPORT_PATH, method: 'post', upload: false, swaggerDoc: '', x: 160, y: 80, wires: [['import-put']] },
    { id: 'import-put', type: 'plaid-items', name: '', operation: 'put', store: 'item-store', item_id: 'item_id', item_idType: 'msg', statuses: '', x: 380, y: 80, wires: [['import-out']] },
    { id: 'import-out', type: 'http response', name: '', statusCode: '', headers: {}, x: 570, y: 80, wires: [] },
    {
      id: 'webhooks', type: 'plaid-webhook-in', name: 'Plaid webhooks', url: '/plaid/webhook', plaid: 'plaid-cfg', verify: true, dedupe: false, dedupeStore: '', store: 'item-store',
      x: 170, y: 180, wires: Array.from({ length: OUTPUT_COUNT }, () => []),
    },
  ];
}

describe('Plaid Items sidebar in chromium', function () {
  this.timeout(60000);
  let emulator;
  let red;
  let browser;
  let page;
  const items = {};

  const noProblems = () => assert.deepEqual(browser.problems.splice(0), [], 'no page errors and no console errors');

  async function control(route, body) {
    const res = await fetch(`${emulator.url}/emulator/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, `emulator ${route}: ${await res.clone().text()}`);
    return res.json();
  }

  async function plaid(endpoint, body) {
    const res = await fetch(`${emulator.url}${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: emulator.clientId, secret: emulator.secret, ...body }),
    });
    assert.equal(res.status, 200, `${endpoint}: ${await res.clone().text()}`);
    return res.json();
  }

  /** An Item at the emulator, imported into the store through the deployed flow (as a migration would). */
  async function makeItem(name, clientUserId) {
    const made = await control('items', { institution_id: 'ins_109508', webhook: `${red.url}plaid/webhook` });
    const body = JSON.stringify({ item_id: made.item_id, access_token: made.access_token, client_user_id: clientUserId, institution_id: 'ins_109508' });
    // POST /flows answers before the deployed nodes run: until they do, the route is not there (404).
    const res = await until('the deployed import route to answer', async () => {
      const answer = await fetch(`${red.url}${IMPORT_PATH.slice(1)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return answer.status !== 404 && answer;
    }, 10000);
    assert.equal(res.status, 200, `import ${name}: ${await res.text()}`);
    items[name] = { ...made, clientUserId };
  }

  /** The rows as the tab shows them: item_id, status (its badge's status), error. */
  const rows = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('.plaid-items-table tbody tr')].map((tr) => ({
        item_id: /** @type {HTMLElement} */ (tr).dataset.itemId,
        status: /** @type {HTMLElement} */ (tr.querySelector('.plaid-items-badge')).dataset.status,
        error: tr.querySelector('.plaid-items-error').textContent,
        user: tr.children[1].textContent,
        lastWebhook: /** @type {HTMLElement | null} */ (tr.querySelector('.plaid-items-last'))?.title || '',
        lastWhen: tr.querySelector('.plaid-items-last .plaid-items-when')?.textContent || '',
      })),
    );
  const counts = () =>
    page.evaluate(() => Object.fromEntries([...document.querySelectorAll('.plaid-items-store .plaid-items-badge')].map((b) => [/** @type {HTMLElement} */ (b).dataset.status, Number(b.textContent.split(' ').pop())])));

  async function untilRows(what, check) {
    try {
      await page.waitForFunction(check, null, { timeout: 10000 });
    } catch (err) {
      throw new Error(`${what}: the tab shows ${JSON.stringify(await rows())}`);
    }
  }

  /** The badges converge on `expected` (a burst of changes is read again once it settles). */
  async function untilCounts(expected) {
    let shown;
    try {
      await until('the badges', async () => JSON.stringify((shown = await counts())) === JSON.stringify(expected), 10000);
    } catch {
      assert.deepEqual(shown, expected, 'the badges');
    }
  }

  before(async function () {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
    red = await startNodeRed({
      flows: configNodes(emulator.url),
      credentials: { 'plaid-cfg': { clientId: emulator.clientId, secret: emulator.secret }, 'item-store': { encryptionKey: STORE_KEY } },
    });
    browser = await launch({ width: 1600, height: 900 });
    page = browser.page;
    await page.goto(red.url);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.getType('plaid-item-store') && RED.sidebar.containsTab('plaid-items-sidebar'), null, { timeout: 30000 });
    fs.mkdirSync(IMAGES, { recursive: true });
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
    await emulator?.stop();
  });

  it('opens the tab: the store with a zero count for every status', async function () {
    await showSidebarTab(page, TAB);
    await page.locator('.plaid-items-store').waitFor({ state: 'visible' });
    assert.equal(await page.locator('.plaid-items-store-name').innerText(), 'Demo Items');
    assert.deepEqual(await counts(), { healthy: 0, login_required: 0, pending_expiration: 0, pending_disconnect: 0, revoked: 0, removed: 0, error: 0 });
    assert.match(await page.locator('.plaid-items-message').innerText(), /no Items yet/);
    noProblems();
  });

  it('deploys a flow from the editor; imported Items appear in the open tab without a reload', async function () {
    await page.evaluate(() => {
      window.plaidNoReload = true;
    });
    // Import ▸ Clipboard, paste, Import; the nodes follow the mouse until a click drops them.
    await page.evaluate(() => RED.actions.invoke('core:show-import-dialog'));
    await page.locator('#red-ui-clipboard-dialog-import-text').fill(JSON.stringify(workingFlow()));
    await page.locator('#red-ui-clipboard-dialog-import-text').press('End'); // the dialog checks the text on keyup
    await page.locator('#red-ui-clipboard-dialog-ok').click();
    await page.locator('#red-ui-clipboard-dialog-import-text').waitFor({ state: 'hidden' });
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    await page.mouse.move(chart.x + 300, chart.y + 120);
    await page.mouse.click(chart.x + 300, chart.y + 120);
    await page.waitForFunction(() => !$('#red-ui-header-button-deploy').hasClass('disabled'), null, { timeout: 10000 });
    await page.locator('#red-ui-header-button-deploy').click();
    await page.waitForFunction(() => $('#red-ui-header-button-deploy').hasClass('disabled'), null, { timeout: 15000 });
    await makeItem('ada', 'user-ada');
    await makeItem('bob', 'user-bob');
    await makeItem('cy', 'user-cy');
    await untilRows('three healthy Items', () => document.querySelectorAll('.plaid-items-table tbody tr').length === 3);
    await untilCounts({ healthy: 3, login_required: 0, pending_expiration: 0, pending_disconnect: 0, revoked: 0, removed: 0, error: 0 });
    assert.ok(await page.evaluate(() => window.plaidNoReload), 'the page was not reloaded');
    noProblems();
  });

  it('shows the status changes signed webhooks make, the Items that need action first', async function () {
    await plaid('/sandbox/item/reset_login', { access_token: items.bob.access_token });
    await control('webhooks/fire', { item_id: items.cy.item_id, webhook_code: 'PENDING_EXPIRATION' });
    await untilRows('bob login_required first, cy pending_expiration second', () => {
      const statuses = [...document.querySelectorAll('.plaid-items-table tbody tr .plaid-items-badge')].map((b) => /** @type {HTMLElement} */ (b).dataset.status);
      return statuses.join() === 'login_required,pending_expiration,healthy';
    });
    const shown = await rows();
    assert.deepEqual(shown.map((r) => r.item_id), [items.bob.item_id, items.cy.item_id, items.ada.item_id]);
    assert.equal(shown[0].error, 'ITEM_LOGIN_REQUIRED');
    assert.equal(shown[0].lastWebhook, 'ITEM ERROR');
    assert.match(shown[0].lastWhen, /^\d+ s ago$/);
    assert.equal(shown[1].lastWebhook, 'ITEM PENDING_EXPIRATION');
    await untilCounts({ healthy: 1, login_required: 1, pending_expiration: 1, pending_disconnect: 0, revoked: 0, removed: 0, error: 0 });
    assert.equal(await page.locator('.plaid-items-row.needs-action').count(), 2, 'both marked as needing action');
    assert.ok(await page.evaluate(() => window.plaidNoReload), 'the page was not reloaded');
    noProblems();
  });

  it('filters by status and searches by client_user_id and item_id', async function () {
    await page.locator('.plaid-items-status').selectOption('login_required');
    await untilRows('only bob', () => document.querySelectorAll('.plaid-items-table tbody tr').length === 1);
    assert.deepEqual((await rows()).map((r) => r.user), ['user-bob']);

    await page.locator('.plaid-items-status').selectOption('');
    await page.locator('.plaid-items-search').fill('USER-CY');
    await untilRows('only cy', () => {
      const trs = document.querySelectorAll('.plaid-items-table tbody tr');
      return trs.length === 1 && trs[0].children[1].textContent === 'user-cy';
    });
    await page.locator('.plaid-items-search').fill(items.ada.item_id.slice(0, 12));
    await untilRows('only ada', () => {
      const trs = document.querySelectorAll('.plaid-items-table tbody tr');
      return trs.length === 1 && trs[0].children[1].textContent === 'user-ada';
    });
    await page.locator('.plaid-items-search').fill('');
    await untilRows('all three again', () => document.querySelectorAll('.plaid-items-table tbody tr').length === 3);

    // A badge is a filter too.
    await page.locator('.plaid-items-store .plaid-items-badge[data-status="pending_expiration"]').click();
    await untilRows('only cy', () => document.querySelectorAll('.plaid-items-table tbody tr').length === 1);
    assert.equal(await page.locator('.plaid-items-status').inputValue(), 'pending_expiration');
    await page.locator('.plaid-items-status').selectOption('');
    await untilRows('all three again', () => document.querySelectorAll('.plaid-items-table tbody tr').length === 3);
    noProblems();
  });

  it("opens one Item's history, which follows the Item live", async function () {
    await page.locator(`.plaid-items-row[data-item-id="${items.bob.item_id}"]`).click();
    await page.locator('.plaid-items-timeline').waitFor({ state: 'visible' });
    const events = () => page.locator('.plaid-items-event').evaluateAll((els) => els.map((el) => [...el.children].map((c) => c.textContent).filter(Boolean).join(' ')));
    assert.match((await events())[0], /^ITEM ERROR login required ITEM_LOGIN_REQUIRED/);

    await control('items/repair', { item_id: items.bob.item_id });
    await page.waitForFunction(() => /ITEM LOGIN_REPAIRED/.test(document.querySelector('.plaid-items-event')?.textContent || ''), null, { timeout: 10000 });
    const after = await events();
    assert.match(after[0], /^ITEM LOGIN_REPAIRED healthy/);
    assert.match(after[1], /^ITEM ERROR login required ITEM_LOGIN_REQUIRED/);
    await untilRows('bob healthy again', () => /** @type {HTMLElement | null} */ (document.querySelector('.plaid-items-row.selected .plaid-items-badge'))?.dataset.status === 'healthy');
    assert.ok(await page.evaluate(() => window.plaidNoReload), 'the page was not reloaded');
    noProblems();
  });

  it('catches up on changes made while another tab was shown', async function () {
    await showSidebarTab(page, 'info');
    await page.locator('.plaid-items').waitFor({ state: 'hidden' });
    await control('webhooks/fire', { item_id: items.cy.item_id, webhook_code: 'USER_PERMISSION_REVOKED' });
    await page.waitForTimeout(500);
    await showSidebarTab(page, TAB);
    const cy = items.cy.item_id;
    await page.waitForFunction((id) => /** @type {HTMLElement | null} */ (document.querySelector(`.plaid-items-row[data-item-id="${id}"] .plaid-items-badge`))?.dataset.status === 'revoked', cy, { timeout: 10000 });
    assert.equal((await rows())[0].item_id, cy, 'revoked before healthy');
    assert.ok(await page.evaluate(() => window.plaidNoReload), 'the page was not reloaded');
    noProblems();
  });

  it('never shows a token, nor receives one', async function () {
    await control('webhooks/fire', { item_id: items.ada.item_id, webhook_code: 'PENDING_DISCONNECT' });
    await untilRows('ada pending_disconnect', () => !!document.querySelector('.plaid-items-row .plaid-items-badge[data-status="pending_disconnect"]'));
    const html = await page.content();
    const received = browser.bodies.map((b) => b.text).join('\n');
    for (const { access_token: token } of Object.values(items)) {
      assert.equal(html.includes(token), false, 'not in the page');
      assert.equal(received.includes(token), false, 'in no response');
    }
    assert.equal(/access-[a-z]+-[0-9a-f-]{8,}/.test(html), false);
    assert.equal(received.includes(STORE_KEY), false, 'the store key in no response');
    noProblems();
  });

  it('looks like this (docs/images/items-sidebar.png)', async function () {
    // The tab down to the end of the open history.
    await screenshotWideSidebar(page, '.plaid-items-history', path.join(IMAGES, 'items-sidebar.png'));
    noProblems();
  });
});
