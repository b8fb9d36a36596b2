'use strict';
// The package in Node-RED's editor, in a real browser: palette, edit dialogs, the config node's secret, help,
// the examples menu, and an example flow imported, pointed at a loopback Plaid stand-in, deployed and run.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ENDPOINTS, storeFieldsOf } = require('../../dist/plaid/endpoints');
const { startStandIn, CLIENT_ID, SECRET } = require('../support/plaid-stand-in');
const { startNodeRed, pkg, root } = require('./support/node-red');
const { launch, closeNotifications, centreNode } = require('./support/browser');

// Screenshots go to test-results/screenshots (git-ignored); PLAID_SCREENSHOTS_DIR=docs/images refreshes the docs.
const IMAGES = path.resolve(root, process.env.PLAID_SCREENSHOTS_DIR || path.join('test-results', 'screenshots'));
const WEBHOOK_IN = 'plaid-webhook-in';
const FLOW_TYPES = [...ENDPOINTS.map((e) => e.type), WEBHOOK_IN];
const catalog = JSON.parse(fs.readFileSync(path.join(root, 'dist/nodes/locales/en-US/plaid-endpoints.json'), 'utf8'))['plaid-endpoints'];
const TAB = 'tab-all';
const nodeId = (type) => `n-${type}`;

/** One node of every flow type on one tab, all using the config node `cfg` (credentials seeded separately). */
function seededFlows(standInUrl) {
  const nodes = FLOW_TYPES.map((type, i) => {
    const base = { id: nodeId(type), type, z: TAB, name: '', plaid: 'cfg', x: 200 + (i % 2) * 380, y: 60 + Math.floor(i / 2) * 80, wires: [] };
    if (type === WEBHOOK_IN) return { ...base, url: '/plaid/webhook', verify: true, dedupe: false, dedupeStore: '', wires: Array.from({ length: 10 }, () => []) };
    const endpoint = ENDPOINTS.find((e) => e.type === type);
    // A required field without a default (link token's client_name) is the user's to fill: filled here.
    const value = (f) => (f.required && f.default.value === '' ? 'Plaidflow' : f.default.value);
    // The mode and the store's settings too, as the editor saves them: else the link token node is not deployable.
    const settings = [...(endpoint.mode ? [endpoint.mode] : []), ...endpoint.fields, ...storeFieldsOf(endpoint)];
    const fields = Object.fromEntries(settings.flatMap((f) => [[f.name, value(f)], [`${f.name}Type`, f.default.type]]));
    return { ...base, ...fields, wires: [[]] };
  });
  return [
    { id: TAB, type: 'tab', label: 'Every Plaid node' },
    { id: 'cfg', type: 'plaid-config', name: 'Plaid sandbox', environment: 'custom', baseUrl: standInUrl, timeout: '5000', retries: '1' },
    ...nodes,
  ];
}

/** The example that runs inject → sandbox public_token/create → public_token/exchange → item/get. */
function demoExample() {
  const dir = path.join(root, 'examples');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  const chain = ['plaid-sandbox-public-token-create', 'plaid-item-public-token-exchange', 'plaid-item-get'];
  for (const file of files) {
    const flow = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const types = new Set(flow.map((n) => n.type));
    if (types.has('inject') && chain.every((t) => types.has(t))) return { name: file.replace(/\.json$/, ''), flow };
  }
  return undefined;
}

