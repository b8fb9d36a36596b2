'use strict';
// 2. Endpoint node: /item/get calls per second through plaid-item-get in an embedded Node-RED, against a bare got
// loop and the official plaid SDK, at equal concurrency, all against the same minimal loopback Plaid stand-in; and,
// in the same runtime, plaid-item-get taking item_id and resolving the token from an Item store (a SQLite file).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startChild } = require('./lib/child');
const { fmtRate, fmtRatio, foreignNote, log, median, sideBySide } = require('./lib/stats');
const { benchPids } = require('./lib/child');
const { foreignLoad } = require('./lib/cpu');

const CONCURRENCY = 32;
const CREDENTIALS = { clientId: 'bench-client', secret: 'bench-secret' };
const PAYLOAD = { access_token: 'access-sandbox-8ab976e6-64bc-4b38-98f7-731e7a349970' };
const ITEM_ID = 'item-bench-1';
const STORE_PAYLOAD = { item_id: ITEM_ID };

/** The store's file, holding the benchmark's Item under a fresh key (the package's own store code, from dist/). */
async function seedStore(dir, packageRoot = path.join(__dirname, '..')) {
  const { ItemStore } = require(path.join(packageRoot, 'dist/plaid/store/item-store.js'));
  const { SqliteStorage } = require(path.join(packageRoot, 'dist/plaid/store/sqlite-storage.js'));
  const { TokenCipher, generateStoreKey } = require(path.join(packageRoot, 'dist/plaid/store/cipher.js'));
  const file = path.join(dir, 'plaid-items.db');
  const key = generateStoreKey();
  const store = new ItemStore(new SqliteStorage({ file }), new TokenCipher(key));
  await store.open();
  await store.save({ item_id: ITEM_ID, access_token: PAYLOAD.access_token });
  await store.close();
  return { file, key };
}

function flows(standInUrl, storeFile) {
  return [
    { id: 'tab', type: 'tab', label: 'endpoint benchmark' },
    { id: 'cfg', type: 'plaid-config', name: '', environment: 'custom', baseUrl: standInUrl, timeout: 30000, retries: 2 },
    { id: 'driver', type: 'bench-driver', z: 'tab', name: '', wires: [['itemget']] },
    { id: 'itemget', type: 'plaid-item-get', z: 'tab', name: '', plaid: 'cfg', access_token: 'payload.access_token', access_tokenType: 'msg', wires: [['sink']] },
    { id: 'sink', type: 'bench-sink', z: 'tab', name: '', driver: 'driver', role: 'ok', wires: [] },
    { id: 'catch', type: 'catch', z: 'tab', name: '', scope: ['itemget'], uncaught: false, wires: [['sink-error']] },
    { id: 'sink-error', type: 'bench-sink', z: 'tab', name: '', driver: 'driver', role: 'error', wires: [] },
    // The same node type on an Item store: item_id from msg.payload.item_id, the token resolved inside the node.
    { id: 'store', type: 'plaid-item-store', name: '', backend: 'sqlite', file: storeFile },
    { id: 'driver-store', type: 'bench-driver', z: 'tab', name: '', wires: [['itemget-store']] },
    { id: 'itemget-store', type: 'plaid-item-get', z: 'tab', name: '', plaid: 'cfg', store: 'store', item_id: 'item_id', item_idType: 'msg', wires: [['sink-store']] },
    { id: 'sink-store', type: 'bench-sink', z: 'tab', name: '', driver: 'driver-store', role: 'ok', wires: [] },
    { id: 'catch-store', type: 'catch', z: 'tab', name: '', scope: ['itemget-store'], uncaught: false, wires: [['sink-store-error']] },
    { id: 'sink-store-error', type: 'bench-sink', z: 'tab', name: '', driver: 'driver-store', role: 'error', wires: [] },
  ];
}

