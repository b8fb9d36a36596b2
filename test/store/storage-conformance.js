'use strict';
// The behaviours every ItemStorage backend must share (src/plaid/store/storage.ts), run against a real database
// of each: the sqlite file (test/store/sqlite-conformance.test.js, in `npm test`) and PostgreSQL
// (test/postgres/storage.test.js, in `npm run test:postgres`). Not a test file itself: each backend's test calls
// describeStorageConformance with a way to get a fresh, empty database.
const assert = require('node:assert/strict');
const { StorageUnavailableError } = require('../../dist/plaid/store/storage');

const HOUR = 3_600_000;
const RETENTION = 24 * HOUR;
const LEASE = 30_000;

/**
 * A row as a backend stores it; `overrides` replaces record fields, the ciphertext or the history.
 * @param {string} itemId
 * @param {{record?: object, tokenCiphertext?: string | null, history?: object[]}} [overrides]
 * @returns {import('../../dist/plaid/store/record').StoredItem}
 */
function storedItem(itemId, overrides = {}) {
  const at = '2026-01-02T03:04:05.678Z';
  return {
    record: {
      item_id: itemId,
      client_user_id: 'user-1',
      institution_id: 'ins_109508',
      status: 'healthy',
      error_code: null,
      last_webhook: null,
      link_token: null,
      link_token_expiration: null,
      created_at: at,
      updated_at: at,
      ...overrides.record,
    },
    tokenCiphertext: 'tokenCiphertext' in overrides ? overrides.tokenCiphertext : `v1.iv-${itemId}.tag.ciphertext`,
    history: overrides.history ?? [],
  };
}

/**
 * A repair case as a backend stores it; `overrides` replaces fields.
 * @param {string} itemId
 * @param {Partial<import('../../dist/plaid/store/repair-case').RepairCase>} [overrides]
 * @returns {import('../../dist/plaid/store/repair-case').RepairCase}
 */
function repairCase(itemId, overrides = {}) {
  return {
    case_id: `case-${itemId}`,
    item_id: itemId,
    owner: 'node-1',
    reason: 'ITEM_LOGIN_REQUIRED',
    opened_at: '2026-01-02T03:04:05.678Z',
    deadline: null,
    reminder_delays_ms: [86_400_000, 259_200_000],
    notified_at: '2026-01-02T03:04:06.000Z',
    reminders_sent: 0,
    link_token: 'link-sandbox-1',
    link_expiration: '2026-01-02T03:34:06.000Z',
    failures: 0,
    next_due: '2026-01-03T03:04:06.000Z',
    closed_at: null,
    closed_by: null,
    ...overrides,
  };
}

const put = (storage, stored) => storage.update(stored.record.item_id, () => stored);
const ids = (rows) => rows.map((row) => row.record.item_id).sort();

/**
 * @param {string} name the backend, for the suite's title
 * @param {() => Promise<{open: () => import('../../dist/plaid/store/storage').ItemStorage, cleanup: () => Promise<void>}>} freshDatabase
 *   an empty database; `open()` gives a new, not yet opened storage on it (call it twice for two instances)
 */
