'use strict';
// Debian's chromium driven by playwright-core (Playwright's own browser download cannot work here), with every
// page error and console error collected so a test can assert there were none.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const EXECUTABLE = process.env.PLAID_CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function launch({ width = 1400, height = 860 } = {}) {
  if (!fs.existsSync(EXECUTABLE)) throw new Error(`${EXECUTABLE} not found: apt-get install -y chromium`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: EXECUTABLE,
    args: ARGS,
    headless: true,
    viewport: { width, height },
    deviceScaleFactor: 2,
  });
  const page = context.pages()[0] || (await context.newPage());
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  // Every response body the page received, to prove a secret never reached the browser.
  const bodies = [];
  page.on('response', async (response) => {
    try {
      const type = response.headers()['content-type'] || '';
      if (/json|html|javascript|text/.test(type)) bodies.push({ url: response.url(), text: await response.text() });
    } catch {
      // a body that is gone (navigation, redirect) carries nothing to check
    }
  });
  return {
    context,
    page,
    problems,
    bodies,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Shows the sidebar tab `id` as a person would: Node-RED 5 gives every tab a button in its tab bar; Node-RED 4 shows
 * the tabs that fit as links and lists them all in the menu beside them.
 */
async function showSidebarTab(page, id) {
  const button = page.locator(`button[data-tab-id="${id}"]`);
  if ((await button.count()) > 0) {
    await button.click();
    return;
  }
  await page.locator('#red-ui-sidebar .red-ui-tab-link-button-menu').click();
  await page.locator(`#red-ui-tabs-menu-option-${id}`).click();
}

/**
 * Closes the editor's notifications as Node-RED closes them, and waits until they have slid away. (A notification
 * taken out of the page behind its back keeps its own close timer, and Node-RED 5's then throws: removeChild of a
 * node no longer in the page.)
 */
async function closeNotifications(page) {
  await page.evaluate(() => {
    $('.red-ui-notification').each(function () {
      /** @type {HTMLElement & {close?: () => void}} */ (this).close?.();
    });
  });
  await page.waitForFunction(() => $('.red-ui-notification:visible').length === 0, null, { timeout: 5000 });
}

/**
 * Drags the sidebar 420 px wider, as someone reading its tables would, and screenshots it from its top down to the
 * bottom of `selector` into `file`.
 */
async function screenshotWideSidebar(page, selector, file) {
  const separator = await page.locator('#red-ui-sidebar-separator').boundingBox();
  await page.mouse.move(separator.x + separator.width / 2, separator.y + separator.height / 2);
  await page.mouse.down();
  await page.mouse.move(separator.x - 420, separator.y + separator.height / 2, { steps: 8 });
  await page.mouse.up();
  await page.waitForTimeout(300);
  const clip = await page.evaluate((bottomOf) => {
    const sidebar = document.getElementById('red-ui-sidebar').getBoundingClientRect();
    const last = document.querySelector(bottomOf).getBoundingClientRect();
    return { x: sidebar.left, y: sidebar.top, width: sidebar.width, height: Math.min(sidebar.height, last.bottom - sidebar.top + 12) };
  }, selector);
  if (clip.width <= 500) throw new Error(`the sidebar did not widen (${clip.width} px)`);
  await page.screenshot({ path: file, clip });
}

/** Scrolls the workspace so the node `id` is in the middle of it (Node-RED 5 drops an import partly under its sidebar). */
async function centreNode(page, id) {
  await page.evaluate((nodeId) => {
    const node = RED.nodes.node(nodeId);
    const chart = $('#red-ui-workspace-chart');
    chart.scrollLeft(node.x * RED.view.scale() - chart.width() / 2).scrollTop(node.y * RED.view.scale() - chart.height() / 2);
  }, id);
}

module.exports = { launch, showSidebarTab, closeNotifications, screenshotWideSidebar, centreNode };
