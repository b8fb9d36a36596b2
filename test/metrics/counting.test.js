'use strict';
// The reconcile gauges the exporter derives from the sweeps' ends, on a clock the test sets: the period seen between
// two sweeps, when the last complete one ended, and incomplete ones in a row.
const assert = require('node:assert/strict');
const { channels } = require('../../dist/plaid/channels');
const { createMetrics } = require('../../dist/plugins/metrics/definitions');
const { countEvents } = require('../../dist/plugins/metrics/counting');

const HOUR_MS = 3_600_000;

describe('reconcile sweeps counted on a clock', () => {
  let stop;
  afterEach(() => stop?.());

  it('sees the period between sweeps, the last complete one\'s end, and incomplete ones in a row, per store', async () => {
    const metrics = createMetrics();
    let now = 1_000 * HOUR_MS;
    stop = countEvents(metrics, (err) => assert.fail(err), () => now);
    const ended = (store, completed) => channels.reconcileSweepEnded.publish({ store, completed, checked: 1, changed: 0, rateLimited: 0 });
    const value = async (name, store) => (await metrics[name].get()).values.find((v) => v.labels.store === store)?.value;

    ended('s1', true);
    ended('s2', true);
    assert.equal(await value('reconcileInterval', 's1'), undefined, 'no period from one sweep');
    now += 6 * HOUR_MS;
    ended('s1', false);
    assert.equal(await value('reconcileInterval', 's1'), 6 * 3600);
    assert.equal(await value('reconcileIncompleteInARow', 's1'), 1);
    now += 6 * HOUR_MS;
    ended('s1', false);
    assert.equal(await value('reconcileIncompleteInARow', 's1'), 2);
    assert.equal(await value('reconcileLastCompleted', 's1'), 1_000 * 3600, 'the last complete one');
    now += 1 * HOUR_MS;
    ended('s1', true);
    assert.equal(await value('reconcileInterval', 's1'), 3600);
    assert.equal(await value('reconcileIncompleteInARow', 's1'), 0);
    assert.equal(await value('reconcileLastCompleted', 's1'), 1_013 * 3600);
    // The other store kept its own.
    assert.equal(await value('reconcileInterval', 's2'), undefined);
    assert.equal(await value('reconcileLastCompleted', 's2'), 1_000 * 3600);
  });
});
