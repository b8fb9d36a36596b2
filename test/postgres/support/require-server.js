'use strict';
// Root hook of the PostgreSQL suite: without a server to test against the suite fails, it is never skipped.
exports.mochaHooks = {
  beforeAll() {
    if (!process.env.PLAID_TEST_POSTGRES_URL) {
      throw new Error('PLAID_TEST_POSTGRES_URL is not set: run `node scripts/with-postgres.js npm run test:postgres`, '
        + 'or point it at a PostgreSQL database the tests may create databases on');
    }
  },
};
