'use strict';
// The Item store's dialogs in chromium: a plaid-items node gets a new plaid-item-store whose key the Generate
// button makes in the browser; after Deploy the runtime opens the store with that key and the node answers; the
// key is in no flow export and not in flows.json.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { parseStoreKey } = require('../../dist/plaid/store/cipher');
const { ITEM_STATUSES } = require('../../dist/plaid/store/record');
const { SETTINGS_VERSION } = require('../../dist/nodes/migrations');
const { startNodeRed } = require('./support/node-red');
const { launch } = require('./support/browser');
const { until } = require('../support/until');

const LIST_PATH = '/store-dialog/items';

function flow() {
  return [
    { id: 'list-in', type: 'http in', name: 'list Items', url: LIST_PATH, method: 'get', upload: false, swaggerDoc: '', x: 160, y: 80, wires: [['list-items']] },
    { id: 'list-items', type: 'plaid-items', name: '', operation: 'list', store: '', item_id: 'item_id', item_idType: 'msg', statuses: [], x: 380, y: 80, wires: [['list-out']] },
    { id: 'list-out', type: 'http response', name: '', statusCode: '', headers: {}, x: 570, y: 80, wires: [] },
  ];
}

describe('Item store dialogs in chromium', function () {
  this.timeout(60000);
  let red;
  let browser;
  let page;

  before(async function () {
    red = await startNodeRed({ flows: [], credentials: {} });
    browser = await launch();
    page = browser.page;
    await page.goto(red.url);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.getType('plaid-items') && RED.nodes.getType('plaid-item-store'), null, { timeout: 30000 });
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
  });

  it('Generate makes a 32-byte key in the browser; after Deploy the store opens with it and the node answers', async function () {
    await page.evaluate((nodes) => RED.view.importNodes(nodes), flow());
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    await page.mouse.move(chart.x + 300, chart.y + 120);
    await page.mouse.click(chart.x + 300, chart.y + 120);
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('list-items')));
    await page.locator('#node-input-store').waitFor({ state: 'attached' });
    // The button beside the store selector that adds a new plaid-item-store (its id differs between editor versions).
    await page.locator('#node-input-btn-store-add, #node-input-lookup-store').first().click();
    await page.locator('#plaid-item-store-generate').waitFor({ state: 'visible' });
    assert.match(await page.locator('#plaid-item-store-file-tip').innerText(), /under Node-RED's user directory/);
    assert.match(await page.locator('.plaid-item-store-danger').first().innerText(), /losing the key loses every token in the store/);
    await page.locator('#plaid-item-store-generate').click();
    const key = await page.locator('#node-config-input-encryptionKey').inputValue();
    assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
    assert.equal(parseStoreKey(key).length, 32);
    assert.ok(await page.locator('#plaid-item-store-generated').isVisible(), 'the copy-it-now tip');
    await page.locator('#plaid-item-store-generate').click();
    const second = await page.locator('#node-config-input-encryptionKey').inputValue();
    assert.notEqual(second, key, 'a fresh key per click');
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#plaid-item-store-generate').waitFor({ state: 'detached' });
    await page.locator('#node-dialog-ok').click();
    await page.locator('#dialog-form').waitFor({ state: 'detached' });
    await page.waitForFunction(() => !$('#red-ui-header-button-deploy').hasClass('disabled'), null, { timeout: 10000 });
    await page.locator('#red-ui-header-button-deploy').click();
    await page.waitForFunction(() => $('#red-ui-header-button-deploy').hasClass('disabled'), null, { timeout: 15000 });

    const res = await until('the deployed route to answer', async () => {
      const answer = await fetch(`${red.url}${LIST_PATH.slice(1)}`);
      return answer.status !== 404 && answer;
    }, 10000);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), [], 'the store opened with the generated key');
    const file = path.join(red.userDir, 'plaid-items.db');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    const exported = await (await fetch(`${red.url}flows`, { headers: { 'Node-RED-API-Version': 'v2' } })).text();
    assert.ok(exported.includes('plaid-item-store'));
    for (const [place, text] of [['GET /flows', exported], ['flows.json', fs.readFileSync(path.join(red.userDir, 'flows.json'), 'utf8')]]) {
      assert.equal(text.includes(second), false, `the key in ${place}`);
    }
    assert.deepEqual(browser.problems.splice(0), [], 'no page errors and no console errors');
  });

  it('offers ITEM_STATUSES as the list filter, in their order; saves the ones checked and, for an unversioned node, the current settings version', async function () {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('list-items')));
    const boxes = page.locator('#plaid-items-statuses input[type="checkbox"]');
    await boxes.first().waitFor({ state: 'visible' });
    assert.deepEqual(await boxes.evaluateAll((inputs) => inputs.map((i) => i.value)), [...ITEM_STATUSES]);
    await page.locator('#plaid-items-status-revoked').check();
    await page.locator('#plaid-items-status-healthy').check();
    await page.locator('#node-dialog-ok').click();
    await page.locator('#dialog-form').waitFor({ state: 'detached' });
    const saved = await page.evaluate(() => ({ statuses: RED.nodes.node('list-items').statuses, settingsVersion: RED.nodes.node('list-items').settingsVersion }));
    assert.deepEqual(saved, { statuses: ['healthy', 'revoked'], settingsVersion: SETTINGS_VERSION });
    assert.deepEqual(browser.problems.splice(0), [], 'no page errors and no console errors');
  });
});
