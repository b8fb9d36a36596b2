'use strict';
// `npm run test:prometheus` (after a build): the alert rules checked and unit-tested by Debian's promtool, and a real
// Prometheus (Debian's `prometheus`) scraping a running Node-RED; the graph page's screenshot in Debian's chromium.
// The suite fails, never skips, without them.
module.exports = {
  spec: ['test/prometheus/*.test.js'],
  timeout: 120000,
  slow: 10000,
  exit: true,
};