/** Which process and driver measures each side, with what payload; `store` shares the Node-RED process of `ours`. */
const SIDES = {
  ours: { child: 'ours', driver: 'driver', payload: PAYLOAD },
  got: { child: 'got', driver: 'driver', payload: PAYLOAD },
  sdk: { child: 'sdk', driver: 'driver', payload: PAYLOAD },
  store: { child: 'ours', driver: 'driver-store', payload: STORE_PAYLOAD },
};

async function run({ rounds, seconds, warmupSeconds, profileDir, packageRoot }) {
  const children = {};
  let standIn;
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-bench-store-'));
  try {
    const store = await seedStore(storeDir, packageRoot);
    log('endpoint: starting the Plaid stand-in, Node-RED (plaid-item-get), the got loop and the SDK loop');
    standIn = await startChild('standin-child.js', { name: 'plaid-standin', init: {} });
    const baseUrl = `http://127.0.0.1:${standIn.info.port}`;
    children.ours = await startChild('nodered-child.js', {
      name: 'nodered-endpoint',
      profileDir,
      init: {
        packageRoot,
        flows: flows(baseUrl, store.file),
        credentials: { cfg: CREDENTIALS, store: { encryptionKey: store.key } },
        waitFor: ['driver', 'itemget', 'sink', 'sink-error', 'driver-store', 'itemget-store', 'sink-store'],
      },
    });
    children.got = await startChild('loop-child.js', { name: 'got-loop', profileDir, init: { mode: 'got', baseUrl, ...CREDENTIALS } });
    children.sdk = await startChild('loop-child.js', { name: 'sdk-loop', profileDir, init: { mode: 'sdk', baseUrl, ...CREDENTIALS } });

    const totals = { ours: 0, got: 0, sdk: 0, store: 0 };
    const drive = async (side, warmupMs, durationMs) => {
      const load = foreignLoad(benchPids);
      const { child, driver, payload } = SIDES[side];
      const args = { concurrency: CONCURRENCY, warmupMs, durationMs, payload, driver };
      const result = await children[child].call('drive', args);
      if (result.totalFailed || result.inFlightLeft) {
        throw new Error(`endpoint ${side}: ${result.totalFailed} calls failed, ${result.inFlightLeft} still in flight after the run`);
      }
      totals[side] += result.totalCompleted;
      return { rate: result.completed / result.seconds, foreign: load.stop(), cpuPerOp: result.cpuUs / result.completed };
    };
    for (const side of Object.keys(SIDES)) await drive(side, 0, warmupSeconds * 3000);
    const result = await sideBySide({
      sides: ['ours', 'got', 'sdk', 'store'],
      rounds,
      measure: (side) => drive(side, warmupSeconds * 1000, seconds * 1000),
    });
    // Nothing lost or repeated: the stand-in saw exactly one request per completed call (plus one wiring check by
    // each loop process), and none it would refuse.
    const seen = await standIn.call('counts');
    const expected = totals.ours + totals.got + totals.sdk + totals.store + 2;
    if (seen.requests !== expected || seen.bad) {
      throw new Error(`endpoint: the stand-in saw ${seen.requests} requests (${seen.bad} bad), the sides completed ${expected}`);
    }

    const { medianRate, medianRatio, medianCpu, medianCpuRatio, ratios, rates, cpu, foreign } = result;
    // The store side against the token-on-the-message side, round by round (both measured in every round).
    const storeRatios = rates.store.map((rate, i) => rate / rates.ours[i]);
    const storeCpuRatio = median(cpu.ours.map((ours, i) => ours / cpu.store[i]));
    return {
      rows: [
        {
          benchmark: '2a. Endpoint node: plaid-item-get vs a bare got loop (calls/s)',
          ours: `${fmtRate(medianRate.ours)}/s`, baseline: `${fmtRate(medianRate.got)}/s`,
          ratio: medianRatio.got, cpuRatio: medianCpuRatio.got, goal: '≥ 0.90×', met: medianRatio.got >= 0.9,
        },
        {
          benchmark: '2b. Endpoint node: plaid-item-get vs the official plaid SDK (calls/s)',
          ours: `${fmtRate(medianRate.ours)}/s`, baseline: `${fmtRate(medianRate.sdk)}/s`,
          ratio: medianRatio.sdk, cpuRatio: medianCpuRatio.sdk, goal: '≥ 1.00×', met: medianRatio.sdk >= 1.0,
        },
        {
          benchmark: '2c. Endpoint node: plaid-item-get by item_id through the Item store vs with the token on the message (calls/s)',
          ours: `${fmtRate(medianRate.store)}/s`, baseline: `${fmtRate(medianRate.ours)}/s`,
          ratio: median(storeRatios), cpuRatio: storeCpuRatio, goal: '≥ 0.90×', met: median(storeRatios) >= 0.9,
        },
      ],
      details: [
        `Per round (calls/s): ours ${rates.ours.map(fmtRate).join(', ')}; got ${rates.got.map(fmtRate).join(', ')}; SDK ${rates.sdk.map(fmtRate).join(', ')}; ours through the Item store ${rates.store.map(fmtRate).join(', ')}.`,
        `Per-round ratios: vs got ${ratios.got.map(fmtRatio).join(', ')}; vs SDK ${ratios.sdk.map(fmtRatio).join(', ')}; through the store vs the token on the message ${storeRatios.map(fmtRatio).join(', ')}.`,
        `CPU time of the calling process per call (median): ours ${medianCpu.ours.toFixed(0)} µs, got ${medianCpu.got.toFixed(0)} µs, SDK ${medianCpu.sdk.toFixed(0)} µs, through the store ${medianCpu.store.toFixed(0)} µs.`,
        `No call failed, none was left in flight; the stand-in saw exactly one request per completed call (${seen.requests.toLocaleString('en-US')} in all: ${totals.ours.toLocaleString('en-US')} from plaid-item-get, ${totals.store.toLocaleString('en-US')} from plaid-item-get on the store, ${totals.got.toLocaleString('en-US')} from got, ${totals.sdk.toLocaleString('en-US')} from the SDK, and 2 wiring checks), so no retry and no lost message.`,
        foreignNote(foreign),
      ],
    };
  } finally {
    for (const child of Object.values(children)) await child.stop();
    await standIn?.stop();
    fs.rmSync(storeDir, { recursive: true, force: true });
  }
}

