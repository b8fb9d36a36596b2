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

module.exports = { launch };
