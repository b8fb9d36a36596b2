'use strict';
// The first hour of a new user, in Chromium: the tarball from `npm pack` installed in a fresh Node-RED user directory;
// every example imported one after another from Import ▸ Examples (the first brings the Plaid config node and the
// Item store, the others reuse them with "Import copy"); a deploy before any setup, which the editor questions; the
// client ID and secret entered once and one key generated; a deploy; every example's buttons pressed, each ending in a
// debug message that says what happened. Pictures of the import and of the configured examples for the README.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const embedded = require('../../scripts/lib/embedded-node-red');
const layout = require('../../scripts/lib/flow-layout');
const { loadExamples } = require('../../scripts/demo-flow');
const { start: startEmulator } = require('../../dist/emulator');
const { connectComms } = require('../support/comms');
const { until } = require('../support/until');
const { launch, closeNotifications, centreNode, showSidebarTab } = require('./support/browser');
const { installTarball } = require('../../scripts/lib/tarball');
const { root, pkg, withoutTips } = require('./support/node-red');

const IMAGES = path.resolve(root, process.env.PLAID_SCREENSHOTS_DIR || path.join('test-results', 'screenshots'));
const HUMAN_TIME = String.raw`\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC`;
const LINK = String.raw`http://127\.0\.0\.1:\d+/hl/\S+ \(this link works until ${HUMAN_TIME}\)`;

/**
 * Every example's buttons: the inject node, the debug node it ends at, and what that debug node must say.
 * @type {Array<[string, string, string, RegExp]>}
 */
const BUTTONS = [
  ['01', 'Link a new sandbox Item', 'Item', /^Item \S+ at ins_109508: status healthy, error none$/],
  ['01', 'List the stored Items', 'stored Items', /^1 Item in the store: \S+ healthy$/],
  ['02', 'Break the login of a new Item', 'notify the user', new RegExp(`^to user-02: Your bank connection needs you\\. Please log in to your bank again to keep it connected: ${LINK}$`)],
  ['03', 'Revoke the permission', 'removed', /^removed \S+: status removed$/],
  ['04', 'Warn of a disconnect', 'notify the user', new RegExp(`^to user-04: Reconnect your bank before ${HUMAN_TIME}\\. Your bank connection stops working on ${HUMAN_TIME} unless you reconnect it: ${LINK}$`)],
  ['05', 'Rotate the access token', 'rotated', /^rotated the token of \S+: the store holds the new one$/],
  ['06', 'Move the webhook to a new URL', 'confirmed', /^Plaid confirmed \S+ now sends its webhooks to http:\/\/127\.0\.0\.1:\d+\/plaid\/webhook\/06\?v=\d+$/],
  ['07', "Expire a new Item's account verification", 'verification set', /^account \S+ of \S+ is now verification_expired$/],
  ['08', 'Break the login of a new Item', 'notify the user', new RegExp(`^to user-08: Your bank connection needs you\\. Please log in to your bank again to keep it connected: ${LINK}$`)],
  ['08', 'Warn of a disconnect', 'notify the user', new RegExp(`^to user-08: Your bank connection needs you\\. Your bank connection stops working on ${HUMAN_TIME} unless you reconnect it: ${LINK}$`)],
  ['09', 'Break an Item silently', 'broken silently', /^broke \S+ without a webhook/],
  ['09', 'Reconcile now', 'sweep done', /^checked \d+, changed [1-9]\d*, failed 0, calls \d+$/],
];

