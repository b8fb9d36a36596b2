'use strict';
// A key rotation done by a person in chromium: the new key and the old one (under Older keys) typed into the store's
// dialog and deployed; the Plaid Items sidebar's Keys panel says how many Items each key holds; removing the old key
// then is refused, naming them; the Rewrap button re-encrypts them, batch by batch, with its progress; then the old
// key can go. The keys are never sent back to the browser.
const assert = require('node:assert/strict');
const path = require('node:path');
const { ItemStore } = require('../../dist/plaid/store/item-store');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage');
const { TokenCipher, generateStoreKey, parseStoreKey, storeKeyId } = require('../../dist/plaid/store/cipher');
const { startNodeRed, root } = require('./support/node-red');
const { launch, showSidebarTab } = require('./support/browser');

const IMAGES = path.resolve(root, process.env.PLAID_SCREENSHOTS_DIR || path.join('test-results', 'screenshots'));
const TAB = 'plaid-items-sidebar';
const [OLD_KEY, NEW_KEY] = [generateStoreKey(), generateStoreKey()];
const [OLD_ID, NEW_ID] = [OLD_KEY, NEW_KEY].map((k) => storeKeyId(parseStoreKey(k)));
/** More than one rewrap request (100 Items each). */
const ITEMS = 230;
const token = (n) => `access-sandbox-rotation-${String(n).padStart(4, '0')}-9fed-cba987654321`;

