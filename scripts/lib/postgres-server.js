'use strict';
// A throwaway PostgreSQL cluster for the tests and benchmarks: Debian's postgresql-15 binaries, a data directory
// in a fresh temporary folder, listening on a free loopback port only (and a socket in that folder), stopped and
// deleted afterwards. PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user
// (created by Debian's package) and every command runs through `runuser -u postgres --`.
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');

const run = promisify(execFile);
const BIN_DIR = process.env.PLAID_POSTGRES_BIN || '/usr/lib/postgresql/15/bin';
const DATABASE = 'plaid_test';
const USER = 'plaid';

/** A loopback port nobody listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

function asOwner(command, args, owner) {
  const file = path.join(BIN_DIR, command);
  return owner ? run('runuser', ['-u', owner, '--', file, ...args]) : run(file, args);
}

/**
 * Starts a new cluster. Password authentication on TCP (so the URL carries a password, as a real one does).
 * @param {{password?: string}} [options]
 * @returns {Promise<{url: string, port: number, dataDir: string, stop(): Promise<void>, start(): Promise<void>,
 *   kill(): Promise<void>, remove(): Promise<void>}>}
 */
async function startPostgres({ password = 'plaid-test-password' } = {}) {
  if (!fs.existsSync(path.join(BIN_DIR, 'initdb'))) {
    throw new Error(`PostgreSQL's initdb is not in ${BIN_DIR}: apt-get install postgresql-15 (or set PLAID_POSTGRES_BIN)`);
  }
  const owner = process.getuid && process.getuid() === 0 ? 'postgres' : undefined;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-postgres-'));
  const dataDir = path.join(root, 'data');
  const passwordFile = path.join(root, 'password');
  fs.writeFileSync(passwordFile, password, { mode: 0o600 });
  if (owner) await run('chown', ['-R', owner, root]);
  await asOwner('initdb', ['-D', dataDir, '-U', USER, '--pwfile', passwordFile, '-A', 'scram-sha-256', '--auth-local', 'trust', '-E', 'UTF8', '--no-sync'], owner);
  fs.rmSync(passwordFile);
  const port = await freePort();
  // In the cluster's own configuration, so `pg_ctl start -D <dataDir>` alone brings it back the same (the
  // restart tests get only the data directory).
  fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), [
    '',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${root}'`,
    // Room for two Node-RED instances' pools, the tests' own clients and the benchmarks.
    'max_connections = 100',
    '',
  ].join('\n'));
  const control = postgresControl(dataDir);
  const server = {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
    port,
    ...control,
    async remove() {
      await control.stop().catch(() => undefined);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
    await asOwner('createdb', ['-h', root, '-p', String(port), '-U', USER, DATABASE], owner);
  } catch (err) {
    const log = fs.existsSync(server.logFile) ? fs.readFileSync(server.logFile, 'utf8').slice(-2000) : '';
    await server.remove();
    throw new Error(`PostgreSQL did not start: ${err.message}\n${log}`, { cause: err });
  }
  return server;
}

/**
 * Start and stop for the cluster in `dataDir` (started by startPostgres, possibly in another process: the
 * wrapper exports the directory as PLAID_TEST_POSTGRES_DATA).
 */
function postgresControl(dataDir) {
  const owner = process.getuid && process.getuid() === 0 ? 'postgres' : undefined;
  const logFile = path.join(path.dirname(dataDir), 'server.log');
  return {
    dataDir,
    logFile,
    async start() {
      await asOwner('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], owner);
    },
    /** A clean shutdown: open connections are ended (as an operator's restart does). */
    async stop() {
      await asOwner('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], owner);
    },
    /** Immediate shutdown: no checkpoint, crash recovery at the next start (as after a crash). */
    async kill() {
      await asOwner('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop'], owner);
    },
  };
}

module.exports = { startPostgres, postgresControl, freePort };
