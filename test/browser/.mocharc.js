'use strict';
// `npm run test:browser`: the editor in Debian's chromium against an embedded Node-RED (build first).
module.exports = {
  spec: ['test/browser/**/*.test.js'],
  timeout: 60000,
  slow: 5000,
  bail: false,
  exit: true,
};
