'use strict';
// plaid-link-token-get in a real Node-RED runtime against the emulator over loopback HTTP: what a Hosted Link
// session did is read back even when its SESSION_FINISHED webhook never arrived.
const assert = require('node:assert/strict');
const { start } = require('../../dist/emulator');
const { helper, deploy, configFor } = require('../support/red');

describe('plaid-link-token-get against the emulator', function () {
  let emulator;
  before(async () => {
    emulator = await start({ timeFactor: 0.001 });
  });
  after(() => emulator.stop());
  afterEach(() => helper.unload());

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