describe(`Node-RED editor in chromium (${pkg.name})`, function () {
  this.timeout(60000);
  let plaid;
  let red;
  let browser;
  let page;

  const noProblems = () => assert.deepEqual(browser.problems.splice(0), [], 'no page errors and no console errors');

  async function openEditDialog(type) {
    await page.locator(`[id="${nodeId(type)}"] .red-ui-flow-node`).dblclick();
    await page.locator('#dialog-form').waitFor({ state: 'visible' });
    // The tray slides in: let it settle before reading or photographing it.
    await page.waitForTimeout(350);
  }

  async function closeEditDialog() {
    await page.locator('#node-dialog-cancel').click();
    await page.locator('#dialog-form').waitFor({ state: 'detached' });
  }

  /** The open edit tray, cut below its last form row. */
  async function screenshotDialog(file, form = '#dialog-form') {
    const clip = await page.evaluate((selector) => {
      const tray = $('.red-ui-tray:visible').last()[0].getBoundingClientRect();
      const rows = $(selector).find('.form-row:visible, .form-tips:visible').get().map((el) => el.getBoundingClientRect().bottom);
      return { x: tray.left, y: tray.top, width: tray.width, height: Math.min(tray.height, Math.max(...rows) - tray.top + 16) };
    }, form);
    await page.screenshot({ path: path.resolve(IMAGES, file), clip });
  }

  before(async function () {
    plaid = await startStandIn();
    red = await startNodeRed({ flows: seededFlows(plaid.url), credentials: { cfg: { clientId: CLIENT_ID, secret: SECRET } } });
    console.log(`      Node-RED ${red.version} on Node ${process.version}, chromium at ${red.url}`);
    browser = await launch();
    page = browser.page;
    await page.goto(red.url);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.getType('plaid-item-get') && document.getElementById('n-plaid-item-get'), null, { timeout: 30000 });
    await page.locator('#red-ui-palette-container-plaid').waitFor({ state: 'visible' });
    fs.mkdirSync(IMAGES, { recursive: true });
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
    await plaid?.close();
  });

  it('loads every node set of the package without error', async function () {
    const sets = await (await fetch(new URL('nodes', red.url), { headers: { accept: 'application/json' } })).json();
    const mine = sets.filter((s) => s.module === pkg.name);
    assert.deepEqual(mine.map((s) => s.name).sort(), Object.keys(pkg['node-red'].nodes).sort());
    for (const set of mine) assert.ok(set.enabled && !set.err, `${set.name}: ${set.err || 'not enabled'}`);
    // The Item store's two nodes, the reconcile and the repair node have browser tests of their own
    // (item-store-dialog.test.js, reconcile.test.js, item-repair-dialog.test.js).
    assert.deepEqual(mine.flatMap((s) => s.types).sort(), [...FLOW_TYPES, 'plaid-config', 'plaid-item-store', 'plaid-items', 'plaid-items-reconcile', 'plaid-item-repair'].sort());
    noProblems();
  });

  it('shows every flow node in the plaid palette category, with its short label', async function () {
    for (const type of FLOW_TYPES) {
      const node = page.locator(`#red-ui-palette-container-plaid .red-ui-palette-node[data-palette-type="${type}"]`);
      assert.equal(await node.count(), 1, `${type} in the plaid category`);
      assert.equal(await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count(), 1, `${type} only there`);
      if (catalog.paletteLabel[type]) assert.equal((await node.innerText()).replace(/\s+/g, ' ').trim(), catalog.paletteLabel[type]);
    }
    const config = await page.evaluate(() => ({ category: RED.nodes.getType('plaid-config').category, inPalette: !!document.querySelector('[data-palette-type="plaid-config"]') }));
    assert.deepEqual(config, { category: 'config', inPalette: false });
    const palette = page.locator('#red-ui-palette-container-plaid');
    await palette.scrollIntoViewIfNeeded();
    await palette.screenshot({ path: path.join(IMAGES, 'palette.png') });
    noProblems();
  });

  for (const type of FLOW_TYPES) {
    it(`opens the edit dialog of ${type} with its fields`, async function () {
      await openEditDialog(type);
      // A failed check still closes the dialog, so the next test does not find the editor's shade over the flow.
      try {
        await checkDialog(type);
      } finally {
        await closeEditDialog();
      }
      noProblems();
    });
  }

  async function checkDialog(type) {
    {
      const view = await page.evaluate((t) => {
        const def = RED.nodes.getType(t);
        const form = $('#dialog-form');
        return {
          missing: Object.keys(def.defaults).filter((k) => form.find('#node-input-' + k).length !== 1),
          config: $('#node-input-plaid').val(),
          invalid: form.find('.input-error').map((i, el) => el.id || el.className).get(),
          typed: Object.keys(def.defaults)
            .filter((k) => def.defaults[k + 'Type'])
            .map((k) => ({ name: k, type: $('#node-input-' + k).typedInput('type'), value: $('#node-input-' + k).typedInput('value'), shown: $('#node-input-' + k).next('.red-ui-typedInput-container').is(':visible') })),
          labels: form.find('label:visible').map((i, el) => el.textContent.trim()).get().filter(Boolean),
        };
      }, type);
      assert.deepEqual(view.missing, [], 'an input per property');
      assert.equal(view.config, 'cfg');
      assert.deepEqual(view.invalid, []);
      const endpoint = ENDPOINTS.find((e) => e.type === type);
      if (endpoint) {
        // Shown: the mode and every field sent in the default mode, except those of a section off by default; the
        // store's settings wait for a store to be selected.
        const sentByDefault = (f) => (!f.mode || f.mode === endpoint.mode.default.value)
          && !(f.in && endpoint.fields.some((s) => s.name === f.in && s.kind === 'section' && s.default.value !== 'true'));
        const typed = (f, shown) => ({ name: f.name, type: f.default.type, value: f.required && f.default.value === '' ? 'Plaidflow' : f.default.value, shown });
        const expected = [
          ...(endpoint.mode ? [typed(endpoint.mode, true)] : []),
          ...endpoint.fields.map((f) => typed(f, sentByDefault(f))),
          ...storeFieldsOf(endpoint).map((f) => typed(f, false)),
        ];
        assert.deepEqual(view.typed, expected, 'a typedInput per field, set to the table default');
        for (const f of endpoint.fields.filter(sentByDefault)) assert.ok(view.labels.some((l) => l.startsWith(f.name)), `label ${f.name}`);
        assert.ok(!view.labels.some((l) => /plaid-endpoints\./.test(l)), 'labels are translated');
      } else {
        await screenshotDialog('webhook-in-dialog.png');
      }
      // PLAID_EXTRA_SHOTS=<dir>: every dialog, for reviewing their layout.
      if (process.env.PLAID_EXTRA_SHOTS) await screenshotDialog(path.resolve(process.env.PLAID_EXTRA_SHOTS, `${type}.png`));
    }
  }

  it('offers Plaid\'s values as a select for an enum field, and flags a required field left empty', async function () {
    await openEditDialog('plaid-sandbox-item-fire-webhook');
    await page.locator('#node-input-webhook_code + .red-ui-typedInput-container .red-ui-typedInput-option-trigger').click();
    const options = page.locator('.red-ui-typedInput-options:visible a');
    const values = (await options.allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(values, [...ENDPOINTS.find((e) => e.type === 'plaid-sandbox-item-fire-webhook').fields.find((f) => f.name === 'webhook_code').values]);
    await options.filter({ hasText: /^LOGIN_REPAIRED$/ }).click();
    assert.equal(await page.evaluate(() => $('#node-input-webhook_code').typedInput('value')), 'LOGIN_REPAIRED');

    // access_token: switch to str and leave it empty → marked invalid, with the reason as a tooltip.
    await page.evaluate(() => $('#node-input-access_token').typedInput('type', 'str').typedInput('value', ''));
    await page.waitForFunction(() => $('#node-input-access_token').next('.red-ui-typedInput-container').hasClass('input-error'));
    await closeEditDialog();
    noProblems();
  });

  it('never shows the secret in the config dialog or anywhere the browser received', async function () {
    await openEditDialog('plaid-item-get');
    await page.locator('#node-input-btn-plaid-edit, #node-input-lookup-plaid').first().click();
    await page.locator('#node-config-input-secret').waitFor({ state: 'visible' });
    await page.waitForFunction(() => $('#node-config-input-clientId').val() !== '');
    const shown = await page.evaluate(() => ({
      environment: $('#node-config-input-environment').val(),
      baseUrlShown: $('#node-config-input-baseUrl').is(':visible'),
      clientId: $('#node-config-input-clientId').val(),
      secret: $('#node-config-input-secret').val(),
      secretType: $('#node-config-input-secret').attr('type'),
      timeout: $('#node-config-input-timeout').val(),
      retries: $('#node-config-input-retries').val(),
    }));
    assert.deepEqual(shown, { environment: 'custom', baseUrlShown: true, clientId: CLIENT_ID, secret: '__PWRD__', secretType: 'password', timeout: '5000', retries: '1' });
    await page.locator('#node-config-input-environment').selectOption('sandbox');
    assert.equal(await page.locator('#node-config-input-baseUrl').isVisible(), false, 'base URL only for custom');
    await page.locator('#node-config-input-environment').selectOption('custom');
    assert.equal(await page.locator('#node-config-input-baseUrl').isVisible(), true);

    if (process.env.PLAID_EXTRA_SHOTS) {
      await page.waitForTimeout(400);
      await screenshotDialog(path.resolve(process.env.PLAID_EXTRA_SHOTS, 'plaid-config.png'), '#node-config-dialog-edit-form');
    }

    assert.ok(!(await page.content()).includes(SECRET), 'the secret is nowhere in the page');
    const leaks = browser.bodies.filter((b) => b.text.includes(SECRET)).map((b) => b.url);
    assert.deepEqual(leaks, [], 'no response carried the secret');
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('#node-config-input-secret').waitFor({ state: 'detached' });
    await closeEditDialog();
    noProblems();
  });

  it('renders help for every node, in the help sidebar too', async function () {
    for (const type of [...FLOW_TYPES, 'plaid-config']) {
      const help = await page.evaluate((t) => RED.nodes.getNodeHelp(t) || '', type);
      assert.ok(help.trim().length > 200, `${type} has help`);
      const first = help.match(/<p>([\S\s]*?)<\/p>/)[1].replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim().slice(0, 40);
      if (type !== 'plaid-config') {
        await page.locator(`[id="${nodeId(type)}"] .red-ui-flow-node`).click();
        await page.evaluate(() => RED.actions.invoke('core:show-node-help'));
      } else {
        await page.evaluate(() => RED.sidebar.help.show('plaid-config'));
      }
      const sidebar = page.locator('#red-ui-sidebar .red-ui-help:visible').first();
      await sidebar.waitFor({ state: 'visible' });
      await page.waitForFunction((text) => {
        return [...document.querySelectorAll('#red-ui-sidebar .red-ui-help')].map((el) => /** @type {HTMLElement} */ (el)).some((el) => el.offsetParent && el.textContent.replace(/\s+/g, ' ').includes(text));
      }, first, { timeout: 5000 });
      if (ENDPOINTS.some((e) => e.type === type)) {
        const headings = await sidebar.locator('h3').allInnerTexts();
        assert.deepEqual(headings.map((h) => h.trim()), ['Inputs', 'Outputs', 'Details', 'References']);
      }
    }
    await page.evaluate(() => RED.view.select(''));
    noProblems();
  });

  it('lists the package\'s example flows under Import ▸ Examples', async function () {
    const files = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    assert.ok(files.length >= 1, 'at least one example flow in examples/');
    await page.evaluate(() => RED.actions.invoke('core:show-examples-import-dialog'));
    const tab = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await tab.waitFor({ state: 'visible' });
    await tab.locator('.red-ui-treeList-label', { hasText: pkg.name }).first().click();
    for (const name of files) {
      await tab.locator('.red-ui-treeList-label', { hasText: name }).first().waitFor({ state: 'visible' });
    }
    await page.locator('#red-ui-clipboard-dialog-cancel').click();
    await tab.waitFor({ state: 'hidden' });
    noProblems();
  });

  it('imports the sandbox example, points it at the stand-in, deploys it and turns it green', async function () {
    const demo = demoExample();
    assert.ok(demo, 'an example runs inject → sandbox public_token/create → public_token/exchange → item/get');
    plaid.reset();

    // Import ▸ Examples ▸ <package> ▸ <example>, into a new flow; the nodes follow the mouse until a click drops them.
    await page.evaluate(() => RED.actions.invoke('core:show-examples-import-dialog'));
    const tab = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await tab.locator('.red-ui-treeList-label', { hasText: pkg.name }).first().click();
    await tab.locator('.red-ui-treeList-label', { hasText: demo.name }).first().click();
    await page.locator('#red-ui-clipboard-dialog-import-opt-new').click();
    await page.locator('#red-ui-clipboard-dialog-ok').click();
    await tab.waitFor({ state: 'hidden' });
    // The import follows the mouse until a click drops it: below the "Imported" notification, which Node-RED 5 shows
    // over the top of the workspace.
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    await page.mouse.move(chart.x + 200, chart.y + 300);
    await page.mouse.click(chart.x + 200, chart.y + 300);
    await page.waitForFunction(() => RED.view.state() === RED.state.DEFAULT);

    const ids = await page.evaluate(() => {
      const z = RED.workspaces.active();
      const byType = (t) => RED.nodes.filterNodes({ z, type: t }).map((n) => n.id);
      return {
        inject: byType('inject'),
        create: byType('plaid-sandbox-public-token-create'),
        exchange: byType('plaid-item-public-token-exchange'),
        get: byType('plaid-item-get'),
        config: RED.nodes.node(RED.nodes.filterNodes({ z, type: 'plaid-item-get' })[0].plaid),
      };
    });
    assert.equal(ids.create.length, 1);
    assert.ok(ids.config && ids.config.type === 'plaid-config', 'the example brings its config node');
    assert.ok(ids.config.id !== 'cfg');

    // The example ships without credentials: set them, and the stand-in as a custom base URL, in its config dialog.
    const open = async (id) => {
      await centreNode(page, id);
      await page.locator(`[id="${id}"] .red-ui-flow-node`).dblclick();
    };
    await open(ids.create[0]);
    await page.locator('#dialog-form').waitFor({ state: 'visible' });
    await page.locator('#node-input-btn-plaid-edit, #node-input-lookup-plaid').first().click();
    await page.locator('#node-config-input-secret').waitFor({ state: 'visible' });
    await page.locator('#node-config-input-environment').selectOption('custom');
    await page.locator('#node-config-input-baseUrl').fill(plaid.url);
    await page.locator('#node-config-input-clientId').fill(CLIENT_ID);
    await page.locator('#node-config-input-secret').fill(SECRET);
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-config-input-secret').waitFor({ state: 'detached' });
    await page.locator('#node-dialog-ok').click();
    await page.locator('#dialog-form').waitFor({ state: 'detached' });

    // Its Item store ships without a key too: generate one in the store's dialog, from the exchange node.
    await open(ids.exchange[0]);
    await page.locator('#dialog-form').waitFor({ state: 'visible' });
    await page.locator('#node-input-btn-store-edit, #node-input-lookup-store').first().click();
    await page.locator('#plaid-item-store-generate').waitFor({ state: 'visible' });
    await page.locator('#plaid-item-store-generate').click();
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#plaid-item-store-generate').waitFor({ state: 'detached' });
    await page.locator('#node-dialog-ok').click();
    await page.locator('#dialog-form').waitFor({ state: 'detached' });

    // Deploy, then press the inject node's button.
    await page.locator('#red-ui-header-button-deploy').click();
    await page.waitForFunction(() => $('#red-ui-header-button-deploy').hasClass('disabled'), null, { timeout: 15000 });
    const inject = await page.evaluate((id) => RED.nodes.filterLinks({ target: RED.nodes.node(id) }).map((l) => l.source).find((n) => n.type === 'inject').id, ids.create[0]);
    await centreNode(page, inject);
    await page.locator(`[id="${inject}"] .red-ui-flow-node-button`).click();

    const chain = [...ids.create, ...ids.exchange, ...ids.get];
    await page.waitForFunction(
      (nodes) => nodes.every((id) => document.querySelector(`[id="${id}"] .red-ui-flow-node-status.red-ui-flow-node-status-ring-green`)),
      chain,
      { timeout: 30000 },
    ).catch(async (err) => {
      // Say where the chain stopped: each node's status and what reached the stand-in.
      const seen = await page.evaluate((nodes) => nodes.map((id) => {
        const status = document.querySelector(`[id="${id}"] .red-ui-flow-node-status`);
        return `${RED.nodes.node(id).type}: ${status ? status.getAttribute('class') : 'no status'} "${document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`)?.textContent ?? ''}"`;
      }), chain);
      throw new Error(`${err.message}\n${seen.join('\n')}\nrequests: ${plaid.requests.map((r) => r.path).join(', ')}`);
    });
    const statuses = await page.evaluate((nodes) => nodes.map((id) => document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`).textContent), chain);
    assert.deepEqual(statuses, chain.map(() => catalog.status.ok), 'status text from the locale file');
    assert.deepEqual(plaid.requests.map((r) => r.path), ['/sandbox/public_token/create', '/item/public_token/exchange', '/item/get']);
    assert.deepEqual(plaid.violations, [], 'the requests matched Plaid\'s OpenAPI spec');

    // The exported flow (what a user would share) carries no credentials.
    const exported = await page.evaluate(() => JSON.stringify(RED.nodes.createCompleteNodeSet({ credentials: false })));
    assert.ok(!exported.includes(SECRET) && !exported.includes(CLIENT_ID), 'no credentials in an export');

    // The picture: the flow alone, without selection or the deploy/inject notifications over it, in a window wide
    // enough for the whole flow beside the sidebar.
    const viewport = page.viewportSize();
    await page.setViewportSize({ width: 2000, height: viewport.height });
    await page.waitForTimeout(300);
    const wide = await page.locator('#red-ui-workspace-chart').boundingBox();
    await closeNotifications(page);
    await page.evaluate(() => {
      RED.view.select('');
      $('#red-ui-workspace-chart').scrollLeft(0).scrollTop(0);
    });
    await page.mouse.move(wide.x + wide.width - 5, wide.y + wide.height - 5);
    await page.waitForTimeout(300);
    const box = await page.evaluate(() => {
      const els = RED.nodes.filterNodes({ z: RED.workspaces.active() }).map((n) => document.getElementById(n.id)).filter(Boolean);
      const rects = els.map((el) => el.getBoundingClientRect());
      return {
        x: Math.min(...rects.map((r) => r.left)),
        y: Math.min(...rects.map((r) => r.top)),
        right: Math.max(...rects.map((r) => r.right)),
        bottom: Math.max(...rects.map((r) => r.bottom)),
      };
    });
    const pad = 30;
    await page.screenshot({
      path: path.join(IMAGES, 'sandbox-walkthrough.png'),
      clip: { x: Math.max(wide.x, box.x - pad), y: Math.max(wide.y, box.y - pad), width: Math.min(box.right + 2 * pad, wide.x + wide.width) - Math.max(wide.x, box.x - pad), height: Math.min(box.bottom + pad + 12, wide.y + wide.height) - Math.max(wide.y, box.y - pad) },
    });
    await page.setViewportSize(viewport);
    noProblems();
  });
});
