'use strict';
// The store's core on a real SQLite file: records, encryption at rest, statuses, history, claims, and failures of
// the key, the records and the file system.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { DatabaseSync: Database } = require('node:sqlite');
const { HISTORY_LIMIT } = require('../../dist/plaid/store/record.js');
const { CLAIM_LEASE_MS, CLAIM_RETENTION_MS } = require('../../dist/plaid/store/item-store.js');
const { generateStoreKey } = require('../../dist/plaid/store/cipher.js');
const files = require('./support/store-files');

const token = (n) => `access-sandbox-${String(n).padStart(8, '0')}-64bc-4b38-98f7-731e7a349970`;

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (/** @type {any} */ err) => {
    assert.equal(err.name === 'ItemStoreError' || err.name === 'TokenUnreadableError', true, `${err.name}: ${err.message}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /access-sandbox-/);
    return true;
  });
}

describe('store: ItemStore on SQLite', () => {
  afterEach(files.cleanup);

  it('saves an Item durably and owner-only, resolves its token, and keeps only ciphertext on disk', async () => {
    const { store, file } = await files.openStore();
    const record = await store.save({ item_id: 'item-a', access_token: token(1), client_user_id: 'user-1', institution_id: 'ins_109508' });
    assert.deepEqual(Object.keys(record).sort(), [
      'checked_at', 'client_user_id', 'consent_expiration_time', 'created_at', 'error_code', 'institution_id', 'item_id', 'last_webhook',
      'link_session_status', 'link_token', 'link_token_expiration', 'status', 'unsettled', 'updated_at',
    ]);
    assert.equal(record.status, 'healthy');
    assert.equal(await store.resolveToken('item-a'), token(1));
    assert.deepEqual(await store.get('item-a'), record);
    const raw = files.rawBytes(file);
    assert.deepEqual(raw.map((r) => path.basename(r.file)), ['items.db', 'items.db-wal', 'items.db-shm']);
    for (const { file: f, bytes } of raw) {
      assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
      assert.equal(bytes.indexOf(Buffer.from(token(1))), -1, `token in ${f}`);
      assert.equal(bytes.indexOf(Buffer.from('64bc-4b38-98f7')), -1, `token fragment in ${f}`);
    }
    // Another connection (a restarted process) reads the same record: it was committed, not cached.
    const db = new Database(file, { readOnly: true });
    const row = /** @type {any} */ (db.prepare('SELECT status, token FROM items WHERE item_id = ?').get('item-a'));
    db.close();
    assert.equal(row.status, 'healthy');
    assert.match(row.token, /^v2\./);
    assert.deepEqual(
      /** @type {any} */ (new Database(file, { readOnly: true }).prepare('PRAGMA journal_mode').get()).journal_mode,
      'wal',
    );
  });

  it('upserts: a second save keeps created_at and fields it does not give, and replaces the token', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { store } = await files.openStore({ now: () => now });
    const first = await store.save({ item_id: 'item-a', access_token: token(1), client_user_id: 'user-1' });
    now += 1000;
    const second = await store.save({ item_id: 'item-a', access_token: token(2), institution_id: 'ins_3' });
    assert.equal(second.created_at, first.created_at);
    assert.equal(second.updated_at, '2026-01-01T00:00:01.000Z');
    assert.equal(second.client_user_id, 'user-1');
    assert.equal(second.institution_id, 'ins_3');
    assert.equal(await store.resolveToken('item-a'), token(2));
  });

  it('refuses invalid input clearly, without the token in the message', async () => {
    const { store } = await files.openStore();
    await rejectsWith(store.save({ item_id: '', access_token: token(1) }), 'INVALID_ITEM', /item_id/);
    await rejectsWith(store.save({ item_id: 'item-a', access_token: '' }), 'INVALID_ITEM', /Item item-a has no access_token/);
    // @ts-expect-error a client_user_id that is not a string, on purpose
    await rejectsWith(store.save({ item_id: 'item-a', access_token: token(1), client_user_id: 7 }), 'INVALID_ITEM', /client_user_id/);
    // @ts-expect-error a status that does not exist, on purpose
    await rejectsWith(store.list({ statuses: ['broken'] }), 'INVALID_ITEM', /"broken" is not an Item status/);
    assert.deepEqual(await store.list(), []);
  });

  it('names the Item for unknown and removed Items; markRemoved wipes the token from the row', async () => {
    const { store, file } = await files.openStore();
    await rejectsWith(store.resolveToken('item-x'), 'ITEM_NOT_IN_STORE', /^Item item-x is not in the Item store$/);
    await store.save({ item_id: 'item-a', access_token: token(1) });
    const removed = await store.markRemoved('item-a');
    assert.equal(removed.status, 'removed');
    await rejectsWith(store.resolveToken('item-a'), 'ITEM_REMOVED', /Item item-a was removed/);
    const db = new Database(file, { readOnly: true });
    assert.equal(/** @type {any} */ (db.prepare('SELECT token FROM items WHERE item_id = ?').get('item-a')).token, null);
    db.close();
    assert.equal(await store.markRemoved('item-x'), undefined);
    await rejectsWith(store.replaceToken('item-a', token(2)), 'ITEM_REMOVED', /Item item-a was removed/);
    // A removed Item stays removed whatever webhook comes, and the webhook is still recorded.
    const after = await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: 'item-a' });
    assert.equal(after.status, 'removed');
    assert.equal(after.last_webhook.webhook_code, 'LOGIN_REPAIRED');
  });

  it('replaceToken swaps the token in one write; delete forgets the row', async () => {
    const { store } = await files.openStore();
    await rejectsWith(store.replaceToken('item-a', token(2)), 'ITEM_NOT_IN_STORE', /item-a/);
    await store.save({ item_id: 'item-a', access_token: token(1) });
    await store.replaceToken('item-a', token(2));
    assert.equal(await store.resolveToken('item-a'), token(2));
    assert.equal(await store.delete('item-a'), true);
    assert.equal(await store.delete('item-a'), false);
    assert.equal(await store.get('item-a'), undefined);
  });

  it('applies ITEM webhooks: status, error_code, last_webhook and history; null for an unknown Item', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { store } = await files.openStore({ now: () => (now += 1000) });
    await store.save({ item_id: 'item-a', access_token: token(1) });
    const changes = [];
    store.on('change', (record) => changes.push(record.status));
    const login = await store.applyWebhook({
      webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-a', error: { error_code: 'ITEM_LOGIN_REQUIRED' },
    });
    assert.equal(login.status, 'login_required');
    assert.equal(login.error_code, 'ITEM_LOGIN_REQUIRED');
    assert.deepEqual(login.last_webhook, { webhook_type: 'ITEM', webhook_code: 'ERROR', at: login.updated_at });
    const repaired = await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: 'item-a' });
    assert.equal(repaired.status, 'healthy');
    assert.equal(repaired.error_code, null);
    const ack = await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED', item_id: 'item-a' });
    assert.equal(ack.status, 'healthy');
    assert.equal(await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-unknown' }), null);
    assert.equal(await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'ERROR' }), null);
    // Other webhook types leave the record as it is and still give it.
    const tx = await store.applyWebhook({ webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: 'item-a' });
    assert.deepEqual(tx, ack);
    assert.deepEqual(changes, ['login_required', 'healthy', 'healthy']);
    const history = await store.history('item-a');
    assert.deepEqual(
      history.map((e) => [e.kind, e.webhook_code, e.error_code, e.status]),
      [
        ['status', null, null, 'healthy'],
        ['webhook', 'ERROR', 'ITEM_LOGIN_REQUIRED', 'login_required'],
        ['webhook', 'LOGIN_REPAIRED', null, 'healthy'],
        ['webhook', 'WEBHOOK_UPDATE_ACKNOWLEDGED', null, 'healthy'],
      ],
    );
    assert.deepEqual(await store.history('item-unknown'), []);
  });

  it("emits 'change' with the record after every write, and 'delete' with the item_id; none for a refused write", async () => {
    const { store } = await files.openStore();
    const events = [];
    store.on('change', (record) => events.push(['change', record.item_id, record.status]));
    store.on('delete', (itemId) => events.push(['delete', itemId]));
    await store.save({ item_id: 'item-a', access_token: token(1) });
    await store.replaceToken('item-a', token(2));
    await store.setLinkToken('item-a', 'link-sandbox-1', null);
    await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'PENDING_EXPIRATION', item_id: 'item-a' });
    await store.markRemoved('item-a');
    await store.replaceToken('item-a', token(3)).catch(() => undefined);
    await store.replaceToken('item-x', token(3)).catch(() => undefined);
    await store.delete('item-a');
    await store.delete('item-a');
    assert.deepEqual(events, [
      ['change', 'item-a', 'healthy'], ['change', 'item-a', 'healthy'], ['change', 'item-a', 'healthy'],
      ['change', 'item-a', 'pending_expiration'], ['change', 'item-a', 'removed'], ['delete', 'item-a'],
    ]);
    assert.equal(JSON.stringify(events).includes('access-sandbox'), false);
  });

  it(`keeps the last ${HISTORY_LIMIT} events per Item`, async () => {
    const { store } = await files.openStore();
    await store.save({ item_id: 'item-a', access_token: token(1) });
    const codes = ['PENDING_EXPIRATION', 'LOGIN_REPAIRED'];
    for (let i = 0; i < 30; i++) {
      await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: codes[i % 2], item_id: 'item-a' });
    }
    const history = await store.history('item-a');
    assert.equal(history.length, HISTORY_LIMIT);
    assert.equal(history.every((e) => e.kind === 'webhook'), true);
    assert.equal(history[HISTORY_LIMIT - 1].webhook_code, 'LOGIN_REPAIRED');
  });

  it('matches LINK SESSION_FINISHED to its Item by link token; EXITED is recorded, SUCCESS marks it healthy and finishes the token', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { store } = await files.openStore({ now: () => (now += 1000) });
    await store.save({ item_id: 'item-a', access_token: token(1) });
    await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-a', error: { error_code: 'ITEM_LOGIN_REQUIRED' } });
    const withLink = await store.setLinkToken('item-a', 'link-sandbox-123', '2026-01-01T04:00:00Z');
    assert.deepEqual([withLink.link_token, withLink.link_session_status], ['link-sandbox-123', null]);
    const unknown = await store.applyWebhook({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', link_token: 'link-sandbox-999', status: 'SUCCESS', environment: 'sandbox' });
    assert.equal(unknown, null);
    // The user exits: recorded, the Item still broken; a second exit changes nothing; then a session of the same
    // token (the same link opened again) succeeds.
    const session = (status) => ({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', link_token: 'link-sandbox-123', status, environment: 'sandbox' });
    const exited = await store.applyWebhook(session('EXITED'));
    assert.deepEqual([exited.status, exited.link_session_status], ['login_required', 'EXITED']);
    assert.deepEqual(await store.applyWebhook(session('EXITED')), exited, 'a second exit changes nothing');
    const done = await store.applyWebhook(session('success'));
    assert.equal(done.status, 'healthy');
    assert.equal(done.error_code, null);
    assert.deepEqual(done.last_webhook.webhook_type, 'LINK');
    assert.equal(done.link_session_status, 'SUCCESS');
    // A new link token starts unfinished.
    const next = await store.setLinkToken('item-a', 'link-sandbox-456', '2026-01-01T04:00:00Z');
    assert.equal(next.link_session_status, null);
    await rejectsWith(store.setLinkToken('item-x', 'link-sandbox-1', null), 'ITEM_NOT_IN_STORE', /item-x/);
  });

  it('lists records, filtered by status', async () => {
    const { store } = await files.openStore();
    for (const id of ['item-c', 'item-a', 'item-b']) await store.save({ item_id: id, access_token: token(1) });
    await store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'PENDING_EXPIRATION', item_id: 'item-b' });
    await store.markRemoved('item-c');
    assert.deepEqual((await store.list()).map((r) => r.item_id), ['item-a', 'item-b', 'item-c']);
    assert.deepEqual((await store.list({ statuses: ['pending_expiration', 'removed'] })).map((r) => r.item_id), ['item-b', 'item-c']);
    assert.deepEqual((await store.list({ statuses: ['revoked'] })), []);
    assert.equal(JSON.stringify(await store.list()).includes('access-sandbox'), false);
  });

  /** A verified delivery of body hash `sha` for the store's log (ItemStore.deliveries.record). */
  const delivery = (sha, itemId = null) => ({
    nodeId: 'hook', raw: Buffer.from(`{"sha":"${sha}"}`), bodySha256: sha, webhookType: 'ITEM', webhookCode: 'ERROR', itemId, environment: 'sandbox',
  });
  /** Claims it (dedupe on, log off): resolves to what was recorded, `first` true unless a duplicate. */
  const claimDelivery = async (store, sha, itemId = null) => {
    const recorded = await store.deliveries.record(delivery(sha, itemId), { dedupe: true, log: false });
    return { ...recorded, first: !recorded.duplicate };
  };

  it('claims a delivery once within 24 h, takes over an expired claim, releases and prunes in the database', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { store, file } = await files.openStore({ now: () => now });
    let claimed = await claimDelivery(store, 'sha-1');
    assert.equal(claimed.first, true);
    await store.deliveries.confirm(claimed);
    assert.equal((await claimDelivery(store, 'sha-1')).first, false);
    await store.deliveries.release(claimed);
    claimed = await claimDelivery(store, 'sha-1');
    assert.equal(claimed.first, true);
    await store.deliveries.confirm(claimed);
    const second = await claimDelivery(store, 'sha-2');
    assert.equal(second.first, true);
    await store.deliveries.confirm(second);
    now += CLAIM_RETENTION_MS - 1;
    assert.equal((await claimDelivery(store, 'sha-1')).first, false);
    now += 60 * 1000;
    assert.equal((await claimDelivery(store, 'sha-3')).first, true); // old claims are pruned at most once a minute, on a claim
    const db = new Database(file, { readOnly: true });
    assert.deepEqual(/** @type {any} */ (db.prepare('SELECT key FROM claims ORDER BY key').all()).map((r) => r.key), ['sha-3']);
    db.close();
    assert.equal((await claimDelivery(store, 'sha-1')).first, true);
  });

  it('holds a claim pending until its delivery is confirmed: a copy meanwhile is in progress, after the lease it is taken over', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { store } = await files.openStore({ now: () => now });
    assert.equal((await claimDelivery(store, 'sha-1')).first, true);
    await assert.rejects(claimDelivery(store, 'sha-1'), (/** @type {any} */ err) => err.code === 'DELIVERY_IN_PROGRESS' && /another instance/.test(err.message));
    now += CLAIM_LEASE_MS - 1;
    await assert.rejects(claimDelivery(store, 'sha-1'), (/** @type {any} */ err) => err.code === 'DELIVERY_IN_PROGRESS');
    now += 2;
    // The claimer died before emitting: the retry is taken over, and emitted.
    const takenOver = await claimDelivery(store, 'sha-1');
    assert.equal(takenOver.first, true);
    await store.deliveries.confirm(takenOver);
    now += CLAIM_LEASE_MS * 10;
    assert.equal((await claimDelivery(store, 'sha-1')).first, false);
  });

  it('keys de-duplication on the event: a copy is a duplicate only while no other delivery for its Item came since', async () => {
    const { store } = await files.openStore();
    const emitted = [];
    for (const sha of ['error', 'repaired', 'error', 'error', 'other-item', 'error']) {
      const recorded = await claimDelivery(store, sha, sha === 'other-item' ? 'item-2' : 'item-1');
      if (recorded.first) {
        emitted.push(sha);
        await store.deliveries.confirm(recorded);
      }
    }
    // The second ERROR follows LOGIN_REPAIRED: a new event. Its copy is not; another Item's delivery changes nothing.
    assert.deepEqual(emitted, ['error', 'repaired', 'error', 'other-item']);
    // Without an item_id, the same bytes are the same delivery.
    assert.equal((await claimDelivery(store, 'session')).first, true);
  });

  it('claims work once across two stores on one file (two processes): renewed by its holder, taken over after its lease', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { store: a, file, key } = await files.openStore({ now: () => now });
    const { store: b } = await files.openStore({ file, key, now: () => now });
    assert.equal(await a.claim('sweep:store-1', 10_000), 'claimed');
    assert.equal(await b.claim('sweep:store-1', 10_000), 'in_progress');
    now += 9_000;
    assert.equal(await a.renewClaim('sweep:store-1', 10_000), true);
    now += 9_000;
    assert.equal(await b.claim('sweep:store-1', 10_000), 'in_progress', 'renewed: still a\'s');
    now += 10_000;
    // a stopped renewing (it died): b takes the work over, and a learns it lost it.
    assert.equal(await b.claim('sweep:store-1', 10_000), 'claimed');
    assert.equal(await a.renewClaim('sweep:store-1', 10_000), false);
    assert.equal(await a.confirmClaim('sweep:store-1', 60_000), false);
    await a.releaseClaim('sweep:store-1');
    assert.equal(await a.claim('sweep:store-1', 10_000), 'in_progress', 'a cannot release what b holds');
    assert.equal(await b.confirmClaim('sweep:store-1', 60_000), true);
    assert.equal(await a.claim('sweep:store-1', 10_000), 'duplicate');
    now += 60_000;
    assert.equal(await a.claim('sweep:store-1', 10_000), 'claimed');
    await a.releaseClaim('sweep:store-1');
    assert.equal(await b.claim('sweep:store-1', 10_000), 'claimed');
  });

  it('200 parallel saves then 200 parallel lookups: 200 records, every token right, no busy error', async () => {
    const { store } = await files.openStore();
    const ids = Array.from({ length: 200 }, (_, i) => `item-${i}`);
    const saved = await Promise.all(ids.map((id, i) => store.save({ item_id: id, access_token: token(i) })));
    assert.equal(saved.length, 200);
    const tokens = await Promise.all(ids.map((id) => store.resolveToken(id)));
    assert.deepEqual(tokens, ids.map((_, i) => token(i)));
    assert.equal((await store.list()).length, 200);
  });

  it('wrong key: one clear error at open, nothing written; the right key still opens it', async () => {
    const { store, file, key } = await files.openStore();
    await store.save({ item_id: 'item-a', access_token: token(1) });
    await store.close();
    const rows = () => {
      const db = new Database(file, { readOnly: true });
      try {
        return JSON.stringify(/** @type {any} */ (db.prepare('SELECT * FROM items').all())) + JSON.stringify(/** @type {any} */ (db.prepare('SELECT * FROM meta').all()));
      } finally {
        db.close();
      }
    };
    const before = rows();
    await rejectsWith(files.openStore({ file, key: generateStoreKey() }), 'WRONG_KEY',
      /^the encryption key does not match the one this store was created with: its key check and 1 Item are under key [\w-]{11}, which is not among this store's keys \(current [\w-]{11}\)/);
    assert.equal(rows(), before);
    const { store: reopened } = await files.openStore({ file, key });
    assert.equal(await reopened.resolveToken('item-a'), token(1));
  });

  it('a tampered or moved ciphertext: TOKEN_UNREADABLE naming that Item only, other Items fine', async () => {
    const { store, file } = await files.openStore();
    for (const id of ['item-a', 'item-b', 'item-c']) await store.save({ item_id: id, access_token: token(id.length) });
    const db = new Database(file);
    const envelope = /** @type {any} */ (db.prepare('SELECT token FROM items WHERE item_id = ?').get('item-a')).token;
    const parts = envelope.split('.');
    const ct = Buffer.from(parts[4], 'base64');
    ct[ct.length - 1] ^= 0x20;
    parts[4] = ct.toString('base64');
    db.prepare('UPDATE items SET token = ? WHERE item_id = ?').run(parts.join('.'), 'item-a');
    // item-c gets item-b's ciphertext: the item_id as associated data makes it unreadable there.
    const bToken = /** @type {any} */ (db.prepare('SELECT token FROM items WHERE item_id = ?').get('item-b')).token;
    db.prepare('UPDATE items SET token = ? WHERE item_id = ?').run(bToken, 'item-c');
    db.close();
    await rejectsWith(store.resolveToken('item-a'), 'TOKEN_UNREADABLE', /Item item-a\b/);
    await rejectsWith(store.resolveToken('item-c'), 'TOKEN_UNREADABLE', /Item item-c\b/);
    assert.equal(await store.resolveToken('item-b'), token(6));
    assert.equal((await store.get('item-a')).status, 'healthy');
    // Saving again under the right key repairs it: the import path is the way back.
    await store.save({ item_id: 'item-a', access_token: token(9) });
    assert.equal(await store.resolveToken('item-a'), token(9));
  });

  it('a lookup of one Item does not let another resolve to its token: its ciphertext copied onto the other\'s row is unreadable there, also after the lookup', async () => {
    const { store, file } = await files.openStore();
    await store.save({ item_id: 'item-a', access_token: token(1) });
    await store.save({ item_id: 'item-b', access_token: token(2) });
    // A normal lookup first: item-a's token is now among the ones the store remembers.
    assert.equal(await store.resolveToken('item-a'), token(1));
    const db = new Database(file);
    const aEnvelope = /** @type {any} */ (db.prepare('SELECT token FROM items WHERE item_id = ?').get('item-a')).token;
    db.prepare('UPDATE items SET token = ? WHERE item_id = ?').run(aEnvelope, 'item-b');
    db.close();
    await rejectsWith(store.resolveToken('item-b'), 'TOKEN_UNREADABLE', /Item item-b\b/);
    assert.equal(await store.resolveToken('item-a'), token(1));
  });

  it('a store holding Items but no key check is refused, under any key; nothing is written', async () => {
    const { store, file, key } = await files.openStore();
    await store.save({ item_id: 'item-a', access_token: token(1) });
    await store.close();
    const db = new Database(file);
    db.prepare("DELETE FROM meta WHERE key = 'key_check'").run();
    db.close();
    const before = fs.readFileSync(file);
    for (const other of [generateStoreKey(), key]) {
      await rejectsWith(files.openStore({ file, key: other }), 'STORE_REFUSED',
        /holds 1 Item but no key check: .*restore it from a backup/);
    }
    const check = new Database(file, { readOnly: true });
    assert.equal(check.prepare("SELECT value FROM meta WHERE key = 'key_check'").get(), undefined, 'no key check written');
    check.close();
    assert.ok(fs.readFileSync(file).equals(before), 'the file is as it was');
  });

  it('a missing directory: STORE_UNAVAILABLE saying so, and nothing created', async () => {
    const dir = path.join(files.tempDir(), 'not-there');
    await rejectsWith(files.openStore({ file: path.join(dir, 'items.db') }), 'STORE_UNAVAILABLE',
      new RegExp(`could not open the Item store: cannot open .*items\\.db: the directory ${dir} does not exist`));
    assert.equal(fs.existsSync(dir), false);
  });

  it('a read-only directory: the store cannot be created there, a clear error, nothing written', async () => {
    const key = generateStoreKey();
    const roNew = files.readOnlyDir();
    await rejectsWith(files.openStore({ file: path.join(roNew, 'items.db'), key }), 'STORE_UNAVAILABLE',
      new RegExp(`could not open the Item store: cannot open .*items\\.db: (permission denied|the directory ${roNew} is read-only)`));
    assert.deepEqual(fs.readdirSync(roNew), []);
  });

  it('a store whose directory became read-only: a clear error at open, the file untouched', async () => {
    const dir = files.tempDir();
    const { store, file, key } = await files.openStore({ file: path.join(dir, 'items.db') });
    await store.save({ item_id: 'item-a', access_token: token(1) });
    await store.close();
    const before = fs.readFileSync(file);
    files.makeReadOnly(dir);
    await rejectsWith(files.openStore({ file, key }), 'STORE_UNAVAILABLE',
      new RegExp(`could not open the Item store: cannot open .*items\\.db: (the directory ${dir} is read-only|permission denied)`));
    assert.deepEqual(fs.readFileSync(file), before);
  });

  it('a full disk: the save fails clearly, nothing half-written, earlier Items resolve, later saves work once there is room', async () => {
    const dir = files.smallDisk(512);
    const { store, file } = await files.openStore({ file: path.join(dir, 'items.db') });
    await store.save({ item_id: 'item-a', access_token: token(1) });
    files.fillDisk(dir);
    /** @type {any} */
    let failure;
    for (let i = 0; i < 200 && !failure; i++) {
      await store.save({ item_id: `item-full-${i}`, access_token: token(i) }).catch((err) => (failure = { err, i }));
    }
    assert.ok(failure, 'a save failed on the full disk');
    await rejectsWith(Promise.reject(failure.err), 'STORE_UNAVAILABLE', new RegExp(`could not save Item item-full-${failure.i}: .*the disk is full`));
    assert.equal(await store.get(`item-full-${failure.i}`), undefined);
    assert.equal(await store.resolveToken('item-a'), token(1));
    const db = new Database(file, { readOnly: true });
    assert.equal(/** @type {any} */ (db.prepare('PRAGMA integrity_check').get()).integrity_check, 'ok');
    db.close();
    fs.rmSync(path.join(dir, 'filler'));
    await store.save({ item_id: 'item-b', access_token: token(2) });
    assert.equal(await store.resolveToken('item-b'), token(2));
  });

  it('a size cap (max pages) fails writes as a full disk, the same way', async () => {
    const { store } = await files.openStore({ maxPages: 12 });
    /** @type {any} */
    let failure;
    for (let i = 0; i < 500 && !failure; i++) {
      await store.save({ item_id: `item-${i}`, access_token: token(i), client_user_id: 'u'.repeat(400) }).catch((err) => (failure = { err, i }));
    }
    assert.ok(failure, 'a save failed at the cap');
    assert.match(failure.err.message, /the disk is full/);
    assert.equal(await store.get(`item-${failure.i}`), undefined);
    assert.equal(await store.resolveToken('item-0'), token(0));
  });
});
