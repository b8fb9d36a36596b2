'use strict';
// Every endpoint node inside a real Node-RED runtime, talking HTTP to a spec-checking Plaid stand-in.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { ENDPOINTS } = require('../../dist/plaid/endpoints');
const { standInForSuite, plaidError, CLIENT_ID, SECRET } = require('../support/plaid-stand-in');
const { validateResponse } = require('../support/openapi');
const { helper, deploy, configFor } = require('../support/red');
const { until } = require('../support/until');
const { startChild } = require('../../bench/lib/child');

const credentials = { cfg: { clientId: CLIENT_ID, secret: SECRET } };

/** A valid value for each request field, by Plaid's name. */
function sample(name) {
  switch (name) {
    case 'access_token': return `access-sandbox-${crypto.randomUUID()}`;
    case 'public_token': return `public-sandbox-${crypto.randomUUID()}`;
    case 'institution_id': return 'ins_109508';
    case 'initial_products': return ['transactions'];
    case 'account_id': return 'acc-1';
    case 'verification_status': return 'automatically_verified';
    case 'webhook_code': return 'DEFAULT_UPDATE';
    case 'client_name': return 'Plaidflow tests';
    case 'language': return 'en';
    case 'country_codes': return ['US'];
    case 'client_user_id': return 'user-1';
    case 'products': return ['transactions'];
    case 'link_token': return `link-sandbox-${crypto.randomUUID()}`;
    default: throw new Error(`no sample for ${name}`);
  }
}

/** The fields sent in the endpoint's default mode (all of them for an endpoint without modes). */
const sentByDefault = (endpoint) => endpoint.fields.filter((f) => !f.mode || f.mode === endpoint.mode.default.value);

function requiredPayload(endpoint) {
  return Object.fromEntries(sentByDefault(endpoint).filter((f) => f.required).map((f) => [f.name, sample(f.name)]));
}

/** Flat field values as Plaid's body: a field `in` an object goes into it (user.client_user_id). */
function asBody(endpoint, values) {
  const body = {};
  for (const f of endpoint.fields) {
    if (!Object.hasOwn(values, f.name)) continue;
    if (f.in) body[f.in] = { ...body[f.in], [f.name]: values[f.name] };
    else body[f.name] = values[f.name];
  }
  return body;
}

/** What the node's default settings add to a payload's body: a section switched on by default (Hosted Link). */
function defaultSections(endpoint) {
  return Object.fromEntries(endpoint.fields.filter((f) => f.kind === 'section' && f.default.value === 'true').map((f) => [f.name, {}]));
}

/** Node properties that leave every field unset, so only msg.payload counts. */
function blankFields(endpoint) {
  return Object.fromEntries(endpoint.fields.flatMap((f) => [[f.name, ''], [`${f.name}Type`, 'str']]));
}

