'use strict';
// The `npm start` demo tab in Chromium, as a person first sees it after a few clicks: the groups side by side,
// each button labelled by what it does, status rings and one-line debug texts. Pictures for the README.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startDemo, until } = require('./support/demo');
const { launch, closeNotifications } = require('./support/browser');
const { root } = require('./support/node-red');

const IMAGES = path.resolve(root, process.env.PLAID_SCREENSHOTS_DIR || path.join('test-results', 'screenshots'));

describe('the npm start demo tab in chromium', function () {
  this.timeout(90000);
  let demo;
  let browser;
  let page;

  before(async () => {
    demo = await startDemo();
    browser = await launch({ width: 1900, height: 1100 });
    page = browser.page;
    fs.mkdirSync(IMAGES, { recursive: true });
    await page.goto(`${demo.url}/`);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.workspaces.active() && document.querySelector('.red-ui-flow-group'), null, { timeout: 30000 });
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  /** Clicks a demo button and waits for the debug node its group ends at. */
  async function run(group, button, done) {
    const doneId = demo.node(group, 'debug', done).id;
    const before = demo.comms.debug(doneId).length;
    await demo.click(demo.node(group, 'inject', button).id);
    await until(`${button} → ${done}`, () => demo.comms.debug(doneId).length > before);
  }

  it('shows every group on one tab, each scenario readable, debug texts that say what happened', async () => {
    await run('01', 'Link a new sandbox Item', 'Item');
    await run('08', 'Break the login of a new Item', 'notified');
    await run('05', 'Rotate the access token', 'rotated');
    await run('07', "Expire a new Item's account verification", 'verification set');

    const texts = Object.fromEntries(['Item', 'notified', 'rotated', 'verification set'].map((name) => {
      const node = demo.flows.find((n) => n.type === 'debug' && n.name === name);
      return [name, demo.comms.debug(node.id).at(-1).msg];
    }));
    assert.match(texts.Item, /^Item \S+ at ins_109508: status healthy, error none$/);
    assert.match(texts.notified, /^notified user-\d\d: Your bank connection needs you$/);
    for (const text of Object.values(texts)) assert.equal(typeof text, 'string');

    const groups = await page.evaluate(() => RED.nodes.groups(RED.workspaces.active()).map((g) => ({ name: g.name, x: g.x, y: g.y, w: g.w, h: g.h })));
    assert.ok(groups.length >= 7);
    for (const g of groups) assert.ok(g.w <= 1700 && g.h <= 800, `${g.name}: ${g.w}×${g.h} fits a screen`);

    // The whole tab, zoomed out to fit the window; then the repair loop's group at full size.
    await closeNotifications(page);
    await page.evaluate(() => {
      RED.view.select('');
      RED.sidebar.hide?.();
    });
    // Zoomed out until the tab's right and bottom edges are in the window (or the editor's smallest zoom).
    const extent = { w: Math.max(...groups.map((g) => g.x + g.w)) + 40, h: Math.max(...groups.map((g) => g.y + g.h)) + 40 };
    for (let i = 0; i < 10; i++) {
      const fits = await page.evaluate(({ w, h }) => {
        const chart = $('#red-ui-workspace-chart');
        return w * RED.view.scale() <= chart.width() && h * RED.view.scale() <= chart.height();
      }, extent);
      if (fits) break;
      await page.evaluate(() => RED.actions.invoke('core:zoom-out'));
    }
    await page.evaluate(() => $('#red-ui-workspace-chart').scrollLeft(0).scrollTop(0));
    await page.waitForTimeout(500);
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    const scale = await page.evaluate(() => RED.view.scale());
    await page.screenshot({ path: path.join(IMAGES, 'demo-flow.png'), clip: { ...chart, width: Math.min(chart.width, extent.w * scale), height: Math.min(chart.height, extent.h * scale) } });

    await page.evaluate(() => RED.actions.invoke('core:zoom-reset'));
    const repair = groups.find((g) => g.name.startsWith('08'));
    await page.evaluate((g) => $('#red-ui-workspace-chart').scrollLeft(g.x - 10).scrollTop(g.y - 10), repair);
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(IMAGES, 'demo-repair-loop.png'), clip: { ...chart, width: Math.min(chart.width, repair.w + 20), height: Math.min(chart.height, repair.h + 20) } });
    assert.deepEqual(browser.problems, []);
  });
});
