'use strict';
// plaid-items-reconcile on two Node-RED processes sharing one PostgreSQL store, both asked to sweep at the same
// instant: one sweeps, the other answers already_running (then and while the sweep runs), and Plaid (the stand-in,
// which records when each call reached it) never sees more than callsPerMinute calls in any 60-second window, nor a
// burst: the calls come spread over the minute.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { ItemStore } = require('../../dist/plaid/store/item-store');
const { PostgresStorage } = require('../../dist/plaid/store/postgres-storage');
const { TokenCipher, generateStoreKey } = require('../../dist/plaid/store/cipher');
const { RedChild } = require('../reliability/support/child');
const { until } = require('../reliability/support/util');
const { startStandIn, CLIENT_ID, SECRET } = require('../support/plaid-stand-in');
const { reconcileFlow, deployReconcileFlow, sweepOn } = require('../reconcile/support/child-flow');
const { createDatabase } = require('./support/databases');

const CALLS_PER_MINUTE = 600;
const ITEMS = 650;
const WITH_LINK_TOKEN = 50;
const MINUTE = 60_000;

/** The most calls that reached the stand-in within any window of `ms` (each call opening one). */
function mostInAnyWindow(times, ms) {
  let most = 0;
  for (let first = 0, last = 0; first < times.length; first++) {
    while (last < times.length && times[last] < times[first] + ms) last++;
    most = Math.max(most, last - first);
  }
  return most;
}

describe('plaid-items-reconcile: two instances on one PostgreSQL store', function () {
  this.timeout(300000);
  let database;
  let plaid;
  let store;
  const children = [];

  beforeEach(async () => {
    database = await createDatabase();
    plaid = await startStandIn();
  });

  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.stop().catch(() => undefined)));
    await store?.close();
    await plaid?.close();
    await database?.drop();
  });

  it(`sweeps once across both, at most ${CALLS_PER_MINUTE} calls in any 60 s window at Plaid, spread over the minute`, async () => {
    const key = generateStoreKey();
    store = new ItemStore(new PostgresStorage({ url: database.url }), new TokenCipher(key));
    await store.open();
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    for (let i = 0; i < ITEMS; i++) {
      const itemId = `item-${String(i).padStart(4, '0')}`;
      await store.save({ item_id: itemId, access_token: `access-sandbox-${crypto.randomUUID()}` });
      if (i < WITH_LINK_TOKEN) await store.setLinkToken(itemId, `link-sandbox-${crypto.randomUUID()}`, inAnHour);
    }
    const flow = reconcileFlow({ plaidUrl: plaid.url, store: { backend: 'postgres', file: '' }, reconcile: { callsPerMinute: CALLS_PER_MINUTE } });
    const credentials = { cfg: { clientId: CLIENT_ID, secret: SECRET }, store: { encryptionKey: key, postgresUrl: database.url } };
    children.push(...await Promise.all(['red-a', 'red-b'].map((label) => RedChild.start({ label, env: { PLAID_INSTANCE: label }, logLevel: 'warn' }))));
    await Promise.all(children.map((child) => deployReconcileFlow(child, flow, credentials)));
    plaid.reset();

    const sweeps = children.map((child) => sweepOn(child));
    // Asked again while the sweep runs: still one sweep.
    await until('the sweep under way', () => plaid.requests.length >= 100, 60000, 100);
    const meanwhile = await Promise.all(children.map((child) => sweepOn(child)));
    assert.deepEqual(meanwhile.map((answer) => [answer.status, answer.body.already_running]), [[200, true], [200, true]]);
    const answers = await Promise.all(sweeps);
    assert.deepEqual(answers.map((answer) => answer.status), [200, 200]);
    const ran = answers.filter((answer) => !answer.body.already_running).map((answer) => answer.body);
    assert.equal(ran.length, 1, `one sweep ran: ${JSON.stringify(answers.map((a) => a.body))}`);
    const [summary] = ran;
    assert.deepEqual([summary.checked, summary.failed, summary.calls, summary.rate_limited], [ITEMS, 0, ITEMS + WITH_LINK_TOKEN, 0]);

    const times = plaid.requests.map((request) => request.at).sort((a, b) => a - b);
    assert.equal(times.length, ITEMS + WITH_LINK_TOKEN, 'every call reached Plaid once');
    assert.deepEqual(plaid.violations, []);
    const perMinute = mostInAnyWindow(times, MINUTE);
    assert.ok(perMinute <= CALLS_PER_MINUTE, `${perMinute} calls within 60 s`);
    assert.ok(perMinute >= CALLS_PER_MINUTE - 5, `the limit is used: ${perMinute} within 60 s`);
    // Spread over the minute: about 50 every 5 s (a busy machine delays some calls and bunches them a little), never
    // a burst at the start of a window.
    const perFiveSeconds = mostInAnyWindow(times, 5000);
    assert.ok(perFiveSeconds <= 75, `${perFiveSeconds} calls within 5 s`);
    const firstTenSeconds = times.filter((at) => at < times[0] + 10_000).length;
    assert.ok(firstTenSeconds <= 110, `${firstTenSeconds} calls in the first 10 s`);
    const span = times.at(-1) - times[0];
    assert.ok(span >= MINUTE, `${ITEMS + WITH_LINK_TOKEN} calls took ${span} ms: more than the limit allows in a minute`);
  });
});
