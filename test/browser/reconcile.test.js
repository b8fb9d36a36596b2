'use strict';
// plaid-items-reconcile in chromium: its edit dialog (the rate, the statuses to check, the session lookups), then
// its inject button pressed in the editor: the status ring shows the sweep's summary, and the Plaid Items sidebar
// the Item it found broken and the one whose consent ends soon (no webhook ever said so), and when each Item was
// checked.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { start: startEmulator } = require('../../dist/emulator');
const { generateStoreKey, TokenCipher } = require('../../dist/plaid/store/cipher');
const { ItemStore } = require('../../dist/plaid/store/item-store');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage');
const { ITEM_STATUSES } = require('../../dist/plaid/store/record');
const { DEFAULT_RECONCILE_STATUSES } = require('../../dist/plaid/reconcile/defaults');
const { startNodeRed, root } = require('./support/node-red');
const { launch, showSidebarTab, settled } = require('./support/browser');

const IMAGES = path.resolve(root, process.env.PLAID_SCREENSHOTS_DIR || path.join('test-results', 'screenshots'));
const STORE_KEY = generateStoreKey();
const STORE_FILE = 'reconcile-items.db';

function flows(emulatorUrl) {
  return [
    { id: 'tab', type: 'tab', label: 'Reconcile' },
    { id: 'cfg', type: 'plaid-config', name: 'emulator', environment: 'custom', baseUrl: emulatorUrl, timeout: '5000', retries: '1' },
    { id: 'store', type: 'plaid-item-store', name: 'Items', backend: 'sqlite', file: STORE_FILE },
    { id: 'now', type: 'inject', z: 'tab', name: 'Reconcile now', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload: '{}', payloadType: 'json', x: 140, y: 80, wires: [['rec']] },
    { id: 'rec', type: 'plaid-items-reconcile', z: 'tab', name: '', plaid: 'cfg', store: 'store', callsPerMinute: 600, statuses: [...DEFAULT_RECONCILE_STATUSES], linkSessions: true, x: 360, y: 80, wires: [['changed'], ['done']] },
    { id: 'changed', type: 'debug', z: 'tab', name: 'changed', active: true, tosidebar: true, console: false, tostatus: false, complete: 'topic', targetType: 'msg', x: 580, y: 60, wires: [] },
    { id: 'done', type: 'debug', z: 'tab', name: 'sweep done', active: true, tosidebar: true, console: false, tostatus: false, complete: 'payload', targetType: 'msg', x: 590, y: 100, wires: [] },
  ];
}

