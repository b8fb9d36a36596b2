'use strict';
// The repair loop as the user lives it, in Chromium: the demo breaks an Item's login, the user's notification lands
// in the demo's outbox with a Hosted Link; following it opens the emulator's Hosted Link page. Continue repairs the
// Item (Plaid's SESSION_FINISHED SUCCESS comes out of output 9 with the Item, the store says healthy, "fixed" goes
// out, no reminder); Exit leaves it broken (EXITED, login_required, one reminder with a fresh link).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startDemo, until } = require('./support/demo');
const { launch } = require('./support/browser');
const { root } = require('./support/node-red');

const IMAGES = path.resolve(root, process.env.PLAID_SCREENSHOTS_DIR || path.join('test-results', 'screenshots'));
/** Long enough for the clicks from the notification to Continue on a busy machine (they took 6 s under load). */
const REMINDER_SECONDS = 15;

describe('repair loop in chromium: outbox → Hosted Link → Continue or Exit', function () {
  this.timeout(90000);
  let demo;
  let browser;
  let page;
  let breakButton;
  let sessionDebug;
  const missing = [];

  before(async () => {
    demo = await startDemo({ reminderSeconds: REMINDER_SECONDS });
    breakButton = demo.node('08', 'inject', 'Break the login of a new Item').id;
    sessionDebug = demo.node('08', 'debug', 'session finished').id;
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

  const notificationsFor = async (itemId) => (await demo.outbox()).notifications.filter((n) => n.item_id === itemId);
  const recordOf = async (itemId) => (await demo.outbox()).items.find((i) => i.item_id === itemId);
  const emulatorItem = (itemId) => demo.emulator.state().items.find((i) => i.item_id === itemId);
  const errorsShown = () => demo.flows.filter((n) => n.type === 'debug' && n.name === 'error').flatMap((n) => demo.comms.debug(n.id));

  /** Breaks an Item's login through the demo's button; returns the repair notification the user got. */
  async function breakAnItem() {
    const sent = (await demo.outbox()).notifications.length;
    await demo.click(breakButton);
    return until('a repair notification in the outbox', async () => (await demo.outbox()).notifications.slice(0, (await demo.outbox()).notifications.length - sent).find((n) => n.kind === 'repair'));
  }

  /** Opens the outbox, photographs it, and follows the notification's link to the Hosted Link page. */
  async function followLink(note, shot) {
    await page.goto(demo.outboxUrl);
    const entry = page.locator(`li.notification[data-kind="repair"][data-item="${note.item_id}"]`).first();
    await entry.waitFor({ state: 'visible' });
    if (shot) await page.screenshot({ path: path.join(IMAGES, shot) });
    await entry.locator('a.link').click();
    await page.waitForURL((url) => url.href.startsWith(demo.emulator.url));
  }

  it('Continue: item/get shows no error, SESSION_FINISHED SUCCESS carries the Item, healthy, "fixed" sent, no reminder', async () => {
    const note = await breakAnItem();
    // The reminder was armed when the notification went out.
    const reminderDue = Date.now() + REMINDER_SECONDS * 1000;
    assert.equal(emulatorItem(note.item_id).error_code, 'ITEM_LOGIN_REQUIRED');
    assert.equal((await recordOf(note.item_id)).status, 'login_required');
    assert.ok(note.to && note.url.startsWith(demo.emulator.url), JSON.stringify(note));

    await followLink(note, 'repair-outbox.png');
    assert.match(await page.locator('body').innerText(), /First Platypus Bank|ins_109508/, 'the page names the institution');
    await page.screenshot({ path: path.join(IMAGES, 'hosted-link.png') });
    await page.getByRole('button', { name: /continue/i }).click();

    const session = await until('SESSION_FINISHED out of output 9', () => demo.comms.debug(sessionDebug).find((d) => d.msg.startsWith('SUCCESS')));
    assert.equal(session.msg, `SUCCESS for ${note.item_id} (now healthy)`, 'the store resolved the Item by its link token');
    const item = await demo.emulator.state().items.find((i) => i.item_id === note.item_id);
    const got = await (await fetch(`${demo.emulator.url}/item/get`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: demo.emulator.clientId, secret: demo.emulator.secret, access_token: item.access_token }),
    })).json();
    assert.equal(got.item.error, null, 'item/get shows no error');
    assert.equal((await recordOf(note.item_id)).status, 'healthy');
    const fixed = await until('"fixed, thank you"', async () => (await notificationsFor(note.item_id)).find((n) => n.kind === 'fixed'));
    assert.equal(fixed.to, note.to);

    // The completion redirect brings the user back to the outbox, where the thank-you is.
    await page.waitForURL((url) => url.href.startsWith(demo.outboxUrl), { timeout: 10000 });
    await page.reload();
    await page.locator(`li.notification[data-kind="fixed"][data-item="${note.item_id}"]`).waitFor({ state: 'visible' });
    await page.screenshot({ path: path.join(IMAGES, 'repair-fixed.png') });

    await new Promise((r) => setTimeout(r, Math.max(0, reminderDue - Date.now()) + 2000));
    assert.deepEqual((await notificationsFor(note.item_id)).filter((n) => n.kind === 'reminder'), [], 'no reminder after SUCCESS');
    assert.deepEqual(errorsShown().map((e) => e.msg), []);
  });

  it('Exit: SESSION_FINISHED EXITED, the Item still login_required, one reminder with a fresh link', async () => {
    const note = await breakAnItem();
    await followLink(note);
    await page.getByRole('button', { name: /exit/i }).click();

    const session = await until('SESSION_FINISHED EXITED', () => demo.comms.debug(sessionDebug).find((d) => d.msg === `EXITED for ${note.item_id} (now login_required)`));
    assert.ok(session);
    assert.equal(emulatorItem(note.item_id).error_code, 'ITEM_LOGIN_REQUIRED');
    assert.equal((await recordOf(note.item_id)).status, 'login_required');

    const reminder = await until('the reminder', async () => (await notificationsFor(note.item_id)).find((n) => n.kind === 'reminder'), (REMINDER_SECONDS + 10) * 1000);
    assert.ok(reminder.url && reminder.url !== note.url, 'the reminder carries a fresh link');
    await new Promise((r) => setTimeout(r, (REMINDER_SECONDS + 1) * 1000));
    assert.equal((await notificationsFor(note.item_id)).filter((n) => n.kind === 'reminder').length, 1, 'one reminder, not more');
    await page.goto(demo.outboxUrl);
    await page.locator(`li.notification[data-kind="reminder"][data-item="${note.item_id}"]`).waitFor({ state: 'visible' });
    await page.screenshot({ path: path.join(IMAGES, 'repair-reminder.png') });
    // The browser asks each host for /favicon.ico; neither the outbox nor the emulator serves one.
    assert.deepEqual(missing.filter((url) => !url.endsWith('/favicon.ico')), [], 'no other resource missing');
    assert.deepEqual(browser.problems.filter((p) => !/Failed to load resource: .* 404/.test(p)), []);
  });
});
