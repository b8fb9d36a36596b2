'use strict';
// Token lifecycles and the /item/get rate limit, on an emulator whose clock the test drives.
const assert = require('node:assert/strict');
const { fails, linkItem, ok, startEmulator } = require('./helpers');

const INVALID_ACCESS_TOKEN = { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCESS_TOKEN' };
const INVALID_PUBLIC_TOKEN = { status: 400, type: 'INVALID_INPUT', code: 'INVALID_PUBLIC_TOKEN' };
const MINUTE = 60_000;

describe('emulator: tokens and limits', () => {
  let emulator;
  let clockMs = Date.parse('2025-01-01T00:00:00Z');
  before(async () => {
    emulator = await startEmulator({ now: () => clockMs });
  });
  after(() => emulator.stop());

  const createPublicToken = async () => (await ok(emulator, '/sandbox/public_token/create', {
    institution_id: 'ins_109508', initial_products: ['transactions'],
  })).public_token;

  it('a public token exchanges once only', async () => {
    const publicToken = await createPublicToken();
    await ok(emulator, '/item/public_token/exchange', { public_token: publicToken });
    await fails(emulator, '/item/public_token/exchange', { public_token: publicToken }, INVALID_PUBLIC_TOKEN);
  });

  it('a public token lives 30 minutes', async () => {
    const justInTime = await createPublicToken();
    const tooLate = await createPublicToken();
    clockMs += 30 * MINUTE - 1;
    await ok(emulator, '/item/public_token/exchange', { public_token: justInTime });
    clockMs += 1;
    const { body } = await fails(emulator, '/item/public_token/exchange', { public_token: tooLate }, INVALID_PUBLIC_TOKEN);
    assert.match(body.error_message, /expired/);
  });

  it('invalidate rotates: the old token dies at once, the new one works', async () => {
    const { accessToken, itemId } = await linkItem(emulator);
    const rotatedBefore = emulator.counts.accessTokensRotated;
    const { new_access_token: fresh } = await ok(emulator, '/item/access_token/invalidate', { access_token: accessToken });
    await fails(emulator, '/item/get', { access_token: accessToken }, INVALID_ACCESS_TOKEN);
    await fails(emulator, '/item/access_token/invalidate', { access_token: accessToken }, INVALID_ACCESS_TOKEN);
    const { item } = await ok(emulator, '/item/get', { access_token: fresh });
    assert.equal(item.item_id, itemId);
    assert.equal(emulator.counts.accessTokensRotated, rotatedBefore + 1);
    assert.equal(emulator.item(itemId).access_token, fresh);
  });

  it('remove kills the Item and its token', async () => {
    const { accessToken, itemId } = await linkItem(emulator);
    await ok(emulator, '/item/remove', { access_token: accessToken, reason_code: 'FRAUD_OTHER' });
    for (const endpoint of ['/item/get', '/item/remove', '/item/access_token/invalidate', '/accounts/get']) {
      await fails(emulator, endpoint, { access_token: accessToken }, INVALID_ACCESS_TOKEN);
    }
    const snapshot = emulator.item(itemId);
    assert.equal(snapshot.removed, true);
    assert.equal(snapshot.removal_reason, 'FRAUD_OTHER');
    assert.equal(snapshot.access_token, null);
  });

  it('the state tracks outstanding public tokens', async () => {
    const before = emulator.state().outstandingPublicTokens;
    const publicToken = await createPublicToken();
    assert.equal(emulator.state().outstandingPublicTokens, before + 1);
    await ok(emulator, '/item/public_token/exchange', { public_token: publicToken });
    assert.equal(emulator.state().outstandingPublicTokens, before);
  });

  it('/item/get: 40 calls per Item per minute, then 429 ITEM_GET_LIMIT, per Item', async () => {
    const busy = await linkItem(emulator);
    const quiet = await linkItem(emulator);
    for (let i = 0; i < 40; i += 1) await ok(emulator, '/item/get', { access_token: busy.accessToken });
    await fails(emulator, '/item/get', { access_token: busy.accessToken },
      { status: 429, type: 'RATE_LIMIT_EXCEEDED', code: 'ITEM_GET_LIMIT' });
    await ok(emulator, '/item/get', { access_token: quiet.accessToken });
    clockMs += MINUTE;
    await ok(emulator, '/item/get', { access_token: busy.accessToken });
  });

  it('the limit can be turned off (benchmarks)', async () => {
    const unlimited = await startEmulator({ itemGetLimitPerMinute: 0 });
    try {
      const { accessToken } = await linkItem(unlimited);
      for (let i = 0; i < 60; i += 1) await ok(unlimited, '/item/get', { access_token: accessToken });
    } finally {
      await unlimited.stop();
    }
  });

  it('counts every state change once', () => {
    const { counts } = emulator.state();
    assert.equal(counts.itemsCreated, counts.publicTokensCreated);
    assert.ok(counts.publicTokensExchanged <= counts.publicTokensCreated);
    assert.equal(counts.itemsRemoved, 1);
    assert.equal(counts.unexpectedErrors, 0);
  });
});
