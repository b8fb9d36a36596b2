'use strict';
// Stop and start the suite's PostgreSQL server (the one scripts/with-postgres.js started), for the outage tests.
const { postgresControl } = require('../../../scripts/lib/postgres-server');

function server() {
  const dataDir = process.env.PLAID_TEST_POSTGRES_DATA;
  if (!dataDir) throw new Error('PLAID_TEST_POSTGRES_DATA is not set: these tests stop and start the server (scripts/with-postgres.js sets it)');
  return postgresControl(dataDir);
}

module.exports = { server };
