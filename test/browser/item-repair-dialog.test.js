'use strict';
// The plaid-item-repair dialog in chromium: a new node from the palette offers the reasons (the default three ticked),
// marks reminders the runtime would refuse, and saves what it shows; its four output ports carry their labels.
const assert = require('node:assert/strict');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const fs = require('node:fs');
const path = require('node:path');
const { REPAIR_REASONS } = require('../../dist/plaid/store/repair-case');
const { DEFAULT_REASONS } = require('../../dist/plaid/repair/settings');
const { REPAIR_OUTPUTS } = require('../../dist/plaid/repair/outputs');
const { startNodeRed, root } = require('./support/node-red');
const { launch } = require('./support/browser');

const IMAGES = path.resolve(root, process.env.PLAID_SCREENSHOTS_DIR || path.join('test-results', 'screenshots'));
const catalog = JSON.parse(fs.readFileSync(path.join(root, 'dist/nodes/locales/en-US/plaid-item-repair.json'), 'utf8'))['plaid-item-repair'];

describe('plaid-item-repair dialog in chromium', function () {
  this.timeout(60000);
  let red;
  let browser;
  let page;

  before(async function () {
    red = await startNodeRed({
      flows: [
        { id: 'tab', type: 'tab', label: 'repair' },
        { id: 'cfg', type: 'plaid-config', name: 'Plaid sandbox', environment: 'sandbox', baseUrl: '', timeout: '30000', retries: '2' },
        { id: 'store', type: 'plaid-item-store', name: 'Items', backend: 'sqlite', file: 'items.db' },
      ],
      // Set up, as the editor checks: a config node without its client ID and secret, or a store without its key,
      // makes the nodes using them invalid.
      credentials: { cfg: { clientId: 'client-id', secret: 'sandbox-secret' }, store: { encryptionKey: generateStoreKey() } },
    });
    browser = await launch({ width: 1300, height: 900 });
    page = browser.page;
    await page.goto(red.url);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.getType('plaid-item-repair'), null, { timeout: 30000 });
    fs.mkdirSync(IMAGES, { recursive: true });
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
  });

  it('offers the reasons with the default ones ticked, refuses reminders the runtime would, and saves what it shows', async function () {
    const palette = page.locator('#red-ui-palette-container-plaid .red-ui-palette-node[data-palette-type="plaid-item-repair"]');
    assert.equal((await palette.innerText()).trim(), catalog.paletteLabel);
    await palette.dragTo(page.locator('#red-ui-workspace-chart'), { targetPosition: { x: 300, y: 160 } });
    const id = await page.evaluate(() => RED.nodes.filterNodes({ type: 'plaid-item-repair' })[0].id);
    assert.deepEqual(
      await page.evaluate((nodeId) => { const n = RED.nodes.node(nodeId); return [n.outputs, n._def.outputLabels.call(n, 0), n._def.outputLabels.call(n, 3)]; }, id),
      [REPAIR_OUTPUTS.length, catalog.outputs.notify, catalog.outputs.closed],
    );
    await page.locator(`[id="${id}"] .red-ui-flow-node`).dblclick();
    await page.locator('#plaid-item-repair-reasons input').first().waitFor({ state: 'visible' });
    const reasons = await page.locator('#plaid-item-repair-reasons input').evaluateAll((inputs) => inputs.map((i) => [i.value, i.checked]));
    assert.deepEqual(reasons, REPAIR_REASONS.map((r) => [r, DEFAULT_REASONS.includes(r)]));
    await page.selectOption('#node-input-plaid', 'cfg');
    await page.selectOption('#node-input-store', 'store');
    await page.fill('#node-input-client_name', 'Acme Budget');
    await page.fill('#node-input-reminders', '3d, 1d');
    await page.locator('#node-input-reminders').blur();
    assert.equal(await page.locator('#node-input-reminders').evaluate((el) => el.classList.contains('input-error')), true, 'marked invalid');
    await page.fill('#node-input-reminders', '12h, 2d, 5d');
    await page.locator('#node-input-reminders').blur();
    assert.equal(await page.locator('#node-input-reminders').evaluate((el) => el.classList.contains('input-error')), false);
    await page.locator('#plaid-item-repair-reasons input[value="NEW_ACCOUNTS_AVAILABLE"]').check();
    await page.fill('#node-input-url_lifetime_seconds', '604800');
    const tray = await page.locator('.red-ui-tray').last().boundingBox();
    await page.screenshot({ path: path.join(IMAGES, 'repair-dialog.png'), clip: { x: tray.x, y: tray.y, width: tray.width, height: Math.min(tray.height, 760) } });
    await page.locator('#node-dialog-ok').click();
    await page.locator('#dialog-form').waitFor({ state: 'detached' });
    const saved = await page.evaluate((nodeId) => {
      const n = RED.nodes.node(nodeId);
      return { reasons: n.reasons, reminders: n.reminders, client_name: n.client_name, url_lifetime_seconds: n.url_lifetime_seconds, valid: n.valid, plaid: n.plaid, store: n.store };
    }, id);
    assert.deepEqual(saved, {
      reasons: [...DEFAULT_REASONS, 'NEW_ACCOUNTS_AVAILABLE'], reminders: '12h, 2d, 5d', client_name: 'Acme Budget', url_lifetime_seconds: '604800', valid: true, plaid: 'cfg', store: 'store',
    });
    assert.deepEqual(browser.problems, []);
  });
});
