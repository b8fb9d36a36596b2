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

      it('deletes a row: true once, then false', async function () {
        await put(storage, storedItem('item-1'));
        await put(storage, storedItem('item-2'));
        assert.equal(await storage.delete('item-1'), true);
        assert.equal(await storage.delete('item-1'), false);
        assert.equal(await storage.get('item-1'), undefined);
        assert.deepEqual(ids(await storage.list({})), ['item-2']);
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
    });

    describe('lifecycle', function () {
      it('opens again on a database that has its schema (a restart), keeping the rows', async function () {
        await put(storage, storedItem('item-1'));
        await storage.claim('sha-a', 'holder-a', Date.now(), LEASE);
        await storage.confirm('sha-a', 'holder-a', Date.now(), RETENTION);
        await storage.keyCheck('v1.kept');
        await storage.close();
        storage = database.open();
        await storage.open();
        await storage.open();
        assert.deepEqual(await storage.get('item-1'), storedItem('item-1'));
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

module.exports = { describeStorageConformance, storedItem };
