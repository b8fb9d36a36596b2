'use strict';
// The `npm start` demo tab in Chromium, as a person first sees it after a few clicks: the groups side by side,
// each button labelled by what it does, status rings and one-line debug texts. Pictures for the README.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startDemo, until } = require('./support/demo');
const { launch, closeNotifications, settled } = require('./support/browser');
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
    await run('08', 'Break the login of a new Item', 'notify the user');
    await run('05', 'Rotate the access token', 'rotated');
    await run('07', "Expire a new Item's account verification", 'verification set');

    const texts = Object.fromEntries(['Item', 'notify the user', 'rotated', 'verification set'].map((name) => {
      const node = demo.flows.find((n) => n.type === 'debug' && n.name === name);
      return [name, demo.comms.debug(node.id).at(-1).msg];
    }));
    assert.match(texts.Item, /^Item \S+ at ins_109508: status healthy, error none$/);
    assert.match(texts['notify the user'], /^to user-08: Your bank connection needs you\. Please log in to your bank again to keep it connected: http:\/\/\S+ \(this link works until \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC\)$/);
    for (const text of Object.values(texts)) assert.equal(typeof text, 'string');

    const groups = await page.evaluate(() => RED.nodes.groups(RED.workspaces.active()).map((g) => ({ name: g.name, x: g.x, y: g.y, w: g.w, h: g.h })));
    assert.ok(groups.length >= 7);
    for (const g of groups) assert.ok(g.w <= 1900 && g.h <= 800, `${g.name}: ${g.w}×${g.h} fits a 1,920 px screen`);

    // The whole tab, zoomed out to fit the window; then the repair loop's group at full size.
    await closeNotifications(page);
    await page.evaluate(() => {
      RED.view.select('');
      RED.sidebar.hide?.();
    });
    // Zoomed out until the tab's right and bottom edges are in the window.
    const extent = { w: Math.max(...groups.map((g) => g.x + g.w)) + 40, h: Math.max(...groups.map((g) => g.y + g.h)) + 40 };
    const fits = () => page.evaluate(({ w, h }) => {
      const chart = $('#red-ui-workspace-chart');
      return w * RED.view.scale() <= chart.width() && h * RED.view.scale() <= chart.height();
    }, extent);
    for (let i = 0; i < 10 && !(await fits()); i++) await page.evaluate(() => RED.actions.invoke('core:zoom-out'));
    assert.ok(await fits(), 'the whole tab fits the window before the editor\'s smallest zoom');
    await page.evaluate(() => $('#red-ui-workspace-chart').scrollLeft(0).scrollTop(0));
    await settled(page);
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    const scale = await page.evaluate(() => RED.view.scale());
    await page.screenshot({ path: path.join(IMAGES, 'demo-flow.png'), clip: { ...chart, width: Math.min(chart.width, extent.w * scale), height: Math.min(chart.height, extent.h * scale) } });

    await page.evaluate(() => RED.actions.invoke('core:zoom-reset'));
    const repair = groups.find((g) => g.name.startsWith('08'));
    await page.evaluate((g) => $('#red-ui-workspace-chart').scrollLeft(g.x - 10).scrollTop(g.y - 10), repair);
    await settled(page);
    await page.screenshot({ path: path.join(IMAGES, 'demo-repair-loop.png'), clip: { ...chart, width: Math.min(chart.width, repair.w + 20), height: Math.min(chart.height, repair.h + 20) } });
    assert.deepEqual(browser.problems, []);
  });

  it('fits a 1,920 × 1,080 window at the editor\'s smallest zoom, palette and sidebar open, the repair loop in view', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.evaluate(() => RED.sidebar.show('info'));
    await page.evaluate(() => $('#red-ui-workspace-chart').scrollLeft(0).scrollTop(0));
    // Zoomed out as far as the editor goes (4.1: 0.2; 5: the workspace's width over 8,000 px); 5 animates the zoom, so
    // the scale is read once it holds still.
    for (let i = 0; i < 20; i++) await page.evaluate(() => RED.actions.invoke('core:zoom-out'));
    await page.waitForFunction(() => {
      const still = RED.view.scale() === window.plaidLastScale;
      window.plaidLastScale = RED.view.scale();
      return still;
    }, null, { polling: 250, timeout: 10000 });
    await page.evaluate(() => $('#red-ui-workspace-chart').scrollLeft(0).scrollTop(0));
    const seen = await page.evaluate(() => {
      const chart = document.getElementById('red-ui-workspace-chart').getBoundingClientRect();
      const groups = RED.nodes.groups(RED.workspaces.active()).map((g) => {
        const r = document.getElementById(g.id).getBoundingClientRect();
        return { name: g.name, inside: r.left >= chart.left && r.top >= chart.top && r.right <= chart.right && r.bottom <= chart.bottom };
      });
      return { scale: RED.view.scale(), chart: chart.width, groups };
    });
    assert.deepEqual(seen.groups.filter((g) => !g.inside).map((g) => g.name), [], `every group in view at ${seen.scale} in a ${seen.chart} px workspace`);
    assert.ok(seen.groups.some((g) => g.name.startsWith('08')));
    await page.evaluate(() => RED.actions.invoke('core:zoom-reset'));
    assert.deepEqual(browser.problems, []);
  });
});
