#!/usr/bin/env node
'use strict';
// Runs a command against a throwaway PostgreSQL: starts a cluster (scripts/lib/postgres-server.js), exports its
// URL as PLAID_TEST_POSTGRES_URL and its data directory as PLAID_TEST_POSTGRES_DATA (the restart tests stop and
// start it), runs the command, then stops and deletes the cluster and exits with the command's status.
//   node scripts/with-postgres.js npm run test:postgres
const { spawn } = require('node:child_process');
const { startPostgres } = require('./lib/postgres-server');

async function main() {
  const command = process.argv.slice(2);
  if (command.length === 0) throw new Error('usage: node scripts/with-postgres.js <command> [args...]');
  const server = await startPostgres();
  console.log(`PostgreSQL on 127.0.0.1:${server.port} (data in ${server.dataDir})`);
  let status;
  try {
    const child = spawn(command[0], command.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, PLAID_TEST_POSTGRES_URL: server.url, PLAID_TEST_POSTGRES_DATA: server.dataDir },
    });
    const stop = (signal) => child.kill(signal);
    process.on('SIGINT', stop).on('SIGTERM', stop);
    status = await new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await server.remove();
  }
  process.exit(status);
}

main().catch((err) => {
  console.error(`with-postgres: ${err.stack || err}`);
  process.exit(1);
});