function describeStorageConformance(name, freshDatabase) {
  describe(`ItemStorage conformance: ${name}`, function () {
    let database;
    let storage;
    const extra = [];

    /** A second, separate instance on the same database (as another Node-RED would have). */
    async function another() {
      const second = database.open();
      extra.push(second);
      await second.open();
      return second;
    }

    beforeEach(async function () {
      database = await freshDatabase();
      storage = database.open();
      await storage.open();
    });

    afterEach(async function () {
      for (const s of extra.splice(0)) await s.close();
      await storage.close();
      await database.cleanup();
    });

    describe('rows', function () {
      it('has no row for an unknown item_id', async function () {
        assert.equal(await storage.get('item-unknown'), undefined);
        assert.equal(await storage.findByLinkToken('link-sandbox-unknown'), undefined);
        assert.deepEqual(await storage.list({}), []);
      });

      it('stores a new row whole and reads it back the same, also from another instance', async function () {
        const stored = storedItem('item-1', {
          record: { last_webhook: { webhook_type: 'ITEM', webhook_code: 'ERROR', at: '2026-01-02T03:04:06.000Z' }, error_code: 'ITEM_LOGIN_REQUIRED', status: 'login_required' },
          history: [
            { kind: 'status', webhook_type: null, webhook_code: null, error_code: null, status: 'healthy', at: '2026-01-02T03:04:05.678Z' },
            { kind: 'webhook', webhook_type: 'ITEM', webhook_code: 'ERROR', error_code: 'ITEM_LOGIN_REQUIRED', status: 'login_required', at: '2026-01-02T03:04:06.000Z' },
          ],
        });
        let seen = 'not called';
        const result = await storage.update('item-1', (current) => ((seen = current), stored));
        assert.equal(seen, undefined);
        assert.deepEqual(result, stored);
        assert.deepEqual(await storage.get('item-1'), stored);
        assert.deepEqual(await (await another()).get('item-1'), stored);
      });

      it('keeps text exactly: unicode, quotes, a null ciphertext', async function () {
        const stored = storedItem('item-ü\'"\\; DROP TABLE', { record: { client_user_id: 'Zoë 🏦 "quoted" \\n' }, tokenCiphertext: null });
        await put(storage, stored);
        assert.deepEqual(await storage.get(stored.record.item_id), stored);
      });

      it('hands `change` the current row and stores what it returns', async function () {
        await put(storage, storedItem('item-1'));
        const next = storedItem('item-1', { record: { status: 'revoked' }, tokenCiphertext: null });
        let seen;
        const result = await storage.update('item-1', (current) => ((seen = current), next));
        assert.deepEqual(seen, storedItem('item-1'));
        assert.deepEqual(result, next);
        assert.deepEqual(await storage.get('item-1'), next);
      });

      it('writes nothing when `change` returns undefined, and resolves to the row as it is', async function () {
        assert.equal(await storage.update('item-1', () => undefined), undefined);
        assert.equal(await storage.get('item-1'), undefined);
        await put(storage, storedItem('item-1'));
        assert.deepEqual(await storage.update('item-1', () => undefined), storedItem('item-1'));
      });

      it('writes nothing when `change` throws, and rejects with that very error', async function () {
        await put(storage, storedItem('item-1'));
        const thrown = new Error('the change refused');
        await assert.rejects(storage.update('item-1', () => { throw thrown; }), (/** @type {any} */ err) => err === thrown);
        await assert.rejects(storage.update('item-2', () => { throw thrown; }), (/** @type {any} */ err) => err === thrown);
        assert.deepEqual(await storage.get('item-1'), storedItem('item-1'));
        assert.equal(await storage.get('item-2'), undefined);
        // The storage is still usable afterwards (no transaction or connection left behind).
        await put(storage, storedItem('item-2'));
        assert.deepEqual(ids(await storage.list({})), ['item-1', 'item-2']);
      });

      it('loses no update when 40 run at once on one row from two instances', async function () {
        const second = await another();
        const bump = (current) => {
          const count = current ? Number(current.record.client_user_id) : 0;
          return storedItem('item-1', { record: { client_user_id: String(count + 1) } });
        };
        await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? storage : second).update('item-1', bump)));
        assert.equal((await storage.get('item-1')).record.client_user_id, '40');
      });

      it('creates a row once when two instances insert it at the same instant', async function () {
        const second = await another();
        const creations = [];
        const createOrBump = (who) => (current) => {
          if (!current) creations.push(who);
          const count = current ? Number(current.record.client_user_id) : 0;
          return storedItem('item-new', { record: { client_user_id: String(count + 1) } });
        };
        await Promise.all([storage.update('item-new', createOrBump('a')), second.update('item-new', createOrBump('b'))]);
        assert.equal((await storage.get('item-new')).record.client_user_id, '2');
        assert.deepEqual(await storage.list({}).then(ids), ['item-new']);
      });

      it('updates several rows in one transaction: each change gets its row, results in the order asked', async function () {
        await put(storage, storedItem('item-b'));
        await put(storage, storedItem('item-c'));
        const seen = [];
        const written = await storage.updateMany([
          { itemId: 'item-c', change: (current) => (seen.push(['item-c', current?.record.status]), storedItem('item-c', { record: { status: 'error' } })) },
          { itemId: 'item-a', change: (current) => (seen.push(['item-a', current?.record.status]), storedItem('item-a')) },
          { itemId: 'item-b', change: (current) => (seen.push(['item-b', current?.record.status]), undefined) },
          { itemId: 'item-x', change: () => undefined },
        ]);
        assert.deepEqual(written.map((row) => row && [row.record.item_id, row.record.status]), [['item-c', 'error'], ['item-a', 'healthy'], ['item-b', 'healthy'], undefined]);
        assert.deepEqual(seen.sort(), [['item-a', undefined], ['item-b', 'healthy'], ['item-c', 'healthy']]);
        const second = await another();
        assert.deepEqual(ids(await second.list({})), ['item-a', 'item-b', 'item-c']);
        assert.equal((await second.get('item-c')).record.status, 'error');
        assert.deepEqual(await storage.updateMany([]), []);
      });

      it('writes none of several rows when one change throws, and rejects with that very error', async function () {
        await put(storage, storedItem('item-a'));
        const thrown = new Error('the change refused');
        await assert.rejects(storage.updateMany([
          { itemId: 'item-a', change: () => storedItem('item-a', { record: { status: 'revoked' } }) },
          { itemId: 'item-b', change: () => storedItem('item-b') },
          { itemId: 'item-c', change: () => { throw thrown; } },
        ]), (/** @type {any} */ err) => err === thrown);
        assert.deepEqual(await storage.get('item-a'), storedItem('item-a'));
        assert.equal(await storage.get('item-b'), undefined);
        await put(storage, storedItem('item-b'));
        assert.deepEqual(ids(await storage.list({})), ['item-a', 'item-b'], 'still usable');
      });

      it('deletes a row: true once, then false', async function () {
        await put(storage, storedItem('item-1'));
        await put(storage, storedItem('item-2'));
        assert.equal(await storage.delete('item-1'), true);
        assert.equal(await storage.delete('item-1'), false);
        assert.equal(await storage.get('item-1'), undefined);
        assert.deepEqual(ids(await storage.list({})), ['item-2']);
      });

      it('lists the token envelopes alone, of the Items that have a token', async function () {
        await put(storage, storedItem('item-a'));
        await put(storage, storedItem('item-b', { tokenCiphertext: 'v2.key-b.iv.tag.body' }));
        await put(storage, storedItem('item-c', { record: { status: 'removed' }, tokenCiphertext: null }));
        const envelopes = (await storage.listEnvelopes()).sort((x, y) => x.itemId.localeCompare(y.itemId));
        assert.deepEqual(envelopes, [
          { itemId: 'item-a', tokenCiphertext: 'v1.iv-item-a.tag.ciphertext' },
          { itemId: 'item-b', tokenCiphertext: 'v2.key-b.iv.tag.body' },
        ]);
      });

      it('lists every row, or those of the statuses asked for', async function () {
        await put(storage, storedItem('item-a', { record: { status: 'healthy' } }));
        await put(storage, storedItem('item-b', { record: { status: 'login_required' } }));
        await put(storage, storedItem('item-c', { record: { status: 'removed' }, tokenCiphertext: null }));
        assert.deepEqual(ids(await storage.list({})), ['item-a', 'item-b', 'item-c']);
        assert.deepEqual(ids(await storage.list({ statuses: [] })), ['item-a', 'item-b', 'item-c']);
        assert.deepEqual(ids(await storage.list({ statuses: ['login_required', 'removed'] })), ['item-b', 'item-c']);
        assert.deepEqual(ids(await storage.list({ statuses: ['revoked'] })), []);
        // A status change moves the row between filters.
        await put(storage, storedItem('item-b', { record: { status: 'healthy' } }));
        assert.deepEqual(ids(await storage.list({ statuses: ['healthy'] })), ['item-a', 'item-b']);
        const rows = await storage.list({ statuses: ['removed'] });
        assert.deepEqual(rows, [storedItem('item-c', { record: { status: 'removed' }, tokenCiphertext: null })]);
      });

      it('counts the rows of each status, from any instance, and follows status changes and deletes', async function () {
        assert.deepEqual(await storage.countByStatus(), {});
        await put(storage, storedItem('item-a', { record: { status: 'healthy' } }));
        await put(storage, storedItem('item-b', { record: { status: 'login_required' } }));
        await put(storage, storedItem('item-c', { record: { status: 'login_required' } }));
        await put(storage, storedItem('item-d', { record: { status: 'removed' }, tokenCiphertext: null }));
        const second = await another();
        assert.deepEqual(await second.countByStatus(), { healthy: 1, login_required: 2, removed: 1 });
        await put(second, storedItem('item-b', { record: { status: 'healthy' } }));
        await storage.delete('item-d');
        assert.deepEqual(await storage.countByStatus(), { healthy: 2, login_required: 1 });
      });

      it('gives the oldest last check among the Items not removed (created_at while never checked), from any instance', async function () {
        assert.equal(await storage.oldestCheck(), undefined, 'no Item');
        await put(storage, storedItem('item-a', { record: { checked_at: '2026-01-05T00:00:00.000Z', created_at: '2026-01-01T00:00:00.000Z' } }));
        await put(storage, storedItem('item-b', { record: { checked_at: '2026-01-04T00:00:00.000Z', created_at: '2026-01-01T00:00:00.000Z' } }));
        // Removed: never checked again, so not waiting for a check.
        await put(storage, storedItem('item-c', { record: { status: 'removed', checked_at: '2026-01-02T00:00:00.000Z' }, tokenCiphertext: null }));
        const second = await another();
        assert.equal(await second.oldestCheck(), '2026-01-04T00:00:00.000Z');
        // Never checked (a record of an older release has no checked_at at all): its creation counts.
        await put(second, storedItem('item-d', { record: { created_at: '2026-01-03T00:00:00.000Z' } }));
        assert.equal(await storage.oldestCheck(), '2026-01-03T00:00:00.000Z');
        await put(storage, storedItem('item-d', { record: { checked_at: '2026-01-06T00:00:00.000Z', created_at: '2026-01-03T00:00:00.000Z' } }));
        await storage.delete('item-b');
        assert.equal(await storage.oldestCheck(), '2026-01-05T00:00:00.000Z');
        await put(storage, storedItem('item-a', { record: { status: 'removed' }, tokenCiphertext: null }));
        await put(storage, storedItem('item-d', { record: { status: 'removed' }, tokenCiphertext: null }));
        assert.equal(await second.oldestCheck(), undefined, 'every Item removed');
      });

      it('finds an Item by its newest link token only', async function () {
        await put(storage, storedItem('item-1', { record: { link_token: 'link-sandbox-old', link_token_expiration: '2026-01-03T00:00:00Z' } }));
        await put(storage, storedItem('item-2'));
        assert.equal((await storage.findByLinkToken('link-sandbox-old')).record.item_id, 'item-1');
        await put(storage, storedItem('item-1', { record: { link_token: 'link-sandbox-new' } }));
        assert.equal(await storage.findByLinkToken('link-sandbox-old'), undefined);
        assert.deepEqual(await storage.findByLinkToken('link-sandbox-new'), storedItem('item-1', { record: { link_token: 'link-sandbox-new' } }));
      });
    });

    describe('claims', function () {
      const t0 = Date.UTC(2026, 0, 2);
      const claim = (on, key, at, holder = on === storage ? 'holder-a' : 'holder-b') => on.claim(key, holder, at, LEASE);
      const confirm = (on, key, at, holder = on === storage ? 'holder-a' : 'holder-b') => on.confirm(key, holder, at, RETENTION);

      it('claims a key once: pending until confirmed, a duplicate after, on any instance; another key independently', async function () {
        const second = await another();
        assert.equal(await claim(storage, 'sha-a', t0), 'claimed');
        assert.equal(await claim(storage, 'sha-a', t0 + 1), 'in_progress', 'the same holder does not start the work twice');
        assert.equal(await claim(second, 'sha-a', t0 + 2), 'in_progress');
        assert.equal(await confirm(storage, 'sha-a', t0 + 3), true);
        assert.equal(await claim(second, 'sha-a', t0 + 4), 'duplicate');
        assert.equal(await claim(storage, 'sha-b', t0 + 5), 'claimed');
      });

      it('gives exactly one of 30 simultaneous claims of one key, across two instances', async function () {
        const second = await another();
        const results = await Promise.all(Array.from({ length: 30 }, (_, i) => claim(i % 2 ? storage : second, 'sha-race', t0, `holder-${i}`)));
        assert.equal(results.filter((r) => r === 'claimed').length, 1);
        assert.equal(results.filter((r) => r === 'in_progress').length, 29);
      });

      it('takes over a pending claim once its lease is over (its holder died), not before', async function () {
        await claim(storage, 'sha-a', t0);
        assert.equal(await claim(storage, 'sha-a', t0 + LEASE - 1), 'in_progress');
        assert.equal(await claim(await another(), 'sha-a', t0 + LEASE), 'claimed');
        // The takeover is a pending claim of its own, which the first holder can neither confirm nor release.
        assert.equal(await claim(storage, 'sha-a', t0 + LEASE + 2), 'in_progress');
        assert.equal(await confirm(storage, 'sha-a', t0 + LEASE + 3), false);
        await storage.release('sha-a', 'holder-a');
        assert.equal(await claim(storage, 'sha-a', t0 + LEASE + 4), 'in_progress');
      });

      it('renews a pending claim for its holder only, while it holds it', async function () {
        const second = await another();
        await claim(storage, 'sweep', t0);
        assert.equal(await storage.renew('sweep', 'holder-a', t0 + LEASE - 1, LEASE), true);
        // Renewed: still held after the first lease would have ended.
        assert.equal(await claim(second, 'sweep', t0 + LEASE + 1), 'in_progress');
        assert.equal(await second.renew('sweep', 'holder-b', t0 + LEASE + 2, LEASE), false, 'another holder cannot renew it');
        // Not renewed in time: taken over, and the first holder learns it lost the claim.
        assert.equal(await claim(second, 'sweep', t0 + 2 * LEASE), 'claimed');
        assert.equal(await storage.renew('sweep', 'holder-a', t0 + 2 * LEASE + 1, LEASE), false);
        // A confirmed claim is not renewed (its work is done).
        assert.equal(await confirm(second, 'sweep', t0 + 2 * LEASE + 2), true);
        assert.equal(await second.renew('sweep', 'holder-b', t0 + 2 * LEASE + 3, LEASE), false);
      });

      it('takes over a confirmed claim once its retention is over, not before', async function () {
        await claim(storage, 'sha-a', t0);
        await confirm(storage, 'sha-a', t0);
        assert.equal(await claim(storage, 'sha-a', t0 + LEASE * 10), 'duplicate');
        assert.equal(await claim(storage, 'sha-a', t0 + RETENTION - 1), 'duplicate');
        assert.equal(await claim(storage, 'sha-a', t0 + RETENTION), 'claimed');
      });

      it('keeps each claim for the retention its confirmation asked for', async function () {
        await claim(storage, 'short', t0);
        await storage.confirm('short', 'holder-a', t0, 1000);
        await claim(storage, 'long', t0);
        await storage.confirm('long', 'holder-a', t0, RETENTION);
        assert.equal(await claim(storage, 'short', t0 + 1000), 'claimed');
        assert.equal(await claim(storage, 'long', t0 + 1000), 'duplicate');
      });

      it('confirms nothing that was not claimed', async function () {
        assert.equal(await confirm(storage, 'sha-never-claimed', t0), false);
        assert.equal(await claim(storage, 'sha-never-claimed', t0 + 1), 'claimed');
      });

      it('forgets a claim its holder releases (a delivery answered 503 is claimed again by its retry)', async function () {
        await claim(storage, 'sha-a', t0);
        await storage.release('sha-a', 'holder-a');
        assert.equal(await claim(await another(), 'sha-a', t0 + 1), 'claimed');
        await storage.release('sha-never-claimed', 'holder-a');
      });

      it('prunes the claims that expired and keeps the others', async function () {
        await claim(storage, 'sha-old', t0);
        await confirm(storage, 'sha-old', t0);
        await claim(storage, 'sha-young', t0 + RETENTION);
        await confirm(storage, 'sha-young', t0 + RETENTION);
        await claim(storage, 'pending', t0 + 2 * RETENTION - LEASE);
        await storage.pruneClaims(t0 + 2 * RETENTION - 1);
        // Asked at a time when all would still be live: only the pruned one can be claimed again.
        assert.equal(await claim(storage, 'sha-old', t0 + 1), 'claimed');
        assert.equal(await claim(storage, 'sha-young', t0 + RETENTION + 1), 'duplicate');
        assert.equal(await claim(storage, 'pending', t0 + 2 * RETENTION - LEASE + 1), 'in_progress');
      });
    });

    describe('repair cases', function () {
      const putCase = (on, c) => on.updateCase(c.item_id, () => c);
      const items = (cases) => cases.map((c) => c.item_id);

      it('has no case for an Item that never had one', async function () {
        assert.equal(await storage.getCase('item-1'), undefined);
        assert.deepEqual(await storage.listCases({}), []);
      });

      it('stores a case whole and reads it back the same, also from another instance', async function () {
        const stored = repairCase('item-ü\'"', { deadline: '2026-01-09T00:00:00Z', reminders_sent: 1, failures: 2 });
        let seen = 'not called';
        assert.deepEqual(await storage.updateCase(stored.item_id, (current) => ((seen = current), stored)), stored);
        assert.equal(seen, undefined);
        assert.deepEqual(await storage.getCase(stored.item_id), stored);
        assert.deepEqual(await (await another()).getCase(stored.item_id), stored);
      });

      it('hands `change` the current case; undefined writes nothing; a throw writes nothing and rejects with that error', async function () {
        await putCase(storage, repairCase('item-1'));
        let seen;
        const closed = repairCase('item-1', { closed_at: '2026-01-02T04:00:00Z', closed_by: 'session_finished', next_due: null });
        assert.deepEqual(await storage.updateCase('item-1', (current) => ((seen = current), closed)), closed);
        assert.deepEqual(seen, repairCase('item-1'));
        assert.deepEqual(await storage.updateCase('item-1', () => undefined), closed);
        assert.equal(await storage.updateCase('item-2', () => undefined), undefined);
        const thrown = new Error('the change refused');
        await assert.rejects(storage.updateCase('item-1', () => { throw thrown; }), (/** @type {any} */ err) => err === thrown);
        assert.deepEqual(await storage.getCase('item-1'), closed);
        assert.equal(await storage.getCase('item-2'), undefined);
      });

      it('lists by owner, open or closed, due by a time, soonest due first (never due last), then by item_id, up to a limit', async function () {
        await putCase(storage, repairCase('item-d', { next_due: '2026-01-05T00:00:00Z' }));
        await putCase(storage, repairCase('item-b', { next_due: '2026-01-03T00:00:00Z' }));
        await putCase(storage, repairCase('item-a', { next_due: '2026-01-05T00:00:00Z' }));
        await putCase(storage, repairCase('item-c', { owner: 'node-2', next_due: '2026-01-01T00:00:00Z' }));
        await putCase(storage, repairCase('item-e', { closed_at: '2026-01-02T00:00:00Z', closed_by: 'removed', next_due: null }));
        assert.deepEqual(items(await storage.listCases({})), ['item-c', 'item-b', 'item-a', 'item-d', 'item-e']);
        assert.deepEqual(items(await storage.listCases({ owner: 'node-1', open: true })), ['item-b', 'item-a', 'item-d']);
        assert.deepEqual(items(await storage.listCases({ open: false })), ['item-e']);
        const dueBy = Date.parse('2026-01-05T00:00:00Z');
        assert.deepEqual(items(await storage.listCases({ owner: 'node-1', open: true, dueBy: dueBy - 1 })), ['item-b']);
        assert.deepEqual(items(await storage.listCases({ owner: 'node-1', open: true, dueBy })), ['item-b', 'item-a', 'item-d']);
        assert.deepEqual(items(await storage.listCases({ owner: 'node-1', open: true, limit: 2 })), ['item-b', 'item-a']);
        assert.deepEqual(items(await storage.listCases({ owner: 'node-9' })), []);
        // A case that moves on moves in the order; a closed one leaves the open ones.
        await putCase(storage, repairCase('item-b', { next_due: '2026-01-06T00:00:00Z' }));
        await putCase(storage, repairCase('item-a', { closed_at: '2026-01-04T00:00:00Z', closed_by: 'deadline', next_due: null }));
        assert.deepEqual(items(await storage.listCases({ owner: 'node-1', open: true })), ['item-d', 'item-b']);
      });

      it('counts the open cases of every owner, from any instance', async function () {
        assert.equal(await storage.countOpenCases(), 0);
        await putCase(storage, repairCase('item-a'));
        await putCase(storage, repairCase('item-b', { owner: 'node-2' }));
        await putCase(storage, repairCase('item-c', { closed_at: '2026-01-02T00:00:00Z', closed_by: 'removed', next_due: null }));
        const second = await another();
        assert.equal(await second.countOpenCases(), 2);
        await putCase(second, repairCase('item-a', { closed_at: '2026-01-04T00:00:00Z', closed_by: 'session_finished', next_due: null }));
        assert.equal(await storage.countOpenCases(), 1);
      });

      it('opens one case when 20 try at once from two instances, and a new one after it closed', async function () {
        const second = await another();
        const openUnlessOpen = (n) => (current) => (current && current.closed_at === null ? undefined : repairCase('item-1', { case_id: `case-${n}` }));
        const results = await Promise.all(Array.from({ length: 20 }, (_, n) => (n % 2 ? storage : second).updateCase('item-1', openUnlessOpen(n))));
        const winner = (await storage.getCase('item-1')).case_id;
        assert.ok(results.every((r) => r.case_id === winner), 'every try sees the one case that opened');
        await storage.updateCase('item-1', (c) => ({ ...c, closed_at: '2026-01-04T00:00:00Z', closed_by: 'unanswered', next_due: null }));
        await second.updateCase('item-1', openUnlessOpen(99));
        assert.equal((await storage.getCase('item-1')).case_id, 'case-99');
        assert.deepEqual(items(await storage.listCases({})), ['item-1']);
      });

      it('loses no change when 30 run at once on one case from two instances', async function () {
        const second = await another();
        await putCase(storage, repairCase('item-1'));
        const bump = (current) => ({ ...current, failures: current.failures + 1 });
        await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? storage : second).updateCase('item-1', bump)));
        assert.equal((await storage.getCase('item-1')).failures, 30);
      });
    });

    describe('claim batches and the delivery log', function () {
      const t0 = Date.UTC(2026, 0, 2);
      let seq = 0;
      /** A log row as the store writes it (the backend sets the outcome). */
      const row = (overrides = {}) => {
        seq++;
        return {
          id: `delivery-${String(seq).padStart(4, '0')}`,
          received_at_ms: t0 + seq * 1000,
          webhook_type: 'ITEM',
          webhook_code: 'ERROR',
          item_id: 'item-1',
          environment: 'sandbox',
          body_sha256: `sha-${seq}`,
          node_id: 'hook-1',
          outcome: 'emitted',
          body_ciphertext: `v1.iv.tag.body-${seq}`,
          ...overrides,
        };
      };
      const claimOf = (key, delivery = null, scope = null) => ({ key, scope, leaseMs: LEASE, delivery });
      const batch = (on, claims, at = t0, confirms = [], holder = on === storage ? 'holder-a' : 'holder-b') => on.claimBatch({ confirms, claims }, holder, at);
      const newest = { order: 'newest' };
      const summary = ({ body_ciphertext: _body, ...rest }) => rest;

      it('confirms first, then claims in order: a later claim of the batch sees the earlier ones', async function () {
        assert.deepEqual(await batch(storage, [claimOf('sha-a')]), ['claimed']);
        const results = await batch(storage, [claimOf('sha-a'), claimOf('sha-b'), claimOf('sha-b'), claimOf(null)], t0 + 1, [{ key: 'sha-a', retentionMs: RETENTION }]);
        assert.deepEqual(results, ['duplicate', 'claimed', 'in_progress', 'recorded']);
        // The batch's claims are claims like any other: confirmed, expired, taken over.
        assert.equal(await storage.claim('sha-b', 'holder-b', t0 + 2, LEASE), 'in_progress');
        assert.equal(await storage.claim('sha-b', 'holder-b', t0 + 1 + LEASE, LEASE), 'claimed');
        assert.deepEqual(await batch(storage, [], t0 + 3, [{ key: 'sha-never', retentionMs: RETENTION }]), []);
      });

      it('writes each claim\'s row: emitted when claimed or unclaimed, duplicate for a duplicate, none while in progress', async function () {
        const [a, b, c, d, e] = [row(), row(), row(), row({ item_id: null, environment: null }), row()];
        await batch(storage, [claimOf('sha-x', a)]);
        const results = await batch(await another(), [claimOf('sha-x', b), claimOf(null, d)], t0 + 1);
        assert.deepEqual(results, ['in_progress', 'recorded']);
        await storage.confirm('sha-x', 'holder-a', t0 + 2, RETENTION);
        assert.deepEqual(await batch(storage, [claimOf('sha-x', c), claimOf('sha-y', e)], t0 + 3), ['duplicate', 'claimed']);
        const rows = await storage.readDeliveries({}, { order: 'oldest' });
        assert.deepEqual(rows, [a, d, { ...c, outcome: 'duplicate' }, e]);
        assert.deepEqual(await (await another()).listDeliveries({}, newest), [e, { ...c, outcome: 'duplicate' }, d, a].map(summary));
      });

      it('ends a scope\'s other claims, pending or confirmed, when a claim in it is made; other scopes keep theirs', async function () {
        await batch(storage, [claimOf('error', null, 'item:1'), claimOf('other', null, 'item:2'), claimOf('plain')]);
        await batch(storage, [], t0 + 1, [{ key: 'error', retentionMs: RETENTION }, { key: 'other', retentionMs: RETENTION }, { key: 'plain', retentionMs: RETENTION }]);
        assert.deepEqual(await batch(storage, [claimOf('error', null, 'item:1')], t0 + 2), ['duplicate'], 'a duplicate ends nothing');
        const second = await another();
        assert.deepEqual(await batch(second, [claimOf('repaired', null, 'item:1')], t0 + 3), ['claimed']);
        // LOGIN_REPAIRED came since: the same ERROR again is a new event; its own copy then is not.
        assert.deepEqual(await batch(storage, [claimOf('error', null, 'item:1'), claimOf('error', null, 'item:1')], t0 + 4), ['claimed', 'in_progress']);
        assert.equal(await second.confirm('repaired', 'holder-b', t0 + 5, RETENTION), false, 'the pending claim ended too');
        assert.deepEqual(await batch(storage, [claimOf('other', null, 'item:2'), claimOf('plain'), claimOf('plain', null, 'item:1')], t0 + 6), ['duplicate', 'duplicate', 'duplicate']);
      });

      it('gives exactly one of 24 simultaneous batched claims of one key, across two instances', async function () {
        const second = await another();
        const results = await Promise.all(Array.from({ length: 24 }, (_, i) =>
          (i % 2 ? storage : second).claimBatch({ confirms: [], claims: [claimOf(`sha-${i}`), claimOf('sha-race', row({ id: `race-${i}` }), 'item:race')] }, `holder-${i}`, t0)));
        const raced = results.map((r) => r[1]);
        assert.equal(raced.filter((r) => r === 'claimed').length, 1, raced.join());
        assert.equal(raced.filter((r) => r === 'in_progress').length, 23);
        assert.equal(await storage.countDeliveries({}), 1, 'one row: the claimed one');
      });

      it('lists, counts and reads the rows a filter selects, newest or oldest first, with a limit', async function () {
        const rows = [
          row({ webhook_code: 'ERROR', item_id: 'item-1' }),
          row({ webhook_code: 'LOGIN_REPAIRED', item_id: 'item-1' }),
          row({ webhook_code: 'ERROR', item_id: 'item-2', node_id: 'hook-2' }),
          row({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', item_id: null, body_ciphertext: 'v1.ü.\'"; DROP TABLE' }),
        ];
        await batch(storage, rows.map((r) => claimOf(null, r)));
        const ids = (found) => found.map((r) => r.id);
        assert.deepEqual(ids(await storage.listDeliveries({}, newest)), ids(rows).reverse());
        assert.deepEqual(ids(await storage.listDeliveries({}, { order: 'oldest', limit: 2 })), ids(rows.slice(0, 2)));
        assert.deepEqual(ids(await storage.listDeliveries({ codes: ['ERROR'] }, newest)), [rows[2].id, rows[0].id]);
        assert.deepEqual(ids(await storage.listDeliveries({ codes: ['LOGIN_REPAIRED', 'SESSION_FINISHED'] }, newest)), [rows[3].id, rows[1].id]);
        assert.deepEqual(ids(await storage.listDeliveries({ itemId: 'item-1', codes: ['ERROR'] }, newest)), [rows[0].id]);
        await storage.markReplayed([rows[1].id]);
        assert.deepEqual(ids(await storage.listDeliveries({ outcomes: ['replayed', 'duplicate'] }, newest)), [rows[1].id]);
        const at = (r) => r.received_at_ms;
        assert.deepEqual(ids(await storage.listDeliveries({ sinceMs: at(rows[1]), untilMs: at(rows[2]) }, newest)), [rows[2].id, rows[1].id]);
        assert.deepEqual(ids(await storage.readDeliveries({ ids: [rows[3].id, rows[0].id, 'delivery-unknown'] }, { order: 'oldest' })), [rows[0].id, rows[3].id]);
        assert.deepEqual(await storage.readDeliveries({ ids: [rows[3].id] }, newest), [rows[3]], 'the body exactly as written');
        assert.deepEqual(await storage.readDeliveries({ ids: [] }, newest), []);
        assert.equal(await storage.countDeliveries({}), 4);
        assert.equal(await storage.countDeliveries({ codes: ['ERROR'], sinceMs: at(rows[1]) }), 1);
      });

      it('marks rows replayed, deletes one, and prunes a node\'s old rows and those of nodes that no longer run', async function () {
        const rows = [
          row({ node_id: 'hook-1' }), row({ node_id: 'hook-2' }), row({ node_id: 'hook-gone' }),
          row({ node_id: 'hook-1' }), row({ node_id: 'hook-2' }), row({ node_id: 'hook-gone' }),
        ];
        await batch(storage, rows.map((r) => claimOf(null, r)));
        await storage.markReplayed([rows[0].id, rows[5].id]);
        await storage.markReplayed([]);
        assert.deepEqual((await storage.listDeliveries({}, { order: 'oldest' })).map((r) => r.outcome), ['replayed', 'emitted', 'emitted', 'emitted', 'emitted', 'replayed']);
        await storage.deleteDelivery(rows[4].id);
        await storage.deleteDelivery('delivery-unknown');
        // hook-1's rows before the fourth, and rows of nodes that no longer run before the sixth.
        const pruned = await storage.pruneDeliveries({ node: 'hook-1', beforeMs: rows[3].received_at_ms, othersBeforeMs: rows[5].received_at_ms, running: ['hook-1', 'hook-2'] });
        assert.equal(pruned, 2);
        assert.deepEqual((await storage.listDeliveries({}, { order: 'oldest' })).map((r) => r.id), [rows[1].id, rows[3].id, rows[5].id]);
      });
    });

    describe('key check', function () {
      it('keeps the first value offered and hands it to every later caller, on any instance', async function () {
        assert.equal(await storage.keyCheck('v1.first'), 'v1.first');
        assert.equal(await storage.keyCheck('v1.second'), 'v1.first');
        assert.equal(await (await another()).keyCheck('v1.third'), 'v1.first');
      });

      it('agrees on one value when two instances offer theirs at the same instant', async function () {
        const second = await another();
        const [a, b] = await Promise.all([storage.keyCheck('v1.from-a'), second.keyCheck('v1.from-b')]);
        assert.equal(a, b);
        assert.ok(['v1.from-a', 'v1.from-b'].includes(a));
      });

      it('refuses a store that holds Items but no key check, naming how many, and stores none', async function () {
        await put(storage, storedItem('item-1'));
        await put(storage, storedItem('item-2'));
        for (const instance of [storage, await another()]) {
          await assert.rejects(instance.keyCheck('v2.any'), (/** @type {any} */ err) => {
            assert.equal(err.name, 'StorageRefusedError', err.stack);
            assert.match(err.message, /holds 2 Items but no key check: .*restore it from a backup/);
            return true;
          });
        }
        await storage.delete('item-1');
        await storage.delete('item-2');
        assert.equal(await storage.keyCheck('v2.first'), 'v2.first', 'an empty store takes its first key check');
      });

      it('replaces the key check only when it is still the value expected (compare-and-set)', async function () {
        await storage.keyCheck('v1.old');
        const second = await another();
        assert.equal(await storage.replaceKeyCheck('v1.old', 'v2.new'), true);
        assert.equal(await second.replaceKeyCheck('v1.old', 'v2.other'), false, 'a second rewrap of the same value loses');
        assert.equal(await second.keyCheck('v2.ignored'), 'v2.new');
        assert.equal(await storage.replaceKeyCheck('v2.stale', 'v2.x'), false);
        assert.equal(await storage.keyCheck('v2.ignored'), 'v2.new');
      });
    });

    describe('lifecycle', function () {
      it('opens again on a database that has its schema (a restart), keeping the rows', async function () {
        await storage.keyCheck('v1.kept');
        await put(storage, storedItem('item-1'));
        await storage.updateCase('item-1', () => repairCase('item-1'));
        await storage.claim('sha-a', 'holder-a', Date.now(), LEASE);
        await storage.confirm('sha-a', 'holder-a', Date.now(), RETENTION);
        await storage.close();
        storage = database.open();
        await storage.open();
        await storage.open();
        assert.deepEqual(await storage.get('item-1'), storedItem('item-1'));
        assert.deepEqual(await storage.getCase('item-1'), repairCase('item-1'));
        assert.equal(await storage.claim('sha-a', 'holder-b', Date.now(), LEASE), 'duplicate');
        assert.equal(await storage.keyCheck('v1.other'), 'v1.kept');
      });

      it('opens two instances at once on an empty database, both usable', async function () {
        const empty = await freshDatabase();
        const [a, b] = [empty.open(), empty.open()];
        try {
          await Promise.all([a.open(), b.open()]);
          await put(a, storedItem('item-1'));
          assert.deepEqual(await b.get('item-1'), storedItem('item-1'));
        } finally {
          await Promise.all([a.close(), b.close()]);
          await empty.cleanup();
        }
      });

      it('fails an operation after close with StorageUnavailableError', async function () {
        await storage.close();
        await assert.rejects(storage.get('item-1'), StorageUnavailableError);
        storage = database.open();
        await storage.open();
      });
    });
  });
}

module.exports = { describeStorageConformance, storedItem, repairCase };