const method = `Loopback only; every side and the stand-in run in processes of their own. The stand-in is a minimal \`node:http\` server answering \`POST /item/get\` with a canned /item/get response (about 650 bytes, a fresh request_id each time). **Ours**: an embedded Node-RED (set up as in benchmark 1) with a helper \`bench-driver\` node → \`plaid-item-get\` (config node: custom base URL = the stand-in, default timeout and retries; access_token from \`msg.payload.access_token\`) → a helper \`bench-sink\` node (and a \`catch\` node on plaid-item-get → sink, counting failures). The harness keeps ${CONCURRENCY} messages in flight: each message reaching the sink releases the next one, so what is counted is whole messages through the runtime and the node: property evaluation, the request through the package's got client (keep-alive agent), the parsed answer on \`msg.payload\`, Node-RED's message passing. **got**: ${CONCURRENCY} async workers, each \`await got.post(url, {json, headers, agent: keep-alive}).json()\` in a loop. **SDK**: ${CONCURRENCY} workers, each \`await new PlaidApi(new Configuration({basePath, baseOptions: {headers}})).itemGet({access_token})\` in a loop (axios on Node's global keep-alive agent). **Through the store** (row 2c): in the same Node-RED process as ours, a second driver → \`plaid-item-get\` with a \`plaid-item-store\` (SQLite file, WAL, synchronous=FULL, seeded with the Item beforehand) taking \`msg.payload.item_id\`: each message reads the record and decrypts the token (AES-256-GCM) before the same call; compared with ours round by round. Each process counts the calls completed in the measured window after its own warm-up; rounds rotate the order; medians and median per-round ratios as in benchmark 1. Any failed call fails the benchmark, and the stand-in's request count must equal the completed calls.`;

module.exports = { run, method };
