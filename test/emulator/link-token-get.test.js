'use strict';
// /link/token/get: the link token's settings and what happened in its Hosted Link session, driven through the page
// as a browser would, kept six hours after the session ended (on the emulator clock).
const assert = require('node:assert/strict');
const { call, emulatorAndReceiver, fails, linkItem, ok, submitForm, webhookBody } = require('./helpers');

const HOUR_MS = 60 * 60 * 1000;

const submit = async (url, fields) => (await submitForm(url, fields)).status;

const NEW_ITEM = {
  client_name: 'Budget Buddy', language: 'en', country_codes: ['US'], user: { client_user_id: 'user-7' },
  products: ['transactions'], redirect_uri: 'https://app.example.com/oauth', hosted_link: {},
};
const LOGIN = { username: 'user_good', password: 'pass_good' };

describe('emulator: /link/token/get', () => {
  const suite = emulatorAndReceiver({ timeFactor: 1 }, { clockAt: '2026-03-01T12:00:00Z' });
  let emulator;
  let receiver;
  beforeEach(() => ({ emulator, receiver } = suite));

  const get = (linkToken) => ok(emulator, '/link/token/get', { link_token: linkToken });

  it('new Item: no session until the page is opened, then an open one, then its item_add_results once Continue was pressed', async () => {
    const created = await ok(emulator, '/link/token/create', { ...NEW_ITEM, webhook: receiver.urlFor('/link') });
    const before = await get(created.link_token);
    assert.equal(before.link_token, created.link_token);
    assert.equal(before.created_at, new Date(suite.now).toISOString());
    assert.equal(before.expiration, created.expiration);
    assert.deepEqual(before.link_sessions, []);
    assert.deepEqual(before.metadata, {
      initial_products: ['transactions'], webhook: receiver.urlFor('/link'), country_codes: ['US'], language: 'en',
      redirect_uri: 'https://app.example.com/oauth', client_name: 'Budget Buddy',
    });

    suite.now += 60_000;
    assert.equal((await fetch(created.hosted_link_url)).status, 200);
    const open = await get(created.link_token);
    assert.equal(open.link_sessions.length, 1);
    const [started] = open.link_sessions;
    assert.equal(started.started_at, new Date(suite.now).toISOString());
    assert.equal(started.finished_at, null);
    assert.deepEqual(started.events.map((event) => event.event_name), ['OPEN']);
    assert.equal('results' in started, false);
    assert.equal('exit' in started, false);

    suite.now += 60_000;
    assert.equal(await submit(created.hosted_link_url, { ...LOGIN, institution_id: 'ins_109509', action: 'continue' }), 200);
    const [finished] = (await get(created.link_token)).link_sessions;
    assert.equal(finished.link_session_id, started.link_session_id);
    assert.equal(finished.finished_at, new Date(suite.now).toISOString());
    assert.deepEqual(finished.events.map((event) => event.event_name), ['HANDOFF', 'SUBMIT_CREDENTIALS', 'SELECT_INSTITUTION', 'OPEN'],
      'newest first, as Plaid lists them');
    assert.equal(finished.events[0].event_metadata.institution_id, 'ins_109509');
    const [added] = finished.results.item_add_results;
    assert.deepEqual(added.institution, { name: 'First Gingham Credit Union', institution_id: 'ins_109509' });
    assert.deepEqual(added.accounts.map((account) => account.name), ['Plaid Checking', 'Plaid Saving', 'Plaid Credit Card']);
    assert.equal('exit' in finished, false);

    const sessionFinished = webhookBody((await receiver.waitFor(1))[0]);
    assert.equal(sessionFinished.link_session_id, finished.link_session_id);
    assert.deepEqual(sessionFinished.public_tokens, [added.public_token], 'the same public token as the webhook');
    const exchanged = await ok(emulator, '/item/public_token/exchange', { public_token: added.public_token });
    const { accounts } = await ok(emulator, '/accounts/get', { access_token: exchanged.access_token });
    assert.deepEqual(added.accounts.map((account) => account.id), accounts.map((account) => account.account_id));
  });

  it('update mode: Exit gives the session an exit naming the Item\'s institution; Continue results with no Item added', async () => {
    const { accessToken } = await linkItem(emulator, { institution_id: 'ins_109511' });
    const update = { client_name: 'Budget Buddy', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' }, access_token: accessToken, hosted_link: {} };
    const exited = await ok(emulator, '/link/token/create', update);
    await submit(exited.hosted_link_url, { action: 'exit' });
    const [session] = (await get(exited.link_token)).link_sessions;
    assert.deepEqual(session.exit, {
      error: null,
      metadata: {
        institution: { name: 'Tartan Bank', institution_id: 'ins_109511' },
        status: 'requires_credentials',
        link_session_id: session.link_session_id,
        request_id: session.events[0].event_metadata.request_id,
      },
    });
    assert.equal('results' in session, false);
    assert.deepEqual(session.events.map((event) => event.event_name), ['EXIT', 'OPEN']);
    assert.equal(session.events[0].event_metadata.exit_status, 'requires_credentials');
    assert.deepEqual((await get(exited.link_token)).metadata.initial_products, []);

    const repaired = await ok(emulator, '/link/token/create', update);
    await submit(repaired.hosted_link_url, { action: 'continue' });
    const [success] = (await get(repaired.link_token)).link_sessions;
    assert.deepEqual(success.results.item_add_results, [], 'update mode adds no Item: the access token stays the same');
    assert.notEqual(success.finished_at, null);
  });

  it('wrong credentials are an ERROR event in a session that stays open', async () => {
    const created = await ok(emulator, '/link/token/create', NEW_ITEM);
    await submit(created.hosted_link_url, { username: 'user_good', password: 'nope', action: 'continue' });
    const [session] = (await get(created.link_token)).link_sessions;
    assert.equal(session.finished_at, null);
    assert.equal(session.events[0].event_name, 'ERROR');
    assert.equal(session.events[0].event_metadata.error_code, 'INVALID_CREDENTIALS');
  });

  it('keeps a finished session for six hours on the emulator clock (POST /emulator/clock/advance moves past it), then reports none', async () => {
    const created = await ok(emulator, '/link/token/create', NEW_ITEM);
    await submit(created.hosted_link_url, { action: 'exit' });
    suite.now += 6 * HOUR_MS - 1;
    assert.equal((await get(created.link_token)).link_sessions.length, 1);
    const advanced = await call(emulator, '/emulator/clock/advance', { ms: 1 }, { auth: false });
    assert.equal(advanced.status, 200);
    const after = await get(created.link_token);
    assert.deepEqual(after.link_sessions, []);
    assert.equal(after.link_token, created.link_token);
  });

  it('an open session is kept however long it stays open', async () => {
    const created = await ok(emulator, '/link/token/create', NEW_ITEM);
    await fetch(created.hosted_link_url);
    suite.now += 48 * HOUR_MS;
    assert.equal((await get(created.link_token)).link_sessions[0].finished_at, null);
  });

  it('a link token without Hosted Link has no sessions; user_id comes back when the token was made with one', async () => {
    const { hosted_link: _none, user, ...plain } = NEW_ITEM;
    const created = await ok(emulator, '/link/token/create', { ...plain, user_id: 'usr_42' });
    const answer = await get(created.link_token);
    assert.deepEqual(answer.link_sessions, []);
    assert.equal(answer.user_id, 'usr_42');
    assert.ok(user);
  });

  it('an unknown or malformed link_token is INVALID_LINK_TOKEN; a missing one MISSING_FIELDS', async () => {
    await fails(emulator, '/link/token/get', { link_token: 'link-sandbox-00000000-0000-0000-0000-000000000000' },
      { status: 400, type: 'INVALID_INPUT', code: 'INVALID_LINK_TOKEN' });
    await fails(emulator, '/link/token/get', { link_token: 'nope' }, { status: 400, type: 'INVALID_INPUT', code: 'INVALID_LINK_TOKEN' });
    await fails(emulator, '/link/token/get', {}, { status: 400, type: 'INVALID_REQUEST', code: 'MISSING_FIELDS' });
  });
});
