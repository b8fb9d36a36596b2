'use strict';
// The endpoint benchmark's baselines, each in a process of its own like the Node-RED side: N concurrent workers,
// each calling /item/get on the stand-in in a loop, the way an operator would without this package.
//   got: got.post(...).json() with a keep-alive agent, nothing else (a common HTTP client; ours is Node's own http).
//   sdk: the official plaid SDK's PlaidApi.itemGet with a Configuration pointing at the stand-in (axios, Node's
//        global agent, which keeps connections alive on Node >= 19).
const http = require('node:http');
const { serveChild } = require('./child');
const { countWindow } = require('./window');

let call;

async function init({ mode, baseUrl, clientId, secret }) {
  const headers = { 'PLAID-CLIENT-ID': clientId, 'PLAID-SECRET': secret, 'Plaid-Version': '2020-09-14' };
  if (mode === 'got') {
    const { default: got } = await import('got');
    const agent = { http: new http.Agent({ keepAlive: true }) };
    call = (accessToken) => got.post(`${baseUrl}/item/get`, { json: { access_token: accessToken }, headers, agent }).json();
  } else if (mode === 'sdk') {
    const { Configuration, PlaidApi } = require('plaid');
    const client = new PlaidApi(new Configuration({ basePath: baseUrl, baseOptions: { headers: { 'PLAID-CLIENT-ID': clientId, 'PLAID-SECRET': secret } } }));
    call = async (accessToken) => (await client.itemGet({ access_token: accessToken })).data;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  // One call to check the wiring before any measurement.
  const answer = await call('access-sandbox-bench');
  if (!answer?.item?.item_id) throw new Error(`${mode}: unexpected /item/get answer`);
  return { pid: process.pid };
}

/** Same contract as nodered-child's drive: `concurrency` calls in flight, counted over `durationMs` after `warmupMs`. */
function drive({ concurrency, warmupMs, durationMs, payload }) {
  return new Promise((resolve) => {
    let completed = 0;
    let failed = 0;
    let inFlight = 0;
    let stopping = false;
    let counted;
    const worker = async () => {
      while (!stopping) {
        inFlight++;
        try {
          const answer = await call(payload.access_token);
          if (answer.item) completed++;
          else failed++;
        } catch {
          failed++;
        }
        inFlight--;
      }
      if (inFlight === 0 && counted) resolve({ ...counted, inFlightLeft: 0, totalCompleted: completed, totalFailed: failed });
    };
    const stop = (window) => {
      counted = window;
      stopping = true;
    };
    countWindow({ warmupMs, durationMs, tally: () => ({ completed, failed }), done: stop });
    for (let i = 0; i < concurrency; i++) void worker();
  });
}

serveChild({ init, commands: { drive } });
