'use strict';
// plaid-items-reconcile against the emulator when webhooks never arrived: 1,000 Items in the store, 100 of them
// changed at "Plaid" in the four ways a lost delivery hides (login required, permission revoked, consent expiring,
// removed), no webhook sent. One sweep sends exactly those 100 changes, each with its webhook's code, and afterwards
// every record says what Plaid says.
const assert = require('node:assert/strict');
const { start: startEmulator } = require('../../dist/emulator');
const { CONSENT_WARNING_MS } = require('../../dist/plaid/reconcile/outcomes');
const { deployReconcile, helper } = require('./support/rig');
const files = require('../store/support/store-files');

const ITEMS = 1000;
const CHANGED_EACH = 25;
/** Each silent change and the code its message must carry. */
const CODES = { login_required: 'ERROR', permission_revoked: 'USER_PERMISSION_REVOKED', consent_expiring: 'PENDING_EXPIRATION', removed: 'ITEM_NOT_FOUND' };

/** The status a record must have for an Item as the emulator holds it. */
function statusAtPlaid(item, now) {
  if (item.removed) return 'removed';
  if (item.error_code === 'ITEM_LOGIN_REQUIRED') return 'login_required';
  if (item.error_code === 'USER_PERMISSION_REVOKED') return 'revoked';
  if (item.error_code) return 'error';
  if (item.consent_expiration_time && Date.parse(item.consent_expiration_time) - now <= CONSENT_WARNING_MS) return 'pending_expiration';
  return 'healthy';
}

describe('plaid-items-reconcile against the emulator: changes whose webhooks never arrived', function () {
  this.timeout(180000);
  let emulator;

  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());
  afterEach(async () => {
    await helper.unload();
    await files.cleanup();
  });

  it(`sends exactly the ${4 * CHANGED_EACH} silent changes among ${ITEMS.toLocaleString('en-US')} Items, with their codes; every record matches Plaid afterwards`, async () => {
    // At Plaid's production limit, 5,000 a minute: 12 s for 1,000 Items (the rate itself: test/postgres/reconcile.test.js).
    // The emulator answers in this process: on a busy machine a call may wait long; a timeout would only retry it.
    const red = await deployReconcile(emulator, { config: { timeout: 15000 } });
    const items = [];
    for (let i = 0; i < ITEMS; i++) {
      const created = emulator.createItem();
      await red.store.save({ item_id: created.item_id, access_token: created.access_token, client_user_id: `user-${i}` });
      items.push(created.item_id);
    }
    const expected = new Map();
    Object.keys(CODES).forEach((change, k) => {
      // Spread over the store: every 10th Item, the four kinds taking turns.
      for (let n = 0; n < CHANGED_EACH; n++) {
        const itemId = items[(n * 4 + k) * 10 + 3];
        emulator.changeItemSilently({ item_id: itemId, change });
        expected.set(itemId, CODES[change]);
      }
    });
    assert.equal(expected.size, 4 * CHANGED_EACH);
    assert.equal(emulator.deliveries.length, 0, 'no webhook was sent');

    const { done } = await red.sweep();
    assert.deepEqual({ ...done.payload, calls: 0, started_at: 0, finished_at: 0 }, {
      checked: ITEMS, changed: expected.size, failed: 0, skipped: 0, calls: 0, rate_limited: 0, started_at: 0, finished_at: 0,
    });
    assert.ok(done.payload.calls >= ITEMS, `${done.payload.calls} calls`);
    const sent = new Map(red.collected.changed.rec.map((msg) => [msg.plaid.item_id, msg.topic]));
    assert.equal(red.collected.changed.rec.length, expected.size, 'one message per changed Item');
    assert.deepEqual(sent, expected);
    for (const msg of red.collected.changed.rec) {
      assert.deepEqual([msg.plaid.source, msg.plaid.previous_status, msg.payload.webhook_code, msg.payload.item_id], ['reconcile', 'healthy', msg.topic, msg.plaid.item_id]);
    }
    // The ring counted the Items as the editor shows counts, then the summary.
    const rings = helper._NodePrototype.status.getCalls().filter((call) => call.thisValue.id === 'rec').map((call) => call.args[0].text);
    assert.equal(rings[0], '0/1,000');
    assert.ok(rings.slice(1, -1).some((text) => /^\d{1,3}(,\d{3})?\/1,000$/.test(text)), JSON.stringify(rings));
    assert.equal(rings.at(-1), '100 changed of 1,000');

    const now = Date.now();
    const atPlaid = new Map(emulator.state().items.map((item) => [item.item_id, item]));
    for (const record of await red.store.list()) {
      const item = atPlaid.get(record.item_id);
      assert.equal(record.status, statusAtPlaid(item, now), record.item_id);
      if (item.removed) {
        await assert.rejects(red.store.resolve(record.item_id), /removed/, 'its token wiped');
      } else {
        assert.deepEqual([record.error_code, record.consent_expiration_time], [item.error_code, item.consent_expiration_time], record.item_id);
      }
      assert.ok(record.checked_at, record.item_id);
    }

    const again = await red.sweep();
    assert.deepEqual([again.done.payload.checked, again.done.payload.changed, again.done.payload.skipped], [ITEMS - CHANGED_EACH, 0, CHANGED_EACH], 'nothing new; the removed Items are not asked again');
  });
});