describe('endpoint nodes', function () {
  const suite = standInForSuite(helper);

  for (const endpoint of ENDPOINTS) {
    describe(endpoint.type, function () {
      const node = (props = {}) => ({ id: 'n1', type: endpoint.type, name: '', plaid: 'cfg', wires: [['out']], ...props });

      it('sends the payload fields it knows and outputs Plaid\'s answer untouched', async () => {
        const red = await deploy({ nodes: [node()], config: configFor(suite.plaid.url), credentials });
        const payload = requiredPayload(endpoint);
        red.node('n1').receive({ payload: { ...payload, unrelated: 'kept out of the request' }, topic: 't' });
        const [outcome] = await red.waitFor(1);
        assert.equal(outcome.kind, 'output');
        assert.deepEqual(suite.plaid.callsTo(endpoint.path).map((r) => r.body), [{ ...asBody(endpoint, payload), ...defaultSections(endpoint) }]);
        assert.deepEqual(validateResponse(endpoint.path, outcome.msg.payload), []);
        assert.match(outcome.msg.payload.request_id, /^[0-9a-f]{16}$/);
        assert.deepEqual(outcome.msg.plaid, { endpoint: endpoint.path, request_id: outcome.msg.payload.request_id, status: 200, attempts: 1 });
        assert.equal(outcome.msg.topic, 't', 'the incoming message is reused');
        assert.equal(red.outcomes.length, 1);
      });

      it('ends a Plaid error at a Catch node with Plaid\'s error object', async () => {
        const red = await deploy({ nodes: [node()], config: configFor(suite.plaid.url), credentials });
        const code = endpoint.fields.some((f) => f.name === 'access_token') ? 'INVALID_ACCESS_TOKEN' : 'INVALID_INPUT_X';
        const error = plaidError('INVALID_INPUT', code, 'could not find matching token');
        suite.plaid.script(endpoint.path, { status: 400, body: error });
        const payload = requiredPayload(endpoint);
        red.node('n1').receive({ payload });
        const outcomes = await red.waitFor(1);
        assert.equal(outcomes.length, 1);
        const [{ kind, msg }] = outcomes;
        assert.equal(kind, 'error');
        assert.deepEqual(validateResponse(endpoint.path, error, false), []);
        assert.deepEqual(msg.plaid.error, error);
        assert.equal(msg.plaid.status, 400);
        assert.equal(msg.plaid.attempts, 1, 'a 4xx other than 429 is never retried');
        assert.equal(msg.plaid.request_id, error.request_id);
        assert.match(msg.error.message, new RegExp(code));
        assert.deepEqual(msg.payload, payload, 'the request is still on the message for the Catch flow');
        assert.equal(suite.plaid.callsTo(endpoint.path).length, 1);
      });

      it('falls back to the node\'s typedInput settings for fields absent from msg.payload', async () => {
        const values = requiredPayload(endpoint);
        const props = blankFields(endpoint);
        for (const name of Object.keys(values)) Object.assign(props, { [name]: `req.${name}`, [`${name}Type`]: 'msg' });
        const red = await deploy({ nodes: [node(props)], config: configFor(suite.plaid.url), credentials });
        red.node('n1').receive({ payload: 'not an object', req: values });
        const [outcome] = await red.waitFor(1);
        assert.equal(outcome.kind, 'output');
        assert.deepEqual(suite.plaid.callsTo(endpoint.path).map((r) => r.body), [asBody(endpoint, values)]);
      });

      it('refuses a message missing a required field, before any call', async () => {
        const red = await deploy({ nodes: [node(blankFields(endpoint))], config: configFor(suite.plaid.url), credentials });
        const required = sentByDefault(endpoint).filter((f) => f.required).map((f) => f.name);
        red.node('n1').receive({ payload: {} });
        const outcomes = await red.waitFor(1);
        assert.equal(outcomes.length, 1);
        assert.equal(outcomes[0].kind, 'error');
        for (const name of required) assert.match(outcomes[0].msg.error.message, new RegExp(name));
        assert.equal(suite.plaid.requests.length, 0);
      });

      if (endpoint.sandboxOnly) {
        it('refuses a production config locally', async () => {
          const red = await deploy({ nodes: [node()], config: configFor(suite.plaid.url, { environment: 'production' }), credentials });
          red.node('n1').receive({ payload: requiredPayload(endpoint) });
          const outcomes = await red.waitFor(1);
          assert.equal(outcomes[0].kind, 'error');
          assert.match(outcomes[0].msg.error.message, /sandbox-only.*production.*not sent/);
          assert.equal(suite.plaid.requests.length, 0);
        });
      }
    });
  }

  describe('request fields', function () {
    const webhookUpdate = (props = {}) => ({ id: 'n1', type: 'plaid-item-webhook-update', plaid: 'cfg', wires: [['out']], ...props });

    it('sends webhook: null to remove a webhook, and leaves an absent webhook out', async () => {
      const red = await deploy({ nodes: [webhookUpdate()], config: configFor(suite.plaid.url), credentials });
      red.node('n1').receive({ payload: { access_token: sample('access_token'), webhook: null } });
      red.node('n1').receive({ payload: { access_token: sample('access_token') } });
      await red.waitFor(2);
      const bodies = suite.plaid.callsTo('/item/webhook/update').map((r) => r.body);
      assert.equal(bodies.filter((b) => b.webhook === null).length, 1);
      assert.equal(bodies.filter((b) => !('webhook' in b)).length, 1);
    });

    it('sends a webhook given as a path on the config node\'s webhook base URL; a whole URL as it is', async () => {
      const payloadOptions = { webhook: '/plaid/webhook/from-payload' };
      const red = await deploy({
        nodes: [
          webhookUpdate({ webhook: '/plaid/webhook/06?v=1', webhookType: 'str' }),
          { id: 'n2', type: 'plaid-sandbox-public-token-create', plaid: 'cfg', wires: [['out']] },
          {
            id: 'n3', type: 'plaid-link-token-create', plaid: 'cfg', wires: [['out']], mode: 'new', modeType: 'enum', client_name: 'Plaidflow tests', client_nameType: 'str',
            webhook: '/plaid/webhook/new', webhookType: 'str',
          },
        ],
        config: configFor(suite.plaid.url, { webhookUrl: 'https://nodered.example.com/' }),
        credentials,
      });
      red.node('n1').receive({ payload: { access_token: sample('access_token') } });
      red.node('n1').receive({ payload: { access_token: sample('access_token'), webhook: 'https://elsewhere.example.com/hook' } });
      red.node('n2').receive({ payload: { options: payloadOptions } });
      red.node('n3').receive({ payload: { client_user_id: 'user-1' } });
      await red.waitFor(4);
      assert.deepEqual(suite.plaid.callsTo('/item/webhook/update').map((r) => r.body.webhook).sort(), ['https://elsewhere.example.com/hook', 'https://nodered.example.com/plaid/webhook/06?v=1']);
      assert.equal(suite.plaid.callsTo('/sandbox/public_token/create')[0].body.options.webhook, 'https://nodered.example.com/plaid/webhook/from-payload');
      assert.deepEqual(payloadOptions, { webhook: '/plaid/webhook/from-payload' }, 'the message\'s own object is left as it was');
      assert.equal(suite.plaid.callsTo('/link/token/create')[0].body.webhook, 'https://nodered.example.com/plaid/webhook/new');
    });

    it('without a webhook base URL, puts this Node-RED\'s own address in front; refuses one that is not a URL', async () => {
      const red = await deploy({ nodes: [webhookUpdate({ webhook: '/plaid/webhook', webhookType: 'str' })], config: configFor(suite.plaid.url), credentials });
      red.node('n1').receive({ payload: { access_token: sample('access_token') } });
      await red.waitFor(1);
      // The test runtime has no uiHost: Node-RED's default; its port is 1880, or the helper's server's once one listened.
      assert.match(suite.plaid.callsTo('/item/webhook/update')[0].body.webhook, /^http:\/\/127\.0\.0\.1:\d+\/plaid\/webhook$/);
      await helper.unload();

      const broken = await deploy({ nodes: [webhookUpdate()], config: configFor(suite.plaid.url, { webhookUrl: 'nodered.example.com' }), credentials });
      broken.node('n1').receive({ payload: { access_token: sample('access_token') } });
      const [outcome] = await broken.waitFor(1);
      assert.equal(outcome.kind, 'error');
      assert.match(outcome.msg.error.message, /^Error: item\/webhook\/update: correct the webhook base URL in the Plaid config node: "nodered\.example\.com" is not an http:\/\/ or https:\/\/ URL$/);
      assert.equal(suite.plaid.callsTo('/item/webhook/update').length, 1, 'nothing more sent');
    });

    it('reads a token from flow context keyed by a message property', async () => {
      const token = sample('access_token');
      const red = await deploy({
        nodes: [{ id: 'n1', type: 'plaid-item-get', plaid: 'cfg', wires: [['out']], access_token: 'tokens[msg.item_id]', access_tokenType: 'flow' }],
        config: configFor(suite.plaid.url),
        credentials,
      });
      red.node('n1').context().flow.set('tokens', { 'item-a': token });
      red.node('n1').receive({ payload: {}, item_id: 'item-a' });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'output');
      assert.equal(suite.plaid.callsTo('/item/get')[0].body.access_token, token);
    });

    it('takes enum, json and env settings', async () => {
      process.env.PLAID_TEST_ACCOUNT = 'acc-from-env';
      const red = await deploy({
        nodes: [{
          id: 'n1', type: 'plaid-sandbox-item-set-verification-status', plaid: 'cfg', wires: [['out']],
          access_token: 'payload.access_token', access_tokenType: 'msg',
          account_id: 'PLAID_TEST_ACCOUNT', account_idType: 'env',
          verification_status: 'verification_expired', verification_statusType: 'enum',
        }, {
          id: 'n2', type: 'plaid-sandbox-public-token-create', plaid: 'cfg', wires: [['out']],
          options: '{"override_username":"user_good","override_password":"pass_good"}', optionsType: 'json',
        }],
        config: configFor(suite.plaid.url),
        credentials,
      });
      const token = sample('access_token');
      red.node('n1').receive({ payload: { access_token: token } });
      red.node('n2').receive({ payload: {} });
      await red.waitFor(2);
      assert.deepEqual(suite.plaid.callsTo('/sandbox/item/set_verification_status')[0].body, {
        access_token: token, account_id: 'acc-from-env', verification_status: 'verification_expired',
      });
      assert.deepEqual(suite.plaid.callsTo('/sandbox/public_token/create')[0].body, {
        institution_id: 'ins_109508', initial_products: ['transactions'],
        options: { override_username: 'user_good', override_password: 'pass_good' },
      });
    });
  });

  describe('config node', function () {
    it('without credentials: its status says so at once; every message ends in an error that starts with what to do', async () => {
      const red = await deploy({ nodes: [{ id: 'n1', type: 'plaid-item-get', plaid: 'cfg', wires: [['out']] }], config: configFor(suite.plaid.url), credentials: {} });
      const statuses = () => helper._NodePrototype.status.getCalls().filter((call) => call.thisValue.id === 'n1').map((call) => call.args[0]);
      assert.deepEqual(statuses(), [{ fill: 'red', shape: 'ring', text: 'no credentials' }], 'before any message');
      red.node('n1').receive({ payload: { access_token: sample('access_token') } });
      const outcomes = await red.waitFor(1);
      assert.equal(outcomes[0].kind, 'error');
      assert.equal(outcomes[0].msg.error.message, 'Error: item/get: no client ID or secret: enter them in the Plaid config node "test"');
      assert.equal(suite.plaid.requests.length, 0);
      // The debug sidebar shows 80 characters of an error: for every endpoint they say what to do.
      for (const { label } of ENDPOINTS) assert.match(`Error: ${label}: no client ID or secret: enter them`.slice(0, 80), /enter them$/, label);
    });

    it('shares one keep-alive connection pool and closes it when the config node closes', async () => {
      const red = await deploy({
        nodes: [
          { id: 'n1', type: 'plaid-item-get', plaid: 'cfg', wires: [['out']] },
          { id: 'n2', type: 'plaid-item-remove', plaid: 'cfg', wires: [['out']] },
        ],
        config: configFor(suite.plaid.url),
        credentials,
      });
      for (let i = 0; i < 5; i++) {
        red.node('n1').receive({ payload: { access_token: sample('access_token') } });
        await red.waitFor(2 * i + 1);
        red.node('n2').receive({ payload: { access_token: sample('access_token') } });
        await red.waitFor(2 * i + 2);
      }
      assert.equal(suite.plaid.openSockets(), 1, 'ten sequential calls from two nodes reuse one socket');
      await helper.unload();
      await until('closing the config node to close its sockets', () => suite.plaid.openSockets() === 0, 5000);
    });

    it('keeps its connections under load: 2,000 calls, 32 at a time, over at most 32 connections', async function () {
      this.timeout(60000);
      // A busy runtime gets an answer before its request has finished writing; a client that then destroyed the
      // request would close the connection and open a new one for most calls (got 16 did: a TLS handshake each).
      // The answers come from another process, as Plaid's do: in this one they would come after the write finished.
      const plaid = await startChild('standin-child.js');
      try {
        const red = await deploy({ nodes: [{ id: 'n1', type: 'plaid-item-get', plaid: 'cfg', wires: [['out']] }], config: configFor(`http://127.0.0.1:${plaid.info.port}`), credentials });
        const CALLS = 2000;
        const CONCURRENCY = 32;
        let sent = 0;
        const ended = { output: 0, error: 0 };
        await new Promise((resolve) => {
          const send = () => {
            sent++;
            red.node('n1').receive({ payload: { access_token: sample('access_token') } });
          };
          // Each outcome sends the next message: 32 calls in flight all along.
          const ending = (kind) => () => {
            ended[kind]++;
            if (ended.output + ended.error === CALLS) resolve(undefined);
            else if (sent < CALLS) send();
          };
          helper.getNode('out').on('input', ending('output'));
          helper.getNode('caught').on('input', ending('error'));
          for (let i = 0; i < CONCURRENCY; i++) send();
        });
        assert.deepEqual(ended, { output: CALLS, error: 0 });
        const { requests, connections } = await plaid.call('counts');
        assert.equal(requests, CALLS);
        assert.ok(connections <= CONCURRENCY, `${connections} connections for ${CALLS} calls`);
      } finally {
        await plaid.stop();
      }
    });
  });
});
