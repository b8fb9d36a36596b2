'use strict';
// The official plaid SDK, pointed at the emulator, works unchanged.
const assert = require('node:assert/strict');
const { Configuration, CountryCode, PlaidApi, Products } = require('plaid');
const { assertPlaidError, linkItem, startEmulator } = require('./helpers');

describe('emulator: the official plaid SDK', () => {
  let emulator;
  let plaid;
  before(async () => {
    emulator = await startEmulator();
    plaid = new PlaidApi(new Configuration({
      basePath: emulator.url,
      baseOptions: { headers: { 'PLAID-CLIENT-ID': emulator.clientId, 'PLAID-SECRET': emulator.secret } },
    }));
  });
  after(() => emulator.stop());

  it('sandboxPublicTokenCreate → itemPublicTokenExchange → itemGet → institutionsGetById → itemRemove', async () => {
    const created = await plaid.sandboxPublicTokenCreate({
      institution_id: 'ins_109508', initial_products: [Products.Transactions],
    });
    const exchanged = await plaid.itemPublicTokenExchange({ public_token: created.data.public_token });
    const got = await plaid.itemGet({ access_token: exchanged.data.access_token });
    assert.equal(got.data.item.item_id, exchanged.data.item_id);
    assert.equal(got.data.item.institution_id, 'ins_109508');
    // What Plaid's sample apps do next: show the bank by name.
    const { data } = await plaid.institutionsGetById({
      institution_id: got.data.item.institution_id, country_codes: [CountryCode.Us], options: { include_optional_metadata: true },
    });
    assert.equal(data.institution.name, 'First Platypus Bank');
    assert.ok(data.institution.products.includes(Products.Transactions));
    const removed = await plaid.itemRemove({ access_token: exchanged.data.access_token });
    assert.equal(typeof removed.data.request_id, 'string');
    assert.equal(emulator.item(exchanged.data.item_id).removed, true);
  });

  it('linkTokenCreate in update mode with Hosted Link (linkTokenGet shows the opened session), and for a new Item', async () => {
    const { accessToken } = await linkItem(emulator);
    const update = await plaid.linkTokenCreate({
      client_name: 'Budget Buddy', language: 'en', country_codes: [CountryCode.Us], user: { client_user_id: 'user-42' },
      access_token: accessToken, hosted_link: { completion_redirect_uri: 'https://app.example.com/done' },
    });
    assert.match(update.data.link_token, /^link-sandbox-/);
    assert.ok(update.data.hosted_link_url.startsWith(`${emulator.url}/hl/`));
    assert.equal(Number.isNaN(Date.parse(update.data.expiration)), false);
    const page = await fetch(update.data.hosted_link_url);
    assert.equal(page.status, 200);
    const opened = await plaid.linkTokenGet({ link_token: update.data.link_token });
    assert.equal(opened.data.link_sessions?.length, 1);
    assert.equal(opened.data.link_sessions?.[0].finished_at, null);
    const created = await plaid.linkTokenCreate({
      client_name: 'Budget Buddy', language: 'en', country_codes: [CountryCode.Us], user: { client_user_id: 'user-42' },
      products: [Products.Transactions],
    });
    assert.match(created.data.link_token, /^link-sandbox-/);
    assert.equal(created.data.hosted_link_url, undefined);
  });

  it('surfaces Plaid errors the way the SDK users expect (axios error with response.data)', async () => {
    await assert.rejects(plaid.itemGet({ access_token: 'access-sandbox-00000000-0000-0000-0000-000000000000' }), (/** @type {any} */ error) => {
      assert.equal(error.response.status, 400);
      assertPlaidError(error.response.data, { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCESS_TOKEN' });
      return true;
    });
  });
});
