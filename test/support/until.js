'use strict';
// The suites' one way to wait for an outcome they cannot be told about (a webhook delivered, a debug message shown, a
// record written): poll it. Tests never sleep a fixed time; a test that asserts "nothing more happens" first waits
// for a positive signal that comes after whatever must not happen.

/** Polls `check` until it returns a truthy value, and returns that value; throws after `timeoutMs`. */
async function until(what, check, timeoutMs = 15000, everyMs = 25) {
  // performance.now: a test may fake Date.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

module.exports = { until };
