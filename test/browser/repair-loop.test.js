'use strict';
// The repair loop as the user lives it, in Chromium, on the `npm start` demo (plaid-item-repair, its cases in the
// store): the demo breaks an Item's login, the notice lands in the outbox with a Hosted Link, and following it opens
// the emulator's Hosted Link page. Continue repairs the Item ("fixed", no reminder). Exit leaves the case open; the
// whole flow is then redeployed (Deploy ▸ Restart Flows: every node stopped and started again, the store's too), and
// the reminder still comes, once, with a fresh link; Continue on that one fixes the Item.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startDemo, until } = require('./support/demo');
const { launch, showSidebarTab, closeNotifications } = require('./support/browser');
const { root } = require('./support/node-red');

const IMAGES = path.resolve(root, process.env.PLAID_SCREENSHOTS_DIR || path.join('test-results', 'screenshots'));
/** The demo's reminder for this test: long enough for the clicks from the notice to Exit and the redeploy on a busy machine. */
const REMINDER_SECONDS = 40;

describe('repair loop in chromium: outbox → Hosted Link → Continue, or Exit → redeploy → reminder → Continue', function () {
  this.timeout(180000);
  let demo;
  let browser;
  let page;
  let breakButton;
  let repairNode;
  const missing = [];
  /** The Item fixed at once, and the one whose user exits first. */
  let fixedAtOnce;
  let exited;

  before(async () => {
    demo = await startDemo({ reminders: `${REMINDER_SECONDS}s` });
    breakButton = demo.node('08', 'inject', 'Break the login of a new Item').id;
    repairNode = demo.node('08', 'plaid-item-repair', 'repair cases').id;
    browser = await launch({ width: 1100, height: 800 });
    page = browser.page;
    page.on('response', (response) => {
      if (response.status() === 404) missing.push(response.url());
    });
    fs.mkdirSync(IMAGES, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  const notificationsFor = async (itemId) => (await demo.outbox()).notifications.filter((n) => n.item_id === itemId).reverse();
  const recordOf = async (itemId) => (await demo.outbox()).items.find((i) => i.item_id === itemId);
  const emulatorItem = (itemId) => demo.emulator.state().items.find((i) => i.item_id === itemId);
  const errorsShown = () => demo.flows.filter((n) => n.type === 'debug' && n.name === 'error').flatMap((n) => demo.comms.debug(n.id));
  const storeId = () => demo.flows.find((n) => n.type === 'plaid-item-store').id;
  const openCases = async () => (await (await fetch(`${demo.url}/plaid-items/stores/${storeId()}/cases`)).json()).cases;

  /** Breaks an Item's login through the demo's button; returns the repair notice the user got. */
  async function breakAnItem() {
    const before = new Set((await demo.outbox()).notifications.map((n) => n.item_id));
    await demo.click(breakButton);
    return until('a repair notice in the outbox', async () => (await demo.outbox()).notifications.find((n) => n.kind === 'repair' && !before.has(n.item_id)), 30000);
  }

  /** Opens the outbox, photographs it, and follows the notice of `kind` to the Hosted Link page. */
  async function followLink(note, kind, shot) {
    await page.goto(demo.outboxUrl);
    const entry = page.locator(`li.notification[data-kind="${kind}"][data-item="${note.item_id}"]`).first();
    await entry.waitFor({ state: 'visible' });
    if (shot) await page.screenshot({ path: path.join(IMAGES, shot) });
    await entry.locator('a.link').click();
    await page.waitForURL((url) => url.href.startsWith(demo.emulator.url));
  }

  /** Continue on the Hosted Link page: the completion redirect brings the user back to the outbox and its "fixed". */
  async function continueAndSeeFixed(note, shot) {
    await page.getByRole('button', { name: /continue/i }).click();
    await page.waitForURL((url) => url.href.startsWith(demo.outboxUrl), { timeout: 15000 });
    const fixed = await until('"fixed, thank you" in the outbox', async () => (await notificationsFor(note.item_id)).find((n) => n.kind === 'fixed'), 30000);
    await page.reload();
    await page.locator(`li.notification[data-kind="fixed"][data-item="${note.item_id}"]`).waitFor({ state: 'visible' });
    if (shot) await page.screenshot({ path: path.join(IMAGES, shot) });
    return fixed;
  }

  it('Continue at once: item/get shows no error, the store says healthy, "fixed, thank you" comes, the case is closed', async () => {
    fixedAtOnce = await breakAnItem();
    assert.equal(emulatorItem(fixedAtOnce.item_id).error_code, 'ITEM_LOGIN_REQUIRED');
    assert.equal((await recordOf(fixedAtOnce.item_id)).status, 'login_required');
    assert.ok(fixedAtOnce.to && fixedAtOnce.url.startsWith(demo.emulator.url), JSON.stringify(fixedAtOnce));
    assert.ok((await openCases()).some((c) => c.item_id === fixedAtOnce.item_id && c.reason === 'ITEM_LOGIN_REQUIRED'));

    await followLink(fixedAtOnce, 'repair', 'repair-outbox.png');
    assert.match(await page.locator('body').innerText(), /First Platypus Bank|ins_109508/, 'the page names the institution');
    await page.screenshot({ path: path.join(IMAGES, 'hosted-link.png') });
    const fixed = await continueAndSeeFixed(fixedAtOnce, 'repair-fixed.png');
    assert.equal(fixed.to, fixedAtOnce.to);
    const got = await (await fetch(`${demo.emulator.url}/item/get`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: demo.emulator.clientId, secret: demo.emulator.secret, access_token: emulatorItem(fixedAtOnce.item_id).access_token }),
    })).json();
    assert.equal(got.item.error, null, 'item/get shows no error');
    assert.equal((await recordOf(fixedAtOnce.item_id)).status, 'healthy');
    assert.equal((await openCases()).some((c) => c.item_id === fixedAtOnce.item_id), false, 'its case is closed');
    assert.deepEqual(errorsShown().map((e) => e.msg), []);
  });

  it('Exit, then the whole flow redeployed: the reminder still comes, once, with a fresh link; Continue on it → "fixed"', async () => {
    exited = await breakAnItem();
    await followLink(exited, 'repair');
    await page.getByRole('button', { name: /exit/i }).click();
    await until('SESSION_FINISHED EXITED recorded', async () => (await recordOf(exited.item_id))?.status === 'login_required' && demo.comms.debug(demo.node('08', 'debug', 'session finished').id).some((d) => d.msg === `EXITED for ${exited.item_id} (now login_required)`));
    assert.equal(emulatorItem(exited.item_id).error_code, 'ITEM_LOGIN_REQUIRED');

    // The editor: the open case in the Plaid Items sidebar, then Deploy ▸ Restart Flows.
    await page.goto(`${demo.url}/`);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.workspaces.active() && document.querySelector('.red-ui-flow-group'), null, { timeout: 30000 });
    await closeNotifications(page);
    await showSidebarTab(page, 'plaid-items-sidebar');
    const caseRow = page.locator(`.plaid-items-case[data-item-id="${exited.item_id}"]`);
    await caseRow.waitFor({ state: 'visible', timeout: 15000 });
    // Why, whose, since when, the reminders sent, when the next is due.
    assert.match(await caseRow.innerText(), /ITEM_LOGIN_REQUIRED[\s\S]*user-08[\s\S]*since \d+ (s|min) ago[\s\S]*0 of 1 reminders[\s\S]*next in \d+ s/);
    const sidebar = await page.locator('#red-ui-sidebar').boundingBox();
    await page.screenshot({ path: path.join(IMAGES, 'repair-cases.png'), clip: sidebar });
    const restartedAt = demo.comms.messages.length;
    await page.locator('#red-ui-header-button-deploy-options').click();
    await page.locator('#deploymenu-item-reload').click();
    await until('the repair node started again', () => demo.comms.messages.slice(restartedAt).some((m) => m.topic === `status/${repairNode}` && m.data.text === 'ready'), 30000);
    assert.equal((await notificationsFor(exited.item_id)).filter((n) => n.kind === 'reminder').length, 0, 'the reminder had not come yet');

    const reminder = await until('the reminder', async () => (await notificationsFor(exited.item_id)).find((n) => n.kind === 'reminder'), (REMINDER_SECONDS + 30) * 1000, 500);
    assert.ok(reminder.url && reminder.url !== exited.url, 'the reminder carries a fresh link');
    await followLink(exited, 'reminder', 'repair-reminder.png');
    await continueAndSeeFixed(exited);
    assert.deepEqual((await notificationsFor(exited.item_id)).map((n) => n.kind), ['repair', 'reminder', 'fixed'], 'the reminder once');
    // The Item fixed at once was broken first: its reminder would have come before this one.
    assert.deepEqual((await notificationsFor(fixedAtOnce.item_id)).map((n) => n.kind), ['repair', 'fixed'], 'no reminder after a fix');
    assert.equal((await recordOf(exited.item_id)).status, 'healthy');
    assert.deepEqual(await openCases(), []);
    assert.deepEqual(errorsShown().map((e) => e.msg), []);
    // The browser asks each host for /favicon.ico; neither the outbox nor the emulator serves one.
    assert.deepEqual(missing.filter((url) => !url.endsWith('/favicon.ico')), [], 'no other resource missing');
    assert.deepEqual(browser.problems.filter((p) => !/Failed to load resource: .* 404/.test(p)), []);
  });
});
