'use strict';
// Several Node-RED instances as an operator runs them: separate processes and user directories (the reliability
// suite's red-child), one PostgreSQL database for their Item store, nginx in front (round robin), and the
// emulator sending its webhooks through nginx. Every webhook message an instance emits is recorded to a file
// (kept across a SIGKILL) with the instance's name.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { RedChild } = require('../../reliability/support/child');
const { instanceFlows, deployWithCredentials, emittedBy, recordsBy, exactlyOnce, WEBHOOK_PATH } = require('../../support/instance-flows');
const { json, until } = require('../../reliability/support/util');
const { startNginx } = require('../../../scripts/lib/nginx-server');
const { generateStoreKey } = require('../../../dist/plaid/store/cipher');

/**
 * `flow`: what each instance runs instead, made from the flow above (more nodes wired to it).
 * @param {{emulator: object, postgresUrl: string, names?: string[], flow?: (nodes: object[]) => object[]}} options
 */
async function startCluster({ emulator, postgresUrl, names = ['red-a', 'red-b'], flow: adapt = (nodes) => nodes }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-instances-'));
  const storeKey = generateStoreKey();
  const instances = await Promise.all(names.map(async (name) => {
    const recordFile = path.join(dir, `${name}.jsonl`);
    const child = await RedChild.start({ label: name, recordFile, env: { PLAID_INSTANCE: name }, logLevel: 'warn' });
    return { name, child, recordFile, port: Number(new URL(child.url).port) };
  }));
  const nginx = await startNginx({ upstreams: instances.map((i) => `127.0.0.1:${i.port}`) });
  const credentials = { cfg: { clientId: emulator.clientId, secret: emulator.secret }, store: { encryptionKey: storeKey, postgresUrl } };
  const flow = adapt(instanceFlows({ emulator, store: { backend: 'postgres', file: '', connectTimeout: '1000', queryTimeout: '3000' } }));

  const cluster = {
    dir,
    nginx,
    instances,
    webhookUrl: `${nginx.url}${WEBHOOK_PATH}`,
    /** Deploys the flow to every instance at the same instant (each store opens, and migrates, at once). */
    async deploy() {
      await Promise.all(instances.map((i) => deployWithCredentials(i.child, flow, credentials)));
      // Until an endpoint node's lookup reaches the database on each instance, the flow is not running there (404)
      // or its store has not opened (schema made): the webhook route alone answers an unsigned body 401 either way.
      await Promise.all(instances.map((i) => until(`${i.name}'s flow running on an open store`, async () => {
        const { body } = await cluster.direct(i, 'get', { item_id: 'item-probe' });
        return /item-probe is not in the Item store/.test(body?.error ?? '');
      }, 30000, 100)));
    },
    /** POSTs `body` to a route of the flow on one instance, bypassing nginx. */
    direct: (instance, route, body) => json(`${instance.child.url}/test/${route}`, { method: 'POST', body }),
    /** Every webhook message emitted, from the record files (what SIGKILLed instances emitted included). */
    emitted: () => emittedBy(instances),
    /** The data of every record of `kind`, from the record files, in each instance's order. */
    records: (kind) => recordsBy(instances, kind),
    /** Every webhook message emitted again by a replay. */
    replayed: () => recordsBy(instances, 'webhook').filter((m) => m.replayed),
    /** POSTs a replay request for the store's event log to the instance at `baseUrl`. */
    replay: (baseUrl, body) => json(`${baseUrl}/plaid-items/stores/store/deliveries/replay`, { method: 'POST', body }),
    /** POSTs `body` to a route of the flow through nginx. */
    call: (route, body) => json(`${nginx.url}/test/${route}`, { method: 'POST', body }),
    async stop() {
      await nginx.stop();
      await Promise.all(instances.map((i) => i.child.stop().catch(() => undefined)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

module.exports = { startCluster, exactlyOnce, WEBHOOK_PATH };