describe('first hour in chromium: the tarball in a fresh user directory, every example imported, set up once, run', function () {
  this.timeout(120000);
  const examples = loadExamples();
  let emulator;
  let installed;
  let red;
  let comms;
  let browser;
  let page;

  const noProblems = () => assert.deepEqual(browser.problems.splice(0), [], 'no page errors and no console errors');

  /** The id of the node of `type` named `name` in the group of example `key`, as the editor holds it now. */
  const nodeOf = (key, type, name) => page.evaluate(([k, t, n]) => {
    /** @type {any} */
    let group;
    RED.nodes.eachGroup((g) => { group = group ?? (g.name.startsWith(`${k} `) ? g : undefined); });
    const node = group && RED.nodes.filterNodes({ z: group.z, type: t }).find((x) => x.g === group.id && x.name === n);
    return node ? node.id : null;
  }, [key, type, name]);

  /** Import ▸ Examples ▸ the package ▸ `file`, into a new flow; "Import copy" when Node-RED says nodes exist. */
  async function importExample(file, shot) {
    await page.evaluate(() => RED.actions.invoke('core:show-examples-import-dialog'));
    const tab = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await tab.waitFor({ state: 'visible' });
    const entry = tab.locator('.red-ui-treeList-label', { hasText: file.replace(/\.json$/, '') });
    if ((await entry.count()) === 0) await tab.locator('.red-ui-treeList-label', { hasText: pkg.name }).first().click();
    await entry.first().click();
    await page.locator('#red-ui-clipboard-dialog-import-opt-new').click();
    await page.locator('#red-ui-clipboard-dialog-ok').click();
    await tab.waitFor({ state: 'hidden' });
    const copy = page.locator('.red-ui-notification button', { hasText: 'Import copy' });
    const conflict = await page.waitForFunction(() => RED.view.state() === RED.state.IMPORT_DRAGGING || $('.red-ui-notification button:contains("Import copy")').length > 0, null, { timeout: 10000 })
      .then(() => page.evaluate(() => RED.view.state() !== RED.state.IMPORT_DRAGGING));
    if (conflict) {
      if (shot) await page.screenshot({ path: path.join(IMAGES, shot) });
      await copy.click();
    }
    // The import follows the mouse until a click drops it (below the notifications at the top of the workspace).
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    await page.mouse.move(chart.x + 200, chart.y + 300);
    await page.mouse.click(chart.x + 200, chart.y + 300);
    await page.waitForFunction(() => RED.view.state() === RED.state.DEFAULT);
    await closeNotifications(page);
    return conflict;
  }

  /** Opens the node's dialog, then from it the dialog of its config node `property` (plaid or store). */
  async function openConfigFrom(nodeId, property) {
    await page.evaluate((id) => RED.workspaces.show(RED.nodes.node(id).z), nodeId);
    await centreNode(page, nodeId);
    await page.locator(`[id="${nodeId}"] .red-ui-flow-node`).dblclick();
    await page.locator('#dialog-form').waitFor({ state: 'visible' });
    await page.locator(`#node-input-btn-${property}-edit, #node-input-lookup-${property}`).first().click();
  }

  async function closeNodeDialog() {
    await page.locator('#node-dialog-ok').click();
    await page.locator('#dialog-form').waitFor({ state: 'detached' });
  }

  before(async function () {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
    installed = installTarball();
    console.log(`      the tarball installed into a fresh user directory in ${(installed.installMs / 1000).toFixed(1)} s`);
    red = await embedded.startNodeRed({
      userDir: installed.userDir,
      link: false,
      settings: { logging: { console: { level: process.env.PLAID_NODE_RED_LOG || 'warn', metrics: false, audit: false } } },
      beforeStart: () => {
        embedded.writeFlows(installed.userDir, [{ id: 'first', type: 'tab', label: 'Flow 1' }], {});
        withoutTips(installed.userDir);
      },
    });
    console.log(`      Node-RED ${red.RED.version()} on Node ${process.version}, chromium at ${red.url}/`);
    comms = await connectComms(red.url);
    browser = await launch({ width: 1600, height: 1000 });
    page = browser.page;
    fs.mkdirSync(IMAGES, { recursive: true });
    await page.goto(`${red.url}/`);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.getType('plaid-config') && RED.workspaces.active(), null, { timeout: 30000 });
  });

  after(async function () {
    comms?.close();
    await browser?.close();
    await red?.stop();
    await emulator?.stop();
    installed?.remove();
  });

  it('runs the package as installed from its tarball, not a link to this repository', async function () {
    const installedDir = path.join(installed.userDir, 'node_modules', ...pkg.name.split('/'));
    assert.equal(fs.lstatSync(installedDir).isSymbolicLink(), false);
    assert.equal(JSON.parse(fs.readFileSync(path.join(installedDir, 'package.json'), 'utf8')).version, pkg.version);
    const sets = await (await fetch(`${red.url}/nodes`, { headers: { accept: 'application/json' } })).json();
    const mine = sets.filter((s) => s.module === pkg.name);
    assert.ok(mine.length > 0 && mine.every((s) => s.enabled && !s.err), JSON.stringify(mine.map((s) => [s.name, s.err])));
    noProblems();
  });

  it('imports every example one after another: the first brings the two config nodes, "Import copy" reuses them', async function () {
    this.timeout(240000);
    const conflicts = [];
    for (const [i, { file }] of examples.entries()) conflicts.push(await importExample(file, i === 1 ? 'examples-import.png' : undefined));
    assert.deepEqual(conflicts, examples.map((_, i) => i > 0), 'Node-RED asked from the second example on');
    const configs = await page.evaluate(() => {
      const found = [];
      RED.nodes.eachConfig((n) => found.push({ id: n.id, type: n.type, name: n.name, users: n.users.length }));
      const refs = new Set();
      RED.nodes.eachNode((n) => {
        if (n.plaid) refs.add(n.plaid);
        if (n.store) refs.add(n.store);
      });
      return { found, refs: [...refs].sort() };
    });
    const shared = examples[0].nodes.filter((n) => n.type === 'plaid-config' || n.type === 'plaid-item-store');
    assert.deepEqual(configs.found.map(({ id, type, name }) => ({ id, type, name })).sort((a, b) => a.type.localeCompare(b.type)), shared.map(({ id, type, name }) => ({ id, type, name })));
    assert.deepEqual(configs.refs, shared.map((n) => n.id).sort(), 'every node uses those two');
    const users = Object.values(examples).flatMap(({ nodes }) => nodes).filter((n) => n.plaid || n.store);
    assert.equal(configs.found.reduce((sum, c) => sum + c.users, 0), users.filter((n) => n.plaid).length + users.filter((n) => n.store).length);
    noProblems();
  });

  it('draws every example as the layout rules say: no node larger, none overlapping another', async function () {
    const defaults = layout.endpointLabels();
    for (const { file, nodes } of examples) {
      const key = file.slice(0, 2);
      const drawn = await page.evaluate((k) => {
        /** @type {any} */
        let group;
        RED.nodes.eachGroup((g) => { group = group ?? (g.name.startsWith(`${k} `) ? g : undefined); });
        return RED.nodes.filterNodes({ z: group.z }).map((n) => ({ name: n.name, type: n.type, x: n.x, y: n.y, w: n.w, h: n.h, g: n.g, outputs: n.outputs, l: n.l }));
      }, key);
      assert.equal(drawn.length, nodes.filter((n) => n.x !== undefined && n.type !== 'group').length, `${key}: every node drawn`);
      for (const n of drawn) {
        const planned = nodes.find((p) => p.type === n.type && (p.name || '') === (n.name || ''));
        const size = layout.nodeSize({ ...planned, wires: planned.wires }, defaults);
        assert.ok(n.w <= size.w && n.h === size.h, `${key} ${n.type} "${n.name}": drawn ${n.w}×${n.h}, planned ${size.w}×${size.h}`);
      }
      // Where the editor put them (an import into Node-RED 5 grows each node to the right), with the planned sizes.
      const placed = drawn.map((n) => ({ ...nodes.find((p) => p.type === n.type && (p.name || '') === (n.name || '')), x: n.x, y: n.y, g: undefined }));
      assert.deepEqual(layout.overlaps(placed), [], `${key} as drawn`);
    }
  });

  it('questions a deploy before the setup: the two config nodes and every node using them are invalid and say why', async function () {
    await page.evaluate((id) => RED.workspaces.show(RED.nodes.node(id).z), await nodeOf('01', 'inject', 'Link a new sandbox Item'));
    await page.locator('#red-ui-header-button-deploy').click();
    const dialog = page.locator('.red-ui-notification', { hasText: 'not properly configured' });
    await dialog.waitFor({ state: 'visible' });
    const listed = await dialog.innerText();
    assert.match(listed, /Plaid sandbox \(plaid-config\)/);
    assert.match(listed, /Example Items \(plaid-item-store\)/);
    await page.screenshot({ path: path.join(IMAGES, 'examples-invalid.png') });
    await dialog.locator('button', { hasText: 'Cancel' }).click();
    await closeNotifications(page);
    const why = await page.evaluate(() => {
      const out = {};
      RED.nodes.eachConfig((n) => { out[n.type] = n.validationErrors; });
      RED.nodes.eachNode((n) => {
        if (n.type === 'plaid-item-get') out[n.type] = n.validationErrors;
      });
      return out;
    });
    assert.deepEqual(why['plaid-config'], ['no client ID or secret: open it and enter them']);
    assert.deepEqual(why['plaid-item-store'], ['no encryption key: open it and generate one (keep a copy)']);
    assert.deepEqual(why['plaid-item-get'], [
      'Plaid config "Plaid sandbox": no client ID or secret: open it and enter them',
      'Item store "Example Items": no encryption key: open it and generate one (keep a copy)',
    ]);
    assert.equal(await page.locator('.red-ui-flow-node-error:visible').count() > 0, true, 'red triangles drawn');
    noProblems();
  });

  it('takes the client ID and secret once and one generated key: every node of every example is valid', async function () {
    await openConfigFrom(await nodeOf('01', 'plaid-sandbox-public-token-create', ''), 'plaid');
    await page.locator('#node-config-input-secret').waitFor({ state: 'visible' });
    await page.locator('#node-config-input-environment').selectOption('custom');
    await page.locator('#node-config-input-baseUrl').fill(emulator.url);
    await page.locator('#node-config-input-clientId').fill(emulator.clientId);
    await page.locator('#node-config-input-secret').fill(emulator.secret);
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-config-input-secret').waitFor({ state: 'detached' });
    await closeNodeDialog();

    await openConfigFrom(await nodeOf('01', 'plaid-item-public-token-exchange', 'exchange and keep'), 'store');
    await page.locator('#plaid-item-store-generate').waitFor({ state: 'visible' });
    await page.locator('#plaid-item-store-generate').click();
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#plaid-item-store-generate').waitFor({ state: 'detached' });
    await closeNodeDialog();

    const invalid = await page.evaluate(() => {
      const out = [];
      RED.nodes.eachConfig((n) => !n.valid && out.push(`${n.type}: ${n.validationErrors}`));
      RED.nodes.eachNode((n) => !n.valid && out.push(`${n.type} ${n.name}: ${n.validationErrors}`));
      return out;
    });
    assert.deepEqual(invalid, []);
    noProblems();
  });

  it('deploys without a question, and every example\'s buttons end in a debug message that says what happened', async function () {
    this.timeout(240000);
    await page.locator('#red-ui-header-button-deploy').click();
    await page.waitForFunction(() => $('#red-ui-header-button-deploy').hasClass('disabled'), null, { timeout: 15000 });
    assert.equal(await page.locator('.red-ui-notification', { hasText: 'not properly configured' }).count(), 0);
    // The flows run once every example's webhook node says it is listening (a deploy answers before nodes start).
    const webhooks = await page.evaluate(() => RED.nodes.filterNodes({ type: 'plaid-webhook-in' }).map((n) => n.id));
    assert.equal(webhooks.length, examples.flatMap((e) => e.nodes).filter((n) => n.type === 'plaid-webhook-in').length);
    const listening = (id) => comms.messages.some((m) => m.topic === `status/${id}` && m.data.fill === 'green');
    await until('every webhook node listening', () => webhooks.every(listening), 20000);
    await closeNotifications(page);
    // Node-RED 5 shows the debug messages below the other tabs already (its tab button would hide them).
    if (!(await page.locator('.red-ui-debug-content-list').isVisible())) await showSidebarTab(page, 'debug');
    await page.locator('.red-ui-debug-content-list').waitFor({ state: 'visible' });
    const said = {};
    for (const [key, button, debug, expected] of BUTTONS) {
      const injectId = await nodeOf(key, 'inject', button);
      const debugId = await nodeOf(key, 'debug', debug);
      const errorId = await nodeOf(key, 'debug', 'error');
      const before = comms.debug(debugId).length;
      const errorsBefore = comms.debug(errorId).length;
      await page.evaluate((id) => RED.workspaces.show(RED.nodes.node(id).z), injectId);
      await centreNode(page, injectId);
      await page.locator(`[id="${injectId}"] .red-ui-flow-node-button`).click();
      await until(`${key} "${button}" to reach "${debug}"`, () => comms.debug(debugId).length > before || comms.debug(errorId).length > errorsBefore, 30000);
      assert.deepEqual(comms.debug(errorId).slice(errorsBefore).map((d) => d.msg), [], `${key} "${button}": no error`);
      said[`${key} ${button}`] = comms.debug(debugId).at(-1).msg;
      assert.match(said[`${key} ${button}`], expected, `${key} "${button}"`);
    }
    // As the person sees it: the debug sidebar shows the notice of example 08, with its node's name.
    const notice = page.locator('.red-ui-debug-msg', { hasText: 'to user-08' }).last();
    await notice.waitFor({ state: 'attached' });
    await notice.scrollIntoViewIfNeeded();
    await closeNotifications(page);
    await page.evaluate(() => RED.view.select(''));
    await page.screenshot({ path: path.join(IMAGES, 'examples-configured.png') });
    noProblems();
  });
});
