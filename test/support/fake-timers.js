'use strict';
// A controlled clock and timers (the Timers of src/plaid/timers.ts) for code that waits: time moves only when a test
// advances it, and each timer due runs in time order, with the promise callbacks it starts settled before the next.

/** Lets every promise callback that is ready run (a few turns of the event loop; no time passes). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

class FakeTimers {
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
    /** @type {{at: number, seq: number, callback: () => void}[]} */
    this.pending = [];
    this.seq = 0;
    this.now = () => this.time;
    this.setTimeout = (callback, ms) => {
      const timer = { at: this.time + Math.max(0, ms), seq: ++this.seq, callback };
      this.pending.push(timer);
      return timer;
    };
    this.clearTimeout = (timer) => {
      const index = this.pending.indexOf(timer);
      if (index !== -1) this.pending.splice(index, 1);
    };
  }

  /** Moves the clock `ms` ahead, running the timers due on the way. */
  async advance(ms) {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const due = this.pending.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.pending.splice(this.pending.indexOf(due), 1);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
    await settle();
  }

  /** Advances in `stepMs` steps until `check()` is truthy; throws after `limitMs` of fake time. */
  async until(what, check, { stepMs = 1, limitMs = 3_600_000 } = {}) {
    const deadline = this.time + limitMs;
    for (;;) {
      await settle();
      if (check()) return;
      if (this.time >= deadline) throw new Error(`${what}: not reached within ${limitMs} ms of fake time`);
      await this.advance(stepMs);
    }
  }
}

module.exports = { FakeTimers, settle };
