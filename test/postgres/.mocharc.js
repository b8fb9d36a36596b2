'use strict';
// `npm run test:postgres` (after a build): the Item store on a real PostgreSQL, whose URL the environment gives as
// PLAID_TEST_POSTGRES_URL (the suite fails, never skips, without it). `node scripts/with-postgres.js npm run
// test:postgres` starts a throwaway server for it, as .ci/run does. Loopback only.
module.exports = {
  require: ['test/postgres/support/require-server.js'],
  spec: ['test/postgres/*.test.js'],
  timeout: 60000,
  slow: 10000,
  exit: true,
};
