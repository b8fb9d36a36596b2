'use strict';
// A process recording webhook deliveries on PostgreSQL as fast as it can, through the package's ItemStore on a
// PostgresStorage, as every plaid-webhook-in with a postgres store does per delivery: the claim and the log entry
// (body encrypted) in one round trip shared with the others in flight, then the confirmation. `concurrency`
// deliveries in flight, each a fresh body, for `seconds`.
const crypto = require('node:crypto');
const path = require('node:path');
const { serveChild } = require('./child');

let store;

serveChild({
  // `key`: the store's key, the one the benchmark's Node-RED side uses on the same database.
  async init({ url, poolMax, key, packageRoot = path.join(__dirname, '..', '..') }) {
    const dist = (file) => require(path.join(packageRoot, 'dist', 'plaid', 'store', file));
    const { PostgresStorage } = dist('postgres-storage');
    const { ItemStore } = dist('item-store');
    const { TokenCipher } = dist('cipher');
    store = new ItemStore(new PostgresStorage({ url, poolMax }), new TokenCipher(key));
    await store.open();
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
          const i = n++;
          const raw = Buffer.from(JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: `${prefix}${i}`, environment: 'sandbox', error: null }, null, 2));
          const delivery = {
            nodeId: 'bench', raw, bodySha256: crypto.createHash('sha256').update(raw).digest('hex'), webhookType: 'ITEM',
            webhookCode: 'NEW_ACCOUNTS_AVAILABLE', itemId: `${prefix}${i}`, environment: 'sandbox',
          };
          try {
            const recorded = await store.deliveries.record(delivery, { dedupe: true, log: true });
            if (!recorded.duplicate) claimed++;
            await store.deliveries.confirm(recorded);
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
    await store?.close();
  },
});
