'use strict';
// plaid-link-token-get in a real Node-RED runtime against the emulator over loopback HTTP: what a Hosted Link
// session did is read back even when its SESSION_FINISHED webhook never arrived.
const assert = require('node:assert/strict');
const path = require('node:path');
const { start } = require('../../dist/emulator');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const storeModule = require('../../dist/nodes/plaid-item-store.js');
const { helper, deploy, configFor } = require('../support/red');
const files = require('../store/support/store-files');

describe('plaid-link-token-get against the emulator', function () {
  let emulator;
  before(async () => {
    emulator = await start({ timeFactor: 0.001 });
  });
  after(() => emulator.stop());
  afterEach(async () => {
    await helper.unload();
    await files.cleanup();
  });

  const credentials = () => ({ cfg: { clientId: emulator.clientId, secret: emulator.secret } });

  /** A new-mode Hosted Link token, and its page completed with Continue while its SESSION_FINISHED is dropped. */
  async function finishedSession() {
    const response = await fetch(`${emulator.url}/link/token/create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': emulator.clientId, 'PLAID-SECRET': emulator.secret },
      body: JSON.stringify({
        client_name: 'Plaidflow', language: 'en', country_codes: ['US'], user: { client_user_id: 'user-1' },
        products: ['transactions'], webhook: 'http://127.0.0.1:9/never-reached', hosted_link: {},
      }),
    });
    const link = await response.json();
    emulator.dropNextWebhooks({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED' });
    const page = await fetch(link.hosted_link_url, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'action=continue&username=user_good&password=pass_good&institution_id=ins_109508',
    });
    assert.equal(page.status, 200);
    return link.link_token;
  }

  it('outputs the finished session from msg.payload.link_token, with the public token of the Item it added', async () => {
    const linkToken = await finishedSession();
    const red = await deploy({
      nodes: [{ id: 'get', type: 'plaid-link-token-get', plaid: 'cfg', wires: [['out']] }],
      config: configFor(emulator.url),
      credentials: credentials(),
    });
    red.node('get').receive({ payload: { link_token: linkToken } });
    const [outcome] = await red.waitFor(1);
    assert.equal(outcome.kind, 'output', JSON.stringify(outcome.msg.error));
    assert.equal(outcome.msg.plaid.endpoint, '/link/token/get');
    const [session] = outcome.msg.payload.link_sessions;
    assert.notEqual(session.finished_at, null);
    const [added] = session.results.item_add_results;
    assert.equal(added.institution.institution_id, 'ins_109508');
    assert.equal(emulator.deliveries.at(-1).state, 'dropped', 'the webhook never left the emulator');
    assert.equal(emulator.state().outstandingPublicTokens, 1, 'its public token is still there to exchange');
  });

  it('with an Item store, takes msg.item_id instead: the newest link token the store keeps for the Item', async () => {
    const file = path.join(files.tempDir('plaid-link-get-'), 'items.db');
    const red = await deploy({
      nodes: [
        { id: 'store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file },
        { id: 'create', type: 'plaid-link-token-create', plaid: 'cfg', store: 'store', client_name: 'Plaidflow', client_nameType: 'str', wires: [['out']] },
        { id: 'get', type: 'plaid-link-token-get', plaid: 'cfg', store: 'store', wires: [['out']] },
      ],
      config: configFor(emulator.url),
      credentials: { ...credentials(), store: { encryptionKey: generateStoreKey() } },
      extraModules: [storeModule],
    });
    await red.node('store').ready;
    const store = red.node('store').itemStore;
    const [repaired, never] = [emulator.createItem(), emulator.createItem()];
    for (const item of [repaired, never]) await store.save({ item_id: item.item_id, access_token: item.access_token, client_user_id: 'user-1' });
    // A repair link for one Item (update mode, through the store), its page completed with Continue, its
    // SESSION_FINISHED dropped.
    red.node('create').receive({ item_id: repaired.item_id });
    const [created] = await red.waitFor(1);
    assert.equal(created.kind, 'output', created.msg.error && created.msg.error.message);
    emulator.dropNextWebhooks({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED' });
    const page = await fetch(created.msg.payload.hosted_link_url, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'action=continue&username=user_good&password=pass_good',
    });
    assert.equal(page.status, 200);

    red.node('get').receive({ item_id: repaired.item_id, payload: {} });
    red.node('get').receive({ payload: { item_id: never.item_id } });
    red.node('get').receive({ item_id: 'item-not-stored', payload: {} });
    const outcomes = (await red.waitFor(4)).slice(1);
    const output = outcomes.find((o) => o.kind === 'output');
    assert.equal(output.msg.payload.link_token, created.msg.payload.link_token);
    assert.notEqual(output.msg.payload.link_sessions[0].finished_at, null, 'the session it ended is told');
    assert.equal(output.msg.plaid.item.item_id, repaired.item_id);
    const caught = outcomes.filter((o) => o.kind === 'error');
    const errors = caught.map((o) => o.msg.error.message).sort();
    assert.equal(errors.length, 2);
    assert.match(errors[0], /: link\/token\/get: Item item-not-stored is not in the Item store$/);
    assert.match(errors[1], new RegExp(`: link/token/get: no link_token given, and the Item store keeps none for Item ${never.item_id} `));
    assert.deepEqual(caught.map((o) => o.msg.plaid.attempts), [0, 0], 'no call made for them');
  });

  it('takes link_token from its setting (here flow context) when the message has none; an unknown one ends at Catch', async () => {
    const linkToken = await finishedSession();
    const red = await deploy({
      nodes: [{ id: 'get', type: 'plaid-link-token-get', plaid: 'cfg', wires: [['out']], link_token: 'linkToken', link_tokenType: 'flow' }],
      config: configFor(emulator.url),
      credentials: credentials(),
    });
    red.node('get').context().flow.set('linkToken', linkToken);
    red.node('get').receive({ payload: {} });
    red.node('get').receive({ payload: { link_token: 'link-sandbox-00000000-0000-0000-0000-000000000000' } });
    const outcomes = await red.waitFor(2);
    const output = outcomes.find((o) => o.kind === 'output');
    assert.equal(output.msg.payload.link_token, linkToken);
    const caught = outcomes.find((o) => o.kind === 'error');
    assert.equal(caught.msg.plaid.error.error_code, 'INVALID_LINK_TOKEN');
    assert.equal(caught.msg.plaid.attempts, 1, 'a 400 is not retried');
  });
});
