'use strict';
// The Hosted Link page the emulator serves at hosted_link_url, used as a browser would: GET the page, POST its
// form. What each choice does to the Item, and the LINK SESSION_FINISHED webhook it sends (signed, spec-valid).
const assert = require('node:assert/strict');
const { validateWebhook } = require('../support/openapi');
const {
  distDir, fails, ok, startEmulator, startReceiver, submitForm: submit, verifyWebhook, webhookBody,
} = require('./helpers');
const { until } = require('../support/until');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** GET the page: {status, html}. */
async function openPage(url) {
  const response = await fetch(url);
  assert.match(response.headers.get('content-type'), /^text\/html/);
  return { status: response.status, html: await response.text() };
}


/** The values the page's form would send: its inputs and selects with their preset values. */
function formDefaults(html) {
  const fields = {};
  for (const [, name, value] of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[name] = value;
  for (const [, name, first] of html.matchAll(/<select[^>]*name="([^"]+)"[^>]*>\s*<option value="([^"]+)"/g)) fields[name] = first;
  return fields;
}

function assertSessionFinished(body, expected) {
  assert.deepEqual(validateWebhook('LINK', 'SESSION_FINISHED', body), []);
  assert.equal(body.webhook_type, 'LINK');
  assert.equal(body.webhook_code, 'SESSION_FINISHED');
  assert.equal(body.environment, 'sandbox');
  assert.match(body.link_session_id, UUID);
  assert.equal('item_id' in body, false, 'SESSION_FINISHED carries no item_id');
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(body[key], value, key);
}

describe('emulator: Hosted Link page', () => {
  let emulator;
  let receiver;
  beforeEach(async () => {
    emulator = await startEmulator({ timeFactor: 1 });
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await emulator.stop();
    await receiver.close();
  });

  /** An Item with a webhook, in ITEM_LOGIN_REQUIRED (its ERROR webhook already received), and an update-mode URL. */
  async function brokenItemWithLink(hostedLink = {}) {
    const created = await ok(emulator, '/sandbox/public_token/create', {
      institution_id: 'ins_109511', initial_products: ['transactions'], options: { webhook: receiver.urlFor('/item') },
    });
    const { access_token: accessToken, item_id: itemId } = await ok(emulator, '/item/public_token/exchange', {
      public_token: created.public_token,
    });
    await ok(emulator, '/sandbox/item/reset_login', { access_token: accessToken });
    await receiver.waitFor(1);
    const link = await ok(emulator, '/link/token/create', {
      client_name: 'Budget Buddy', language: 'en', country_codes: ['US'], user: { client_user_id: 'user-42' },
      access_token: accessToken, webhook: receiver.urlFor('/ignored-in-update-mode'), hosted_link: hostedLink,
    });
    return { accessToken, itemId, link };
  }

  it('update mode: the page names the institution and the app, with Continue and Exit', async () => {
    const { link } = await brokenItemWithLink();
    const { status, html } = await openPage(link.hosted_link_url);
    assert.equal(status, 200);
    assert.match(html, /<!DOCTYPE html>/);
    assert.match(html, /Reconnect Tartan Bank/);
    assert.match(html, /Budget Buddy/);
    assert.match(html, /<form method="post">/);
    assert.match(html, /<button[^>]*name="action" value="continue"[^>]*>Continue<\/button>/);
    assert.match(html, /<button[^>]*name="action" value="exit"[^>]*>Exit<\/button>/);
    assert.doesNotMatch(html, /name="password"/, 'update mode asks for no login in the sandbox');
  });

  it('Continue repairs the Item, sends a signed SESSION_FINISHED SUCCESS to the Item\'s webhook, and redirects', async () => {
    const { accessToken, itemId, link } = await brokenItemWithLink({ completion_redirect_uri: 'https://app.example.com/done?x=1' });
    assert.equal((await ok(emulator, '/item/get', { access_token: accessToken })).item.error.error_code, 'ITEM_LOGIN_REQUIRED');

    const answer = await submit(link.hosted_link_url, { action: 'continue' });
    assert.equal(answer.status, 303);
    assert.equal(answer.location, 'https://app.example.com/done?x=1');

    const got = await ok(emulator, '/item/get', { access_token: accessToken });
    assert.equal(got.item.error, null);
    assert.equal(got.item.item_id, itemId);
    const [, delivery] = await receiver.waitFor(2);
    assert.equal(delivery.path, '/item', 'to the Item\'s webhook; the link token\'s is ignored in update mode');
    await verifyWebhook(emulator, delivery);
    assertSessionFinished(webhookBody(delivery), { status: 'SUCCESS', link_token: link.link_token, public_tokens: [] });
    assert.equal(emulator.state().linkTokens[0].hosted_link_session, 'SUCCESS');
  });

  it('a completion_redirect_uri that is not http(s) (javascript:, data:) is refused with INVALID_FIELD; nothing to redirect to', async () => {
    const created = await ok(emulator, '/sandbox/public_token/create', { institution_id: 'ins_109511', initial_products: ['transactions'] });
    const { access_token: accessToken } = await ok(emulator, '/item/public_token/exchange', { public_token: created.public_token });
    for (const uri of ['javascript:alert(document.domain)', 'JavaScript:fetch("/flows")', 'data:text/html,<script>alert(1)</script>', '/relative/done']) {
      const refused = await fails(emulator, '/link/token/create', {
        client_name: 'Budget Buddy', language: 'en', country_codes: ['US'], user: { client_user_id: 'user-42' },
        access_token: accessToken, hosted_link: { completion_redirect_uri: uri },
      }, { status: 400, type: 'INVALID_REQUEST', code: 'INVALID_FIELD' });
      assert.match(refused.body.error_message, /hosted_link\.completion_redirect_uri must be a valid http or https URL/);
    }
    assert.deepEqual(emulator.state().linkTokens, [], 'no link token, so no page that could redirect');
  });

  it('the page itself sends the browser only to an http(s) completion_redirect_uri, whatever is on the record', () => {
    const { completionRedirect } = require(`${distDir}/emulator/hosted-link/session`);
    const record = (uri) => ({ hostedLink: { completionRedirectUri: uri } });
    assert.equal(completionRedirect(record('javascript:alert(1)')), null);
    assert.equal(completionRedirect(record(' javascript:alert(1)')), null);
    assert.equal(completionRedirect(record('data:text/html,x')), null);
    assert.equal(completionRedirect(record(null)), null);
    assert.equal(completionRedirect(record('https://app.example.com/done')), 'https://app.example.com/done');
    assert.equal(completionRedirect(record('http://127.0.0.1:1880/demo/outbox')), 'http://127.0.0.1:1880/demo/outbox');
  });

  it('without completion_redirect_uri Continue ends on a page saying it is done', async () => {
    const { link } = await brokenItemWithLink();
    const answer = await submit(link.hosted_link_url, { action: 'continue' });
    assert.equal(answer.status, 200);
    assert.match(answer.html, /connected again/);
  });

  it('a used URL shows the expired page and sends nothing more', async () => {
    const { accessToken, link } = await brokenItemWithLink();
    await submit(link.hosted_link_url, { action: 'continue' });
    await receiver.waitFor(2);
    const again = await openPage(link.hosted_link_url);
    assert.equal(again.status, 410);
    assert.match(again.html, /already been used/);
    await ok(emulator, '/sandbox/item/reset_login', { access_token: accessToken });
    await receiver.waitFor(3);
    const replay = await submit(link.hosted_link_url, { action: 'continue' });
    assert.equal(replay.status, 410);
    await emulator.deliveriesSettled();
    assert.equal(receiver.received.length, 3);
    const got = await ok(emulator, '/item/get', { access_token: accessToken });
    assert.equal(got.item.error.error_code, 'ITEM_LOGIN_REQUIRED', 'the replay repaired nothing');
  });

  it('Exit sends SESSION_FINISHED EXITED and leaves the Item broken', async () => {
    const { accessToken, link } = await brokenItemWithLink();
    const answer = await submit(link.hosted_link_url, { action: 'exit' });
    assert.equal(answer.status, 200);
    assert.match(answer.html, /Nothing was changed/);
    const [, delivery] = await receiver.waitFor(2);
    await verifyWebhook(emulator, delivery);
    assertSessionFinished(webhookBody(delivery), { status: 'EXITED', link_token: link.link_token, public_tokens: [] });
    const got = await ok(emulator, '/item/get', { access_token: accessToken });
    assert.equal(got.item.error.error_code, 'ITEM_LOGIN_REQUIRED');
  });

  it('an expired URL (url_lifetime_seconds on the emulator clock) shows the expired page and sends nothing', async () => {
    const { accessToken, link } = await brokenItemWithLink({ url_lifetime_seconds: 60 });
    assert.equal((await openPage(link.hosted_link_url)).status, 200);
    emulator.advanceClock(60_000);
    const page = await openPage(link.hosted_link_url);
    assert.equal(page.status, 410);
    assert.match(page.html, /expired/);
    assert.equal((await submit(link.hosted_link_url, { action: 'continue' })).status, 410);
    await emulator.deliveriesSettled();
    assert.equal(receiver.received.length, 1, 'only the ERROR webhook from before');
    assert.equal((await ok(emulator, '/item/get', { access_token: accessToken })).item.error.error_code, 'ITEM_LOGIN_REQUIRED');
    assert.equal(emulator.state().linkTokens[0].hosted_link_session, 'expired');
  });

  it('--time-factor shortens URL lifetimes in real time', async () => {
    const fast = await startEmulator({ timeFactor: 0.001 });
    try {
      const link = await ok(fast, '/link/token/create', {
        client_name: 'Budget Buddy', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' },
        products: ['transactions'], hosted_link: { url_lifetime_seconds: 50 },
      });
      // 50 s at a time factor of 0.001: gone within moments, where the unscaled URL would live on.
      await until('the URL to expire', async () => (await openPage(link.hosted_link_url)).status === 410, 5000, 10);
    } finally {
      await fast.stop();
    }
  });

  it('an unknown URL is 404 with the same explanation page', async () => {
    const page = await openPage(`${emulator.url}/hl/nothing-here`);
    assert.equal(page.status, 404);
    assert.match(page.html, /not valid/);
  });

  it('Continue also clears what PENDING_EXPIRATION and PENDING_DISCONNECT announced, and renews OAuth consent', async () => {
    const created = await ok(emulator, '/sandbox/public_token/create', {
      institution_id: 'ins_127287', initial_products: ['transactions'], options: { webhook: receiver.urlFor('/item') },
    });
    const { access_token: accessToken, item_id: itemId } = await ok(emulator, '/item/public_token/exchange', {
      public_token: created.public_token,
    });
    const before = (await ok(emulator, '/item/get', { access_token: accessToken })).item.consent_expiration_time;
    emulator.fireWebhook({ item_id: itemId, webhook_code: 'PENDING_EXPIRATION' });
    await ok(emulator, '/sandbox/item/fire_webhook', { access_token: accessToken, webhook_code: 'PENDING_DISCONNECT' });
    await receiver.waitFor(2);
    const pending = emulator.item(itemId);
    assert.equal(pending.pending_expiration, before);
    assert.equal(pending.pending_disconnect.reason, 'INSTITUTION_TOKEN_EXPIRATION');

    emulator.advanceClock(24 * 60 * 60 * 1000);
    const link = await ok(emulator, '/link/token/create', {
      client_name: 'Budget Buddy', language: 'en', country_codes: ['GB'], user: { client_user_id: 'user-42' },
      access_token: accessToken, hosted_link: {},
    });
    assert.match((await openPage(link.hosted_link_url)).html, /Platypus OAuth Bank/);
    await submit(link.hosted_link_url, { action: 'continue' });
    const repaired = emulator.item(itemId);
    assert.equal(repaired.pending_expiration, null);
    assert.equal(repaired.pending_disconnect, null);
    const after = (await ok(emulator, '/item/get', { access_token: accessToken })).item.consent_expiration_time;
    assert.ok(Date.parse(after) > Date.parse(before), `${after} later than ${before}`);
    const [, , delivery] = await receiver.waitFor(3);
    assertSessionFinished(webhookBody(delivery), { status: 'SUCCESS', link_token: link.link_token });
  });

  describe('new mode', () => {
    async function newLink(hostedLink = {}) {
      return ok(emulator, '/link/token/create', {
        client_name: 'Budget Buddy', language: 'en', country_codes: ['US'], user: { client_user_id: 'user-7' },
        products: ['transactions', 'auth'], webhook: receiver.urlFor('/new'), hosted_link: hostedLink,
      });
    }

    it('the page asks for an institution and the sandbox login user_good / pass_good', async () => {
      const link = await newLink();
      const { html } = await openPage(link.hosted_link_url);
      assert.match(html, /<select id="institution_id" name="institution_id">/);
      assert.match(html, /<option value="ins_109508">First Platypus Bank<\/option>/);
      assert.match(html, /name="username"[^>]*value="user_good"/);
      assert.match(html, /name="password" type="password"[^>]*value="pass_good"/);
      assert.match(html, /value="continue"[^>]*>Continue/);
      assert.match(html, /value="exit"[^>]*>Exit/);
    });

    it('Continue is the form\'s first button, so Enter in a field continues rather than exits', async () => {
      const { html } = await openPage((await newLink()).hosted_link_url);
      assert.equal(html.match(/<button[^>]*value="(\w+)"/)[1], 'continue');
    });

    it('lists only institutions that support every product asked for, and refuses another', async () => {
      const link = await newLink();
      const { html } = await openPage(link.hosted_link_url);
      assert.doesNotMatch(html, /Houndstooth Bank/, 'Houndstooth has no transactions product');
      const answer = await submit(link.hosted_link_url, { ...formDefaults(html), institution_id: 'ins_109512', action: 'continue' });
      assert.equal(answer.status, 200);
      assert.match(answer.html, /Choose one of the listed institutions/);
      assert.equal(emulator.state().linkTokens[0].hosted_link_session, 'open');
    });

    it('wrong credentials keep the session open, say so, and send nothing', async () => {
      const link = await newLink();
      const answer = await submit(link.hosted_link_url, { action: 'continue', username: 'user_good', password: 'nope' });
      assert.equal(answer.status, 200);
      assert.match(answer.html, /credentials were not correct/);
      await emulator.deliveriesSettled();
      assert.equal(receiver.received.length, 0);
      assert.equal(emulator.state().linkTokens[0].hosted_link_session, 'open');
    });

    it('Continue creates the Item and sends its public token in public_tokens to the link token\'s webhook', async () => {
      const link = await newLink({ completion_redirect_uri: 'https://app.example.com/linked' });
      const { html } = await openPage(link.hosted_link_url);
      const answer = await submit(link.hosted_link_url, { ...formDefaults(html), institution_id: 'ins_109509', action: 'continue' });
      assert.equal(answer.status, 303);
      assert.equal(answer.location, 'https://app.example.com/linked');
      const [delivery] = await receiver.waitFor(1);
      assert.equal(delivery.path, '/new');
      await verifyWebhook(emulator, delivery);
      const body = webhookBody(delivery);
      assertSessionFinished(body, { status: 'SUCCESS', link_token: link.link_token });
      assert.equal(body.public_tokens.length, 1);
      const exchanged = await ok(emulator, '/item/public_token/exchange', { public_token: body.public_tokens[0] });
      const got = await ok(emulator, '/item/get', { access_token: exchanged.access_token });
      assert.equal(got.item.institution_id, 'ins_109509');
      assert.deepEqual(got.item.products, ['transactions', 'auth']);
      assert.equal(got.item.webhook, receiver.urlFor('/new'));
    });

    it('Exit sends EXITED with no public token and creates nothing', async () => {
      const link = await newLink();
      const itemsBefore = emulator.state().items.length;
      await submit(link.hosted_link_url, { action: 'exit' });
      const [delivery] = await receiver.waitFor(1);
      assertSessionFinished(webhookBody(delivery), { status: 'EXITED', public_tokens: [] });
      assert.equal(emulator.state().items.length, itemsBefore);
    });
  });
});
