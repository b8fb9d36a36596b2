'use strict';
// The official plaid SDK, pointed at the emulator, works unchanged.
const assert = require('node:assert/strict');
const { Configuration, PlaidApi, Products } = require('plaid');
const { assertPlaidError, startEmulator } = require('./helpers');

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

  it('sandboxPublicTokenCreate → itemPublicTokenExchange → itemGet → itemRemove', async () => {
    const created = await plaid.sandboxPublicTokenCreate({
      institution_id: 'ins_109508', initial_products: [Products.Transactions],
    });
    const exchanged = await plaid.itemPublicTokenExchange({ public_token: created.data.public_token });
    const got = await plaid.itemGet({ access_token: exchanged.data.access_token });
    assert.equal(got.data.item.item_id, exchanged.data.item_id);
    assert.equal(got.data.item.institution_id, 'ins_109508');
    const removed = await plaid.itemRemove({ access_token: exchanged.data.access_token });
    assert.equal(typeof removed.data.request_id, 'string');
    assert.equal(emulator.item(exchanged.data.item_id).removed, true);
  });

  it('surfaces Plaid errors the way the SDK users expect (axios error with response.data)', async () => {
    await assert.rejects(plaid.itemGet({ access_token: 'access-sandbox-00000000-0000-0000-0000-000000000000' }), (error) => {
      assert.equal(error.response.status, 400);
      assertPlaidError(error.response.data, { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCESS_TOKEN' });
      return true;
    });
  });
});
