'use strict';
// The sweep's pacer on a controlled clock: calls spread evenly over the window, never more than the limit in any
// window however slowly calls are answered, a 429 pausing every call and halving the pace, turns in the order asked.
const assert = require('node:assert/strict');
const { CallPacer } = require('../../dist/plaid/reconcile/pacer');
const { FakeTimers, settle } = require('../support/fake-timers');

/**
 * Starts `count` calls at once; each ends `answerMs` after it started, as `ends(i)` says. Resolves to their start and
 * end times.
 * @param {{ends?: (i: number) => object}} [options]
 */
async function run(pacer, timers, count, answerMs, options = {}) {
  const ends = options.ends ?? (() => ({}));
  const calls = [];
  for (let i = 0; i < count; i++) {
    pacer.start().then((finish) => {
      const call = { startedAt: timers.now(), endedAt: undefined };
      calls[i] = call;
      timers.setTimeout(() => {
        call.endedAt = timers.now();
        finish(ends(i));
      }, answerMs);
    });
  }
  await timers.until(`${count} calls answered`, () => calls.filter((c) => c?.endedAt !== undefined).length === count, { stepMs: 250 });
  return calls;
}

describe('reconcile: the call pacer', function () {
  it('spreads calls evenly: one every window / limit, the first at once', async () => {
    const timers = new FakeTimers();
    const t0 = timers.now();
    const calls = await run(new CallPacer({ callsPerMinute: 60, timers }), timers, 5, 1);
    assert.deepEqual(calls.map((c) => c.startedAt - t0), [0, 1000, 2000, 3000, 4000]);
  });

  it('never starts a call before the call limit places earlier was answered a whole window before', async () => {
    const timers = new FakeTimers();
    // 4 a second, each answered after 600 ms: by the spacing alone call 4 would start at 1000 ms, while call 0 may
    // have reached the server as late as 600 ms; the rule holds call 4 until 600 + 1000 ms.
    const calls = await run(new CallPacer({ callsPerMinute: 4, windowMs: 1000, timers }), timers, 12, 600);
    for (let j = 4; j < calls.length; j++) {
      assert.ok(calls[j].startedAt >= calls[j - 4].endedAt + 1000, `call ${j} started ${calls[j].startedAt - calls[j - 4].endedAt} ms after call ${j - 4} ended`);
    }
    // So wherever in [start, end] the server saw each call, no window of 1000 ms holds 5.
    assert.equal(calls[4].startedAt - calls[0].startedAt, 1600);
  });

  it('pauses every call after a 429 (Retry-After honoured), then goes on at half the pace for a window', async () => {
    const timers = new FakeTimers();
    const t0 = timers.now();
    // 60 a minute: one a second. Call 2 is answered 429 with Retry-After 5 s.
    const calls = await run(new CallPacer({ callsPerMinute: 60, timers }), timers, 40, 10, {
      ends: (i) => (i === 2 ? { rateLimited: true, retryAfterMs: 5000 } : {}),
    });
    const starts = calls.map((c) => c.startedAt - t0);
    assert.deepEqual(starts.slice(0, 3), [0, 1000, 2000]);
    assert.ok(starts[3] >= 2010 + 5000, `the next call waited for Retry-After: ${starts[3]}`);
    assert.ok(starts[4] - starts[3] >= 2000 && starts[5] - starts[4] >= 2000, `half the pace after: ${starts}`);
    // A window after the 429, the full pace again.
    const late = starts.filter((at) => at > 2010 + 60_000 + 2000);
    assert.ok(late.length >= 3);
    assert.deepEqual(late.slice(1).map((at, i) => at - late[i]), late.slice(1).map(() => 1000));
  });

  it('without Retry-After, pauses 1 s after a 429, doubling with each 429 in a row', async () => {
    const timers = new FakeTimers();
    const t0 = timers.now();
    const calls = await run(new CallPacer({ callsPerMinute: 6000, timers }), timers, 4, 0, {
      ends: (i) => (i < 3 ? { rateLimited: true } : {}),
    });
    const gaps = calls.slice(1).map((c, i) => c.startedAt - calls[i].startedAt);
    assert.deepEqual(gaps, [1000, 2000, 4000], `gaps ${gaps} from ${calls.map((c) => c.startedAt - t0)}`);
  });

  it('gives turns in the order asked, and a stopped wait gives its turn up without holding the others', async () => {
    const timers = new FakeTimers();
    const pacer = new CallPacer({ callsPerMinute: 60, timers });
    const order = [];
    const stop = new AbortController();
    const turns = ['a', 'b', 'c', 'd'].map((name) => pacer.start(name === 'b' ? stop.signal : undefined).then(
      (finish) => {
        order.push(name);
        finish();
      },
      (err) => order.push(`${name}: ${err.message}`),
    ));
    await settle();
    stop.abort(new Error('stopped'));
    await timers.until('every turn settled', () => order.length === 4, { stepMs: 100 });
    await Promise.all(turns);
    assert.deepEqual(order, ['a', 'b: stopped', 'c', 'd']);
  });

  it('refuses a rate below one call', () => {
    assert.throws(() => new CallPacer({ callsPerMinute: 0 }), /at least 1/);
  });
});
