'use strict';
// What a reconcile writes through the store, on a real SQLite file: a check's findings (unless newer news came in
// meanwhile), the mark of an ambiguous call, a Hosted Link session recorded once, and records of older releases read
// with the fields added since.
const assert = require('node:assert/strict');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage.js');
const files = require('./support/store-files');

const token = (n) => `access-sandbox-${String(n).padStart(8, '0')}-64bc-4b38-98f7-731e7a349970`;
const AT = Date.parse('2026-03-01T10:00:00Z');

describe('store: what a reconcile records', () => {
  afterEach(files.cleanup);

  async function storeAt() {
    let now = AT;
    const opened = await files.openStore({ now: () => now });
    return { ...opened, tick: (ms = 1000) => (now += ms) };
  }

  it('reads a record written before the reconcile fields with them, as null', async () => {
    const { store, file } = await storeAt();
    await store.save({ item_id: 'item-old', access_token: token(1) });
    // A second connection writes the row as an older release did: a record without the new fields.
    const raw = new SqliteStorage({ file });
    await raw.open();
    try {
      await raw.update('item-old', (current) => {
        /** @type {Record<string, unknown>} */
        const older = { ...current.record };
        for (const field of ['link_session_status', 'consent_expiration_time', 'checked_at', 'unsettled']) delete older[field];
        return /** @type {any} */ ({ ...current, record: older });
      });
      assert.equal('checked_at' in (await raw.get('item-old')).record, false);
    } finally {
      await raw.close();
    }
    const record = await store.get('item-old');
    for (const field of ['link_session_status', 'consent_expiration_time', 'checked_at', 'unsettled']) assert.equal(record[field], null, field);
    assert.deepEqual((await store.list()).map((r) => r.checked_at), [null]);
    assert.equal((await store.resolve('item-old')).record.unsettled, null);
  });

  it('applies a check: status, error_code, consent_expiration_time and checked_at; a status event; updated_at only on a change', async () => {
    const { store, tick } = await storeAt();
    const saved = await store.save({ item_id: 'item-a', access_token: token(1) });
    const changes = [];
    store.on('change', (record) => changes.push(record));
    tick();
    const same = await store.applyCheck('item-a', { status: 'healthy', error_code: null, consent_expiration_time: null, basis: saved.updated_at });
    assert.equal(same.previousStatus, 'healthy');
    assert.equal(same.record.checked_at, new Date(AT + 1000).toISOString());
    assert.equal(same.record.updated_at, saved.updated_at, 'a check that finds nothing new is not a change');
    assert.equal((await store.history('item-a')).length, 1);
    tick();
    const broken = await store.applyCheck('item-a', { status: 'login_required', error_code: 'ITEM_LOGIN_REQUIRED', consent_expiration_time: '2026-03-05T00:00:00Z', basis: same.record.updated_at });
    assert.equal(broken.previousStatus, 'healthy');
    assert.deepEqual(
      [broken.record.status, broken.record.error_code, broken.record.consent_expiration_time, broken.record.checked_at, broken.record.updated_at],
      ['login_required', 'ITEM_LOGIN_REQUIRED', '2026-03-05T00:00:00Z', new Date(AT + 2000).toISOString(), new Date(AT + 2000).toISOString()],
    );
    const history = await store.history('item-a');
    assert.deepEqual(history.at(-1), { kind: 'status', webhook_type: null, webhook_code: null, error_code: 'ITEM_LOGIN_REQUIRED', status: 'login_required', at: new Date(AT + 2000).toISOString() });
    assert.equal(changes.length, 2, "each check written is a 'change'");
    assert.equal(await store.resolveToken('item-a'), token(1));
    assert.equal(await store.applyCheck('item-unknown', { status: 'healthy', error_code: null, consent_expiration_time: null, basis: 'x' }), undefined);
  });

  it('keeps what changed the record after the check read it: only checked_at is written', async () => {
    const { store, tick } = await storeAt();
    const read = await store.save({ item_id: 'item-a', access_token: token(1) });
    tick();
    // An ERROR webhook arrives while the check's /item/get is under way: Plaid's answer is not newer than it.
    await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-a', error: { error_code: 'ITEM_LOGIN_REQUIRED' } });
    tick();
    const applied = await store.applyCheck('item-a', { status: 'healthy', error_code: null, consent_expiration_time: null, basis: read.updated_at });
    assert.equal(applied.previousStatus, 'login_required');
    assert.equal(applied.record.status, 'login_required');
    assert.equal(applied.record.checked_at, new Date(AT + 2000).toISOString());
    assert.equal(applied.record.updated_at, new Date(AT + 1000).toISOString());
  });

  it('a check finding the Item gone marks it removed and wipes the token; a removed Item is never revived', async () => {
    const { store } = await storeAt();
    const read = await store.save({ item_id: 'item-a', access_token: token(1) });
    const gone = await store.applyCheck('item-a', { status: 'removed', error_code: 'ITEM_NOT_FOUND', consent_expiration_time: null, basis: read.updated_at });
    assert.equal(gone.record.status, 'removed');
    await assert.rejects(store.resolve('item-a'), /removed/);
    const after = await store.applyCheck('item-a', { status: 'healthy', error_code: null, consent_expiration_time: null, basis: gone.record.updated_at });
    assert.equal(after.record.status, 'removed');
  });

  it('marks an ambiguous call unsettled; a check or a remove settles it; a removed Item is not marked', async () => {
    const { store, tick } = await storeAt();
    await store.save({ item_id: 'item-a', access_token: token(1) });
    await store.save({ item_id: 'item-b', access_token: token(2) });
    tick();
    const marked = await store.markUnsettled('item-a', '/item/remove');
    assert.equal(marked.unsettled, '/item/remove');
    assert.equal(marked.updated_at, new Date(AT + 1000).toISOString());
    assert.equal(marked.status, 'healthy');
    const settled = await store.applyCheck('item-a', { status: 'healthy', error_code: null, consent_expiration_time: null, basis: marked.updated_at });
    assert.equal(settled.record.unsettled, null);
    await store.markUnsettled('item-b', '/item/remove');
    assert.equal((await store.markRemoved('item-b')).unsettled, null);
    assert.equal((await store.markUnsettled('item-b', '/item/remove')).unsettled, null, 'removed stays settled');
    assert.equal(await store.markUnsettled('item-x', '/item/remove'), undefined);
  });

  it('records how the newest link token\'s session ended, once: an older token\'s changes nothing, after EXITED only a SUCCESS', async () => {
    const { store, tick } = await storeAt();
    await store.save({ item_id: 'item-a', access_token: token(1) });
    await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-a', error: { error_code: 'ITEM_LOGIN_REQUIRED' } });
    await store.setLinkToken('item-a', 'link-sandbox-old', '2026-03-01T10:30:00Z');
    await store.setLinkToken('item-a', 'link-sandbox-new', '2026-03-01T10:30:00Z');
    const finished = (linkToken, status) => store.applyWebhook({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', link_token: linkToken, status, link_session_id: 's', environment: 'sandbox' });
    assert.equal(await finished('link-sandbox-old', 'SUCCESS'), null, 'an older token is no longer the record\'s');
    const changes = [];
    store.on('change', (record) => changes.push(record));
    /** Applies a SESSION_FINISHED a second later; resolves to the record and whether the history grew. */
    const apply = async (status) => {
      tick();
      const before = (await store.history('item-a')).length;
      const record = await finished('link-sandbox-new', status);
      return { record, recorded: (await store.history('item-a')).length > before };
    };
    const exited = await apply('EXITED');
    assert.deepEqual([exited.record.status, exited.record.link_session_status, exited.recorded], ['login_required', 'EXITED', true]);
    assert.deepEqual([(await apply('EXITED')).recorded], [false], 'EXITED again: nothing new');
    const repaired = await apply('SUCCESS');
    assert.deepEqual([repaired.record.status, repaired.record.link_session_status, repaired.recorded], ['healthy', 'SUCCESS', true]);
    for (const status of ['SUCCESS', 'EXITED']) {
      const again = await apply(status);
      assert.deepEqual([again.record, again.recorded], [repaired.record, false], `${status} after SUCCESS changes nothing`);
    }
    assert.equal(changes.length, 2, "a 'change' for each session recorded, none for the others");
    const renewed = await store.setLinkToken('item-a', 'link-sandbox-next', null);
    assert.equal(renewed.link_session_status, null);
  });

  it('takes consent_expiration_time from PENDING_EXPIRATION, and USER_PERMISSION_REVOKED in an ERROR as revoked', async () => {
    const { store } = await storeAt();
    await store.save({ item_id: 'item-a', access_token: token(1) });
    const expiring = await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'PENDING_EXPIRATION', item_id: 'item-a', consent_expiration_time: '2026-03-08T00:00:00Z' });
    assert.deepEqual([expiring.status, expiring.consent_expiration_time], ['pending_expiration', '2026-03-08T00:00:00Z']);
    const revoked = await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-a', error: { error_code: 'USER_PERMISSION_REVOKED' } });
    assert.deepEqual([revoked.status, revoked.error_code], ['revoked', 'USER_PERMISSION_REVOKED']);
  });
});
