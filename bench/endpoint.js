'use strict';
// 2. Endpoint node: /item/get calls per second through plaid-item-get in an embedded Node-RED, against a bare got
// loop and the official plaid SDK, at equal concurrency, all against the same minimal loopback Plaid stand-in.
const { startChild } = require('./lib/child');
const { fmtRate, fmtRatio, foreignNote, log, sideBySide } = require('./lib/stats');
const { benchPids } = require('./lib/child');
const { foreignLoad } = require('./lib/cpu');

const CONCURRENCY = 32;
const CREDENTIALS = { clientId: 'bench-client', secret: 'bench-secret' };
const PAYLOAD = { access_token: 'access-sandbox-8ab976e6-64bc-4b38-98f7-731e7a349970' };

function flows(standInUrl) {
  return [
    { id: 'tab', type: 'tab', label: 'endpoint benchmark' },
    { id: 'cfg', type: 'plaid-config', name: '', environment: 'custom', baseUrl: standInUrl, timeout: 30000, retries: 2 },
    { id: 'driver', type: 'bench-driver', z: 'tab', name: '', wires: [['itemget']] },
    { id: 'itemget', type: 'plaid-item-get', z: 'tab', name: '', plaid: 'cfg', access_token: 'payload.access_token', access_tokenType: 'msg', wires: [['sink']] },
    { id: 'sink', type: 'bench-sink', z: 'tab', name: '', driver: 'driver', role: 'ok', wires: [] },
    { id: 'catch', type: 'catch', z: 'tab', name: '', scope: ['itemget'], uncaught: false, wires: [['sink-error']] },
    { id: 'sink-error', type: 'bench-sink', z: 'tab', name: '', driver: 'driver', role: 'error', wires: [] },
  ];
}

async function run({ rounds, seconds, warmupSeconds, profileDir, packageRoot }) {
  const children = {};
  let standIn;
  try {
    log('endpoint: starting the Plaid stand-in, Node-RED (plaid-item-get), the got loop and the SDK loop');
    standIn = await startChild('standin-child.js', { name: 'plaid-standin', init: {} });
    const baseUrl = `http://127.0.0.1:${standIn.info.port}`;
    children.ours = await startChild('nodered-child.js', {
      name: 'nodered-endpoint',
      profileDir,
      init: { packageRoot, flows: flows(baseUrl), credentials: { cfg: CREDENTIALS }, waitFor: ['driver', 'itemget', 'sink', 'sink-error'] },
    });
    children.got = await startChild('loop-child.js', { name: 'got-loop', profileDir, init: { mode: 'got', baseUrl, ...CREDENTIALS } });
    children.sdk = await startChild('loop-child.js', { name: 'sdk-loop', profileDir, init: { mode: 'sdk', baseUrl, ...CREDENTIALS } });

    const totals = { ours: 0, got: 0, sdk: 0 };
    const drive = async (side, warmupMs, durationMs) => {
      const load = foreignLoad(benchPids);
      const args = { concurrency: CONCURRENCY, warmupMs, durationMs, payload: PAYLOAD, driver: 'driver' };
      const result = await children[side].call('drive', args);
      if (result.totalFailed || result.inFlightLeft) {
        throw new Error(`endpoint ${side}: ${result.totalFailed} calls failed, ${result.inFlightLeft} still in flight after the run`);
      }
      totals[side] += result.totalCompleted;
      return { rate: result.completed / result.seconds, foreign: load.stop(), cpuPerOp: result.cpuUs / result.completed };
    };
    for (const side of Object.keys(children)) await drive(side, 0, warmupSeconds * 3000);
    const result = await sideBySide({
      sides: ['ours', 'got', 'sdk'],
      rounds,
      measure: (side) => drive(side, warmupSeconds * 1000, seconds * 1000),
    });
    // Nothing lost or repeated: the stand-in saw exactly one request per completed call (plus one wiring check by
    // each loop process), and none it would refuse.
    const seen = await standIn.call('counts');
    const expected = totals.ours + totals.got + totals.sdk + 2;
    if (seen.requests !== expected || seen.bad) {
      throw new Error(`endpoint: the stand-in saw ${seen.requests} requests (${seen.bad} bad), the sides completed ${expected}`);
    }

    const { medianRate, medianRatio, medianCpu, medianCpuRatio, ratios, rates, foreign } = result;
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
      ],
      details: [
        `Per round (calls/s): ours ${rates.ours.map(fmtRate).join(', ')}; got ${rates.got.map(fmtRate).join(', ')}; SDK ${rates.sdk.map(fmtRate).join(', ')}.`,
        `Per-round ratios: vs got ${ratios.got.map(fmtRatio).join(', ')}; vs SDK ${ratios.sdk.map(fmtRatio).join(', ')}.`,
        `CPU time of the calling process per call (median): ours ${medianCpu.ours.toFixed(0)} µs, got ${medianCpu.got.toFixed(0)} µs, SDK ${medianCpu.sdk.toFixed(0)} µs.`,
        `No call failed, none was left in flight; the stand-in saw exactly one request per completed call (${seen.requests.toLocaleString('en-US')} in all: ${totals.ours.toLocaleString('en-US')} from plaid-item-get, ${totals.got.toLocaleString('en-US')} from got, ${totals.sdk.toLocaleString('en-US')} from the SDK, and 2 wiring checks), so no retry and no lost message.`,
        foreignNote(foreign),
      ],
    };
  } finally {
    for (const child of Object.values(children)) await child.stop();
    await standIn?.stop();
  }
}

const method = `Loopback only; every side and the stand-in run in processes of their own. The stand-in is a minimal \`node:http\` server answering \`POST /item/get\` with a canned /item/get response (about 650 bytes, a fresh request_id each time). **Ours**: an embedded Node-RED (set up as in benchmark 1) with a helper \`bench-driver\` node → \`plaid-item-get\` (config node: custom base URL = the stand-in, default timeout and retries; access_token from \`msg.payload.access_token\`) → a helper \`bench-sink\` node (and a \`catch\` node on plaid-item-get → sink, counting failures). The harness keeps ${CONCURRENCY} messages in flight: each message reaching the sink releases the next one, so what is counted is whole messages through the runtime and the node: property evaluation, the request through the package's got client (keep-alive agent), the parsed answer on \`msg.payload\`, Node-RED's message passing. **got**: ${CONCURRENCY} async workers, each \`await got.post(url, {json, headers, agent: keep-alive}).json()\` in a loop. **SDK**: ${CONCURRENCY} workers, each \`await new PlaidApi(new Configuration({basePath, baseOptions: {headers}})).itemGet({access_token})\` in a loop (axios on Node's global keep-alive agent). Each process counts the calls completed in the measured window after its own warm-up; rounds rotate the order; medians and median per-round ratios as in benchmark 1. Any failed call fails the benchmark, and the stand-in's request count must equal the completed calls.`;

module.exports = { run, method };
