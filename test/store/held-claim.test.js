'use strict';
// A claim held for as long as its work runs, on a real SQLite file shared by two stores (two instances), on a
// controlled clock: renewed every third of its lease while held, lost (and said so) when another took it over or it
// could not be renewed in time, free for the next holder once released.
const assert = require('node:assert/strict');
const { HeldClaim } = require('../../dist/plaid/store/held-claim.js');
const files = require('./support/store-files');
const { FakeTimers } = require('../support/fake-timers');

const KEY = 'sweep of the store';
const LEASE = 30_000;

describe('store: a held claim', () => {
  afterEach(files.cleanup);

  async function twoInstances() {
    const timers = new FakeTimers();
    const a = await files.openStore({ now: timers.now });
    const b = await files.openStore({ file: a.file, key: a.key, now: timers.now });
    return { timers, a: a.store, b: b.store };
  }

  it('is held by one instance at a time, renewed while held, and free again once released', async () => {
    const { timers, a, b } = await twoInstances();
    const held = await HeldClaim.take(a, KEY, { leaseMs: LEASE, timers });
    assert.ok(held);
    assert.equal(await HeldClaim.take(b, KEY, { leaseMs: LEASE, timers }), undefined);
    assert.equal(await HeldClaim.take(a, KEY, { leaseMs: LEASE, timers }), undefined, 'a second copy of the same work, same holder');
    // Three leases later it is still held: renewed every 10 s.
    await timers.advance(3 * LEASE);
    assert.equal(held.lost, undefined);
    assert.equal(await b.claim(KEY, LEASE), 'in_progress');
    await held.release();
    assert.equal(timers.pending.length, 0, 'no renewal left scheduled');
    const next = await HeldClaim.take(b, KEY, { leaseMs: LEASE, timers });
    assert.ok(next);
    await next.release();
  });

  it('is lost when its lease ran out unrenewed and another instance took the work over', async () => {
    const { timers, a, b } = await twoInstances();
    const held = await HeldClaim.take(a, KEY, { leaseMs: LEASE, timers });
    const reasons = [];
    held.onLost((reason) => reasons.push(reason.message));
    // a's process stalls past its lease (its renewal timer is held back): b takes the work over.
    const [renewal] = timers.pending;
    timers.clearTimeout(renewal);
    timers.time += LEASE;
    const taker = await HeldClaim.take(b, KEY, { leaseMs: LEASE, timers });
    assert.ok(taker, 'b took it over');
    renewal.callback();
    await timers.advance(0);
    assert.deepEqual(reasons, ['its lease ran out and another holder took it over']);
    assert.match(held.lost.message, /another holder/);
    const late = [];
    held.onLost((reason) => late.push(reason));
    assert.equal(late.length, 1, 'a listener added afterwards hears at once');
    await held.release();
    assert.equal(await a.claim(KEY, LEASE), 'in_progress', "releasing a lost claim leaves the new holder's alone");
    await taker.release();
  });

  it('survives a failed renewal while the lease has room, and is lost before the lease runs out when it cannot renew', async () => {
    const { timers, a } = await twoInstances();
    const start = timers.now();
    const held = await HeldClaim.take(a, KEY, { leaseMs: LEASE, timers });
    let lostAt = Infinity;
    held.onLost(() => (lostAt = timers.now()));
    const renew = a.renewClaim.bind(a);
    let failing = 1;
    a.renewClaim = (...args) => (failing-- > 0 ? Promise.reject(new Error('database down')) : renew(...args));
    await timers.advance(LEASE / 3);
    assert.equal(held.lost, undefined, 'one failure at a third of the lease: tried again');
    await timers.advance(LEASE / 3);
    assert.equal(held.lost, undefined, 'renewed at the next try');
    failing = Infinity;
    await timers.advance(2 * LEASE);
    assert.match(held.lost.message, /could not be renewed in time \(database down\)/);
    // Renewed last at 2/3 of a lease: that lease runs out at 5/3, and the claim is given up before.
    assert.ok(lostAt < start + (2 * LEASE) / 3 + LEASE, `lost ${lostAt - start} ms after the start`);
    await held.release();
  });
});
