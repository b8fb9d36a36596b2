'use strict';
// `npm run test:reliability` (after a build): faults, webhook fuzz, webhook deliveries across redeploys, secrets,
// Plaid down, redeploy soak. About 3 minutes on two cores; every test has its own time bound (this.timeout), and
// the suite as a whole stays well under the CI budget of 8 minutes. Loopback only.
module.exports = {
  spec: [
    'test/reliability/faults.test.js',
    'test/reliability/webhook-fuzz.test.js',
    'test/reliability/webhook-redeploy.test.js',
    'test/reliability/secrets.test.js',
    'test/reliability/plaid-down.test.js',
    'test/reliability/redeploy-soak.test.js',
  ],
  timeout: 120000,
  slow: 60000,
  exit: true,
};
