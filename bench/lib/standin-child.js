'use strict';
// A minimal loopback JSON server: reads each POST body, parses it as JSON, answers a canned JSON body with a fresh
// request_id. Two uses: the Plaid stand-in of the endpoint benchmark (POST /item/get answered with an /item/get
// response; the endpoint node, got and the SDK all call it), and the bare node:http JSON server the emulator is
// compared with (the canned body then is the emulator's own /item/get answer).
const http = require('node:http');
const { serveChild } = require('./child');
const { withBody } = require('../../test/support/read-body');

const ITEM_GET_ANSWER = {
  item: {
    available_products: ['assets', 'auth', 'balance', 'identity', 'investments', 'liabilities'],
    billed_products: ['transactions'],
    products: ['transactions'],
    consented_products: ['transactions'],
    consent_expiration_time: null,
    error: null,
    institution_id: 'ins_109508',
    institution_name: 'First Platypus Bank',
    item_id: 'DWVAAPWq4RHGlEaNyGKRTAnPLaEmo8Cvq7na6',
    update_type: 'background',
    webhook: 'https://www.genericwebhookurl.com/webhook',
    auth_method: null,
    created_at: '2024-01-01T00:00:00Z',
  },
  status: {
    transactions: { last_successful_update: '2024-01-01T00:00:00Z', last_failed_update: null },
    last_webhook: null,
  },
  request_id: '',
};

let server;
let requests = 0;
let bad = 0;
/** Connections accepted: a client keeping its connections alive opens one per call in flight, not one per call. */
let connections = 0;

serveChild({
  async init({ path = '/item/get', answer = ITEM_GET_ANSWER }) {
    let sequence = 0;
    server = http.createServer(withBody((req, res, raw) => {
      requests++;
      let ok = req.method === 'POST' && req.url === path;
      try {
        const body = JSON.parse(raw.toString('utf8'));
        ok = ok && typeof body.access_token === 'string';
      } catch {
        ok = false;
      }
      if (!ok) {
        bad++;
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error_type":"INVALID_REQUEST","error_code":"INVALID_BODY","error_message":"bad request","display_message":null,"request_id":"standin"}');
        return;
      }
      const text = JSON.stringify({ ...answer, request_id: `standin${(sequence++).toString(36)}` });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    }));
    server.on('connection', () => connections++);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', 4096, resolve));
    return { port: /** @type {import('node:net').AddressInfo} */ (server.address()).port };
  },
  commands: {
    counts: () => ({ requests, bad, connections }),
  },
  async stop() {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  },
});
