'use strict';
// 5. Emulator: /item/get calls per second answered by the package's Plaid emulator, against a bare node:http JSON
// server answering the same bytes. No goal: the emulator is a test tool; this says what load it takes.
const { startChild } = require('./lib/child');
const { assertClean, blast } = require('./lib/load');
const { fmtRate, fmtRatio, foreignNote, loadGenNote, log, sideBySide } = require('./lib/stats');

const CONNECTIONS = 32;

async function run({ rounds, seconds, warmupSeconds, profileDir, packageRoot }) {
  let emulator;
  let bare;
  try {
    log('emulator: starting the emulator and a bare node:http JSON server');
    emulator = await startChild('emulator-child.js', { name: 'emulator', profileDir, init: { packageRoot } });
    const { url, clientId, secret, accessToken } = emulator.info;
    const request = {
      body: Buffer.from(JSON.stringify({ access_token: accessToken })),
      headers: { 'content-type': 'application/json', 'plaid-client-id': clientId, 'plaid-secret': secret, 'plaid-version': '2020-09-14' },
    };
    // The bare server answers what the emulator answers (its request_id aside).
    const sample = await fetch(`${url}/item/get`, { method: 'POST', headers: request.headers, body: request.body });
    if (sample.status !== 200) throw new Error(`emulator: /item/get answered ${sample.status}`);
    const answer = await sample.json();
    bare = await startChild('standin-child.js', { name: 'bare-json', profileDir, init: { path: '/item/get', answer } });
    const urls = { emulator: `${url}/item/get`, bare: `http://127.0.0.1:${bare.info.port}/item/get` };
    const pids = { emulator: emulator.pid, bare: bare.pid };
    const pool = [request];
    for (const side of Object.keys(urls)) assertClean(`emulator warm-up ${side}`, await blast({ url: urls[side], pool, connections: CONNECTIONS, seconds: warmupSeconds * 3 }));
    const result = await sideBySide({
      sides: ['emulator', 'bare'],
      rounds,
      async measure(side) {
        assertClean(`emulator ${side}`, await blast({ url: urls[side], pool, connections: CONNECTIONS, seconds: warmupSeconds }));
        const measured = await blast({ url: urls[side], pool, connections: CONNECTIONS, seconds, serverPid: pids[side] });
        assertClean(`emulator ${side}`, measured);
        return measured;
      },
    });
    const { medianRate, medianRatio, medianCpuRatio, ratios, rates, foreign } = result;
    return {
      rows: [{
        benchmark: '5. Emulator: /item/get answered per second vs a bare node:http JSON server',
        ours: `${fmtRate(medianRate.emulator)}/s`, baseline: `${fmtRate(medianRate.bare)}/s`,
        ratio: medianRatio.bare, cpuRatio: medianCpuRatio.bare, goal: '— (reported)', met: null,
      }],
      details: [
        `Per round (calls/s): emulator ${rates.emulator.map(fmtRate).join(', ')}; bare ${rates.bare.map(fmtRate).join(', ')}; per-round ratios ${ratios.bare.map(fmtRatio).join(', ')}.`,
        `Each answer ${Buffer.byteLength(JSON.stringify(answer))} bytes; every request answered 200 by both. At these rates the load generator itself is close to a full core, which squeezes the throughput ratio towards 1; the CPU-cost ratio (server CPU per answer) is the better measure here.`,
        loadGenNote(result.loadGen),
        foreignNote(foreign),
      ],
    };
  } finally {
    await emulator?.stop();
    await bare?.stop();
  }
}

const method = `The emulator (\`require('./dist/emulator').start({port: 0, itemGetLimitPerMinute: 0})\`, one Item created) in a child process, against a bare \`node:http\` server in another that reads the body, parses it and answers the emulator's own /item/get answer (captured once, same size). autocannon, ${CONNECTIONS} keep-alive connections, the same request (credentials in headers, the Item's access_token) to both; the emulator does its full work (auth, field checks, state lookup, fault draw, request_id). Rounds, rotation and medians as in benchmark 1. No goal: reported for sizing test suites.`;

module.exports = { run, method };