describe('key rotation in chromium: the store dialog and the Plaid Items sidebar', function () {
  this.timeout(120000);
  let red;
  let browser;
  let page;

  const noProblems = () => assert.deepEqual(browser.problems.splice(0), [], 'no page errors and no console errors');

  /** Types the keys into the store's dialog (a key of null leaves the field as it is) and deploys. */
  async function editKeys({ key = null, older = null }) {
    await page.evaluate(() => RED.editor.editConfig('', 'plaid-item-store', 'store'));
    await page.locator('#node-config-input-previousKeys').waitFor({ state: 'visible' });
    // The editor fills the kept credentials in once it has read them (the key is always there): type after that.
    await page.waitForFunction(() => $('#node-config-input-encryptionKey').val() === '__PWRD__', null, { timeout: 10000 });
    if (key !== null) await page.locator('#node-config-input-encryptionKey').fill(key);
    if (older !== null) await page.locator('#node-config-input-previousKeys').fill(older);
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-config-input-previousKeys').waitFor({ state: 'detached' });
    await page.waitForFunction(() => !$('#red-ui-header-button-deploy').hasClass('disabled'), null, { timeout: 10000 });
    await page.locator('#red-ui-header-button-deploy').click();
    await page.waitForFunction(() => $('#red-ui-header-button-deploy').hasClass('disabled'), null, { timeout: 15000 });
  }

  /** The Keys panel's rows as shown: key id, role, count, and whether it may be removed or is still needed. */
  const keyRows = () => page.locator('.plaid-items-key').evaluateAll((rows) => rows.map((row) => [
    row.querySelector('.plaid-items-key-id').textContent,
    row.querySelector('.plaid-items-key-role').textContent,
    row.querySelector('.plaid-items-key-items').textContent,
    row.querySelector('.plaid-items-key-removable, .plaid-items-key-needed')?.textContent ?? '',
  ]));

  before(async function () {
    red = await startNodeRed({
      flows: [
        { id: 'tab', type: 'tab', label: 'Items' },
        { id: 'store', type: 'plaid-item-store', name: 'Rotating Items', backend: 'sqlite', file: 'rotation.db' },
        { id: 'list', type: 'plaid-items', z: 'tab', name: '', operation: 'list', store: 'store', item_id: 'item_id', item_idType: 'msg', statuses: [], x: 200, y: 80, wires: [[]] },
      ],
      credentials: { store: { encryptionKey: OLD_KEY } },
    });
    // The Items the old key wrote, before the editor opens (the runtime's store is the same file).
    const store = new ItemStore(new SqliteStorage({ file: path.join(red.userDir, 'rotation.db') }), new TokenCipher(OLD_KEY));
    await store.open();
    for (let i = 0; i < ITEMS; i++) await store.save({ item_id: `item-${String(i).padStart(3, '0')}`, access_token: token(i) });
    await store.close();
    browser = await launch({ width: 1500, height: 900 });
    page = browser.page;
    await page.goto(red.url);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.node('store') && RED.sidebar.containsTab('plaid-items-sidebar'), null, { timeout: 30000 });
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
  });

  it('the dialog takes Older keys as a password: typed, deployed, and never sent back', async function () {
    await editKeys({ key: NEW_KEY, older: `${OLD_KEY}\n` });
    const sent = await (await fetch(`${red.url}credentials/plaid-item-store/store`)).json();
    assert.deepEqual(sent, { has_encryptionKey: true, has_previousKeys: true, has_postgresUrl: false });
    // An editor opened afresh gets a kept value, not the keys.
    await page.reload();
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.node('store') && RED.sidebar.containsTab('plaid-items-sidebar'), null, { timeout: 30000 });
    await page.evaluate(() => RED.editor.editConfig('', 'plaid-item-store', 'store'));
    await page.locator('#node-config-input-previousKeys').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#node-config-input-previousKeys').inputValue(), '__PWRD__');
    assert.equal(await page.locator('#node-config-input-encryptionKey').inputValue(), '__PWRD__');
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('#node-config-input-previousKeys').waitFor({ state: 'detached' });
    noProblems();
  });

  it('the Keys panel says how many Items each key holds; removing the old key now is refused, naming them', async function () {
    await showSidebarTab(page, TAB);
    await page.locator('.plaid-items-keys .plaid-items-key').first().waitFor({ state: 'visible', timeout: 15000 });
    assert.deepEqual(await keyRows(), [
      [NEW_ID, 'current key', '0 Items', ''],
      [OLD_ID, 'older key 1', `${ITEMS} Items`, 'still needed'],
    ]);
    assert.equal(await page.locator('.plaid-items-rewrap').innerText(), `Rewrap ${ITEMS}`);

    await editKeys({ older: '' });
    // The old key still holds every Item and the key check: the store refuses to open, and the card says so.
    await page.waitForFunction((id) => (document.querySelector('.plaid-items-store .plaid-items-problem')?.textContent || '').includes(id), OLD_ID, { timeout: 15000 });
    assert.match(await page.locator('.plaid-items-store .plaid-items-problem').innerText(),
      new RegExp(`its key check and ${ITEMS} Items are under key ${OLD_ID}, which is not among this store's keys \\(current ${NEW_ID}\\)\\. If it was an older key removed too early, put it back`));
    assert.equal(await page.locator('.plaid-items-keys').isHidden(), true, 'the card says it; the Keys panel has nothing to show');
    // While the store is refused, its routes answer 503 (the browser logs the sidebar's read of its Items).
    assert.ok(browser.problems.splice(0).every((p) => /status of 503/.test(p)));
    await editKeys({ older: OLD_KEY });
    await page.locator('.plaid-items-keys .plaid-items-key').first().waitFor({ state: 'visible', timeout: 15000 });
    noProblems();
  });

  it('Rewrap re-encrypts them batch by batch with its progress; then the old key may be removed, and is', async function () {
    // Every progress value the bar takes, as the batches answer.
    await page.evaluate(() => {
      window.plaidProgress = [];
      new MutationObserver(() => {
        const bar = /** @type {HTMLProgressElement | null} */ (document.querySelector('.plaid-items-rewrap-progress'));
        if (bar) window.plaidProgress.push(`${bar.value}/${bar.max}`);
      }).observe(document.querySelector('.plaid-items-keys'), { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await page.locator('.plaid-items-rewrap').click();
    await page.waitForFunction(() => /^Done: /.test(document.querySelector('.plaid-items-keys-message')?.textContent || ''), null, { timeout: 30000 });
    assert.match(await page.locator('.plaid-items-keys-message').innerText(), new RegExp(`^Done: ${ITEMS} Items rewrapped\\. Every Item is under the current key`));
    assert.deepEqual(await keyRows(), [
      [NEW_ID, 'current key', `${ITEMS} Items`, ''],
      [OLD_ID, 'older key 1', '0 Items', 'may be removed'],
    ]);
    assert.equal(await page.locator('.plaid-items-rewrap').isDisabled(), true, 'nothing left to rewrap');
    const progress = await page.evaluate(() => window.plaidProgress);
    assert.ok(progress.includes(`100/${ITEMS}`) && progress.includes(`200/${ITEMS}`), `the bar moved per batch: ${progress}`);
    await page.locator('#red-ui-sidebar').screenshot({ path: path.join(IMAGES, 'items-sidebar-keys.png') });

    await editKeys({ older: '' });
    // One key left: the panel has nothing to say; the store opened with the new key alone.
    await page.waitForFunction(() => /** @type {HTMLElement | null} */ (document.querySelector('.plaid-items-keys'))?.hidden === true && !document.querySelector('.plaid-items-store .plaid-items-problem'), null, { timeout: 15000 });
    assert.equal(await page.locator('.plaid-items-store-total').innerText(), `${ITEMS} Items`);
    const store = new ItemStore(new SqliteStorage({ file: path.join(red.userDir, 'rotation.db') }), new TokenCipher(NEW_KEY));
    await store.open();
    assert.equal(await store.resolveToken('item-229'), token(229));
    await store.close();
    noProblems();
  });

  it('no key and no token reached the browser', function () {
    const received = browser.bodies.map((b) => b.text).join('\n') + browser.page.url();
    for (const secret of [OLD_KEY, NEW_KEY, 'access-sandbox-rotation']) assert.equal(received.includes(secret), false, secret.slice(0, 8));
  });
});
