'use strict';
// A process claiming webhook deliveries on PostgreSQL as fast as it can, through the package's PostgresStorage
// (the claim every plaid-webhook-in with a postgres store makes per delivery): `concurrency` claims in flight, each
// of a fresh body hash, for `seconds`.
const crypto = require('node:crypto');
const path = require('node:path');
const { serveChild } = require('./child');

const RETENTION_MS = 24 * 60 * 60 * 1000;
const LEASE_MS = 30 * 1000;
let storage;

serveChild({
  async init({ url, poolMax, packageRoot = path.join(__dirname, '..', '..') }) {
    const { PostgresStorage } = require(path.join(packageRoot, 'dist', 'plaid', 'store', 'postgres-storage'));
    storage = new PostgresStorage({ url, poolMax });
    await storage.open();
    return { pid: process.pid };
  },
  commands: {
    async claim({ seconds, concurrency }) {
      const prefix = crypto.randomBytes(8).toString('hex');
      let n = 0;
      let claimed = 0;
      let failed = 0;
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      const deadline = Date.now() + seconds * 1000;
      const worker = async () => {
        while (Date.now() < deadline) {
          const key = crypto.createHash('sha256').update(`${prefix}${n++}`).digest('hex');
          try {
            // As plaid-webhook-in does per delivery: the claim, then its confirmation once the message is out.
            if ((await storage.claim(key, Date.now(), RETENTION_MS, LEASE_MS)) === 'claimed') claimed++;
            await storage.confirm(key, Date.now());
          } catch {
            failed++;
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      const cpu = process.cpuUsage(cpuBefore);
      return { claimed, failed, seconds: elapsed, cpuUs: cpu.user + cpu.system };
    },
  },
  async stop() {
    await storage?.close();
  },
});