describe('plaid-items-reconcile in chromium', function () {
  this.timeout(60000);
  let emulator;
  let red;
  let browser;
  let page;
  const noProblems = () => assert.deepEqual(browser.problems.splice(0), [], 'no page errors and no console errors');

  before(async function () {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
    red = await startNodeRed({ flows: flows(emulator.url), credentials: { cfg: { clientId: emulator.clientId, secret: emulator.secret }, store: { encryptionKey: STORE_KEY } } });
    browser = await launch({ width: 1600, height: 900 });
    page = browser.page;
    await page.goto(red.url);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.getType('plaid-items-reconcile') && document.getElementById('rec'), null, { timeout: 30000 });
    fs.mkdirSync(IMAGES, { recursive: true });
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
    await emulator?.stop();
  });

  it('opens its dialog: the rate (1 to 5,000 a minute), the statuses to check, session lookups', async function () {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('rec')));
    await page.locator('#plaid-items-reconcile-statuses input').first().waitFor({ state: 'visible' });
    // The tray slides in: its labels are read where they stay.
    await settled(page);
    const view = await page.evaluate(() => ({
      rate: $('#node-input-callsPerMinute').val(),
      statuses: $('#plaid-items-reconcile-statuses input').map((i, el) => [[el.value, el.checked]]).get(),
      sessions: $('#node-input-linkSessions').is(':checked'),
      labels: $('#dialog-form label:visible').map((i, el) => el.textContent.trim()).get().filter(Boolean),
      config: $('#node-input-plaid').val(),
      store: $('#node-input-store').val(),
    }));
    assert.equal(view.rate, '600');
    assert.deepEqual(view.statuses, ITEM_STATUSES.map((status) => [status, DEFAULT_RECONCILE_STATUSES.includes(status)]));
    assert.equal(view.sessions, true);
    assert.deepEqual([view.config, view.store], ['cfg', 'store']);
    assert.ok(view.labels.includes('Calls/min') && view.labels.includes('Check'), JSON.stringify(view.labels));
    assert.ok(!view.labels.some((label) => /plaid-items-reconcile\./.test(label)), 'labels are translated');
    await page.locator('#node-input-callsPerMinute').fill('6000');
    await page.locator('#node-input-callsPerMinute').blur();
    await page.waitForFunction(() => $('#node-input-callsPerMinute').hasClass('input-error'), null, { timeout: 5000 });
    await page.locator('#node-input-callsPerMinute').fill('600');
    await page.locator('#node-input-callsPerMinute').blur();
    await page.waitForFunction(() => !$('#node-input-callsPerMinute').hasClass('input-error'), null, { timeout: 5000 });
    const clip = await page.evaluate(() => {
      const tray = $('.red-ui-tray:visible').last()[0].getBoundingClientRect();
      const rows = $('#dialog-form').find('.form-row:visible').get().map((el) => el.getBoundingClientRect().bottom);
      return { x: tray.left, y: tray.top, width: tray.width, height: Math.min(tray.height, Math.max(...rows) - tray.top + 16) };
    });
    await page.screenshot({ path: path.join(IMAGES, 'reconcile-dialog.png'), clip });
    await page.locator('#node-dialog-cancel').click();
    await page.locator('#dialog-form').waitFor({ state: 'detached' });
    noProblems();
  });

  it('finds an Item broken and one whose consent ends, without a webhook, when its button is pressed: the ring and the sidebar show them', async function () {
    // Three Items in the store, as exchanges would have left them; at Plaid one loses its login and another's consent
    // comes to end in 7 days, and no webhook is sent (the Items have no webhook URL).
    const store = new ItemStore(new SqliteStorage({ file: path.join(red.userDir, STORE_FILE) }), new TokenCipher(STORE_KEY));
    await store.open();
    const [fine, broken, expiring] = [emulator.createItem(), emulator.createItem(), emulator.createItem()];
    try {
      for (const item of [fine, broken, expiring]) await store.save({ item_id: item.item_id, access_token: item.access_token, client_user_id: `user-${item.item_id.slice(0, 4)}` });
    } finally {
      await store.close();
    }
    const reset = await fetch(`${emulator.url}/sandbox/item/reset_login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: emulator.clientId, secret: emulator.secret, access_token: broken.access_token }),
    });
    assert.equal(reset.status, 200);
    const consentEnds = emulator.changeItemSilently({ item_id: expiring.item_id, change: 'consent_expiring' }).consent_expiration_time;
    assert.equal(emulator.deliveries.length, 0, 'no webhook was sent');

    await showSidebarTab(page, 'plaid-items-sidebar');
    await page.locator('.plaid-items-table tbody tr').nth(2).waitFor({ state: 'visible', timeout: 10000 });
    await page.locator('[id="now"] .red-ui-flow-node-button').click();
    await page.waitForFunction(() => document.querySelector('[id="rec"] .red-ui-flow-node-status-label')?.textContent === '2 changed of 3', null, { timeout: 20000 });
    const cells = (selector) => page.evaluate((s) => Object.fromEntries([...document.querySelectorAll('.plaid-items-table tbody tr')].map((tr) => [
      /** @type {HTMLElement} */ (tr).dataset.itemId, tr.querySelector(s)?.textContent ?? null,
    ])), selector);
    await page.waitForFunction((id) => document.querySelector(`.plaid-items-row[data-item-id="${id}"] .plaid-items-badge`)?.getAttribute('data-status') === 'login_required', broken.item_id, { timeout: 10000 });
    // A row's details (a click opens them): when a reconcile last checked the Item, and its error.
    const details = async (itemId) => {
      await page.locator(`.plaid-items-row[data-item-id="${itemId}"]`).click();
      const shown = await page.waitForFunction((id) => {
        if (!document.querySelector('.plaid-items-history-item')?.textContent?.includes(id)) return undefined;
        const rows = [...document.querySelectorAll('.plaid-items-detail')].map((row) => [row.querySelector('.plaid-items-detail-key')?.textContent, row.querySelector('.plaid-items-detail-value')?.textContent]);
        return rows.some(([key]) => key === 'checked') ? Object.fromEntries(rows) : undefined;
      }, itemId, { timeout: 10000 });
      return shown.jsonValue();
    };
    for (const item of [fine, broken, expiring]) assert.match((await details(item.item_id)).checked, /^\d+ s ago$/, `${item.item_id} checked`);
    assert.equal((await details(broken.item_id)).error, 'ITEM_LOGIN_REQUIRED');
    // Under the status of the Item whose consent ends: when, in the browser's own date format.
    await page.waitForFunction((id) => document.querySelector(`.plaid-items-row[data-item-id="${id}"] .plaid-items-badge`)?.getAttribute('data-status') === 'pending_expiration', expiring.item_id, { timeout: 10000 });
    const consent = await cells('.plaid-items-consent');
    const shownDate = await page.evaluate((at) => new Date(at).toLocaleDateString(), consentEnds);
    assert.deepEqual([consent[fine.item_id], consent[broken.item_id], consent[expiring.item_id]], [null, null, `consent ends ${shownDate}`]);
    noProblems();
  });
});
