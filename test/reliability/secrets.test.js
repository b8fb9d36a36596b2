'use strict';
// Secrets: the example flows, end to end (as `npm start` deploys them: every example on one tab, their webhook nodes
// merged), in an embedded Node-RED logging at trace level, with a recognisable client secret and the emulator's
// access tokens. Four rounds: clean, under injected faults (429, 500, timeouts), with a Plaid that echoes the
// request's tokens and secret back in its error texts, and with Plaid unreachable. Then every token the emulator
// issued (seen on the wire by a recording proxy, plus its state) and the secret are searched for in: the runtime's
// log, the debug sidebar and node statuses (the editor's comms socket), the /flows export, every msg.error (and the
// Plaid error in msg.plaid) a Catch node received, and the notifications the flows sent. Zero occurrences; masked
// forms such as access-sandbox-…1234 are fine.
const assert = require('node:assert/strict');
const { start } = require('../../dist/emulator');
const { demoFlow, loadExamples } = require('../../scripts/demo-flow');
const { RedChild, recordFunc } = require('./support/child');
const { TapProxy } = require('./support/tap-proxy');
const { until, sleep, json, report } = require('./support/util');

const SECRET = 'SECRET-CANARY-7c1e9a4b2f0d4e11';
const CLIENT_ID = 'reliability-secrets-client';
const TOKEN = /\b(?:access|public)-sandbox-[0-9a-f-]{36}\b/g;
const examples = Object.fromEntries(loadExamples().map(({ file, nodes }) => [file.slice(0, 2), nodes]));
const named = (key, type, name) => examples[key].find((n) => n.type === type && n.name === name).id;
const INJECT = {
  link: named('01', 'inject', 'Link a new sandbox Item'), error: named('08', 'inject', 'Break the login of a new Item'),
  revoke: named('03', 'inject', 'Revoke the permission'), reconsent: named('08', 'inject', 'Warn of a disconnect'),
  rotate: named('05', 'inject', 'Rotate the access token'), move: named('06', 'inject', 'Move the webhook to a new URL'),
  verify: named('07', 'inject', "Expire a new Item's account verification"),
};
const ITEM_DEBUG = named('01', 'debug', 'Item');
const ROTATED_DEBUG = named('05', 'debug', 'rotated');
// A random key: the store refuses one with too little entropy (all one byte, say).
const STORE_KEY = require('../../dist/plaid/store/cipher').generateStoreKey();

describe('reliability: no secret in logs, debug output, statuses, /flows or msg.error', function () {
  this.timeout(240000);
  let emulator;
  let tap;
  let red;
  let comms;
  let flows;
  const issued = new Set(); // every access/public token seen anywhere on the wire or in the emulator's state

  before(async () => {
    emulator = await start({ clientId: CLIENT_ID, secret: SECRET, timeFactor: 0.0001 });
    tap = await new TapProxy(emulator.url).listen();
    red = await RedChild.start({ label: 'secrets', logLevel: 'trace' });
    comms = await red.comms();
  });

  after(async () => {
    if (comms) comms.close();
    if (red) await red.stop();
    if (tap) await tap.destroy();
    if (emulator) await emulator.stop();
  });

  const state = () => emulator.state();
  const globalValue = async (key) => {
    const { body } = await json(`${red.url}/context/global/${key}`);
    if (!body || body.format === 'undefined' || body.msg === undefined) return undefined;
    return body.format.startsWith('string') ? body.msg : JSON.parse(body.msg);
  };
  const collect = () => {
    for (const x of tap.exchanges) for (const t of `${x.requestText} ${x.responseText || ''}`.match(TOKEN) || []) issued.add(t);
    for (const item of state().items) if (item.access_token) issued.add(item.access_token);
  };

  /** The demo flow of every example, pointed at the proxy, plus a Catch that records msg.error and logs it. */
  function deployable() {
    const made = demoFlow({ environment: 'custom', baseUrl: tap.url, webhookBase: red.url });
    const nodes = made.flows;
    const config = nodes.find((n) => n.id === made.configId);
    Object.assign(config, { timeout: '1000', retries: '2', credentials: { clientId: CLIENT_ID, secret: SECRET } });
    Object.assign(nodes.find((n) => n.id === made.storeId), { credentials: { encryptionKey: STORE_KEY } });
    const tab = nodes.find((n) => n.type === 'tab').id;
    nodes.push(
      { id: 'secrets-catch', z: tab, type: 'catch', scope: null, uncaught: false, x: 100, y: 2000, wires: [['secrets-rec', 'secrets-log']] },
      { id: 'secrets-rec', z: tab, type: 'function', name: 'record msg.error', outputs: 1, x: 300, y: 2000, wires: [[]],
        func: recordFunc('caught', '{ error: msg.error, plaidError: msg.plaid && msg.plaid.error, source: msg.error && msg.error.source }') },
      { id: 'secrets-log', z: tab, type: 'debug', name: 'msg.error to the log', active: true, tosidebar: true, console: true, tostatus: true,
        complete: 'error', targetType: 'msg', statusVal: 'error', statusType: 'auto', x: 300, y: 2040, wires: [] },
    );
    return nodes;
  }

  async function deploy() {
    flows = deployable();
    await red.deploy(flows, 'full');
    await until('the webhook route', async () => (await red.probe()).routes === 1, 15000);
  }

  /** Waits until no call to Plaid has been in flight for `ms`. */
  async function apiQuiet(ms = 1500, timeoutMs = 30000) {
    await until('Plaid calls to settle', () => {
      const last = tap.exchanges[tap.exchanges.length - 1];
      return tap.pending === 0 && (!last || (last.endedAt && Date.now() - last.endedAt > ms));
    }, timeoutMs, 100);
    await emulator.deliveriesSettled();
  }

  async function linkItem() {
    const shown = comms.messages.filter((m) => m.topic === 'debug' && m.data.id === ITEM_DEBUG).length;
    await red.inject(INJECT.link);
    return until('an Item linked, kept and read back', () => {
      const last = comms.messages.filter((m) => m.topic === 'debug' && m.data.id === ITEM_DEBUG)[shown];
      return last && state().items.find((i) => last.data.msg.startsWith(`Item ${i.item_id} `));
    }, 20000, 100);
  }

  /** The notices the flows' "notify the user" steps showed, as the demo's outbox kept them. */
  const notices = async () => (await json(`${red.url}/demo/outbox?format=json`)).body.notifications;

  const caught = async () => (await red.records()).filter((r) => r.kind === 'caught');

  it('round 1, clean: every example runs end to end', async () => {
    await deploy();
    const item = await linkItem();
    await red.inject(INJECT.error);
    await until('a repair link sent', async () => (await notices()).some((n) => n.kind === 'repair' && n.url.startsWith('http')), 20000);
    await red.inject(INJECT.reconsent);
    await until('PENDING_DISCONNECT notified with its deadline', async () => (await notices()).some((n) => n.deadline), 20000);
    // Rotate works on a healthy Item, or on one it links first: its debug node says which was rotated.
    const rotatedShown = comms.messages.filter((m) => m.topic === 'debug' && m.data.id === ROTATED_DEBUG).length;
    await red.inject(INJECT.rotate);
    await until('a token rotated', () => comms.messages.filter((m) => m.topic === 'debug' && m.data.id === ROTATED_DEBUG).length > rotatedShown, 20000);
    await red.inject(INJECT.move);
    await until('the webhook move acknowledged', async () => Object.keys((await globalValue('plaid_webhooks')) || {}).length > 0, 20000);
    await red.inject(INJECT.verify);
    await until('an account set to verification_expired', () => state().items.some((i) => i.accounts.some((a) => a.verification_status === 'verification_expired')), 20000);
    await red.inject(INJECT.revoke);
    await until('the revoked Item removed', () => state().items.some((i) => i.removed), 20000);
    assert.ok(item.item_id);
    await apiQuiet();
    collect();
    assert.deepEqual(await caught(), [], 'no errors in the clean round');
  });

  it('round 2, faults: 429s, 500s and answers past the timeout end in caught errors', async () => {
    await linkItem();
    emulator.setFaults({ rateLimit: 0.3, serverError: 0.3, delay: 0.3, delayMs: 1500, retryAfterSeconds: 0, seed: 7 });
    for (let i = 0; i < 3; i++) {
      for (const id of [INJECT.link, INJECT.rotate, INJECT.error, INJECT.verify, INJECT.reconsent]) await red.inject(id);
      await sleep(300); // pacing: three bursts of clicks
    }
    await apiQuiet(2000, 60000);
    emulator.setFaults({});
    collect();
    assert.ok((await caught()).length >= 3, 'the faults produced caught errors');
  });

  it('round 3, a Plaid that echoes the request\'s tokens and the secret in its error texts', async () => {
    await linkItem();
    tap.intercept = (x, req) => {
      const echoed = [x.request && x.request.access_token, x.request && x.request.public_token, req.headers['plaid-secret'], req.headers['plaid-client-id']].filter(Boolean).join(' / ');
      if (x.path === '/item/access_token/invalidate') {
        return { status: 502, headers: { 'content-type': 'text/html' }, body: `<html>bad gateway for ${echoed}</html>` };
      }
      return {
        status: 400,
        body: JSON.stringify({
          error_type: 'INVALID_INPUT', error_code: 'INVALID_ACCESS_TOKEN', error_message: `could not find matching access token: ${echoed}`,
          display_message: `token ${echoed} is not valid`, request_id: 'echo-request', causes: [], status: 400,
        }),
      };
    };
    // Each example works on Items it linked itself: 06 still has its healthy Item from round 1, so its call sends a token.
    for (const id of [INJECT.rotate, INJECT.error, INJECT.verify, INJECT.reconsent, INJECT.move, INJECT.link]) await red.inject(id);
    // A webhook under a new key: the key fetch gets the echoing error, the delivery a 503 (logged with its reason).
    emulator.rotateKey();
    const item = state().items.filter((i) => !i.removed).pop();
    emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'NEW_ACCOUNTS_AVAILABLE', webhook: `${red.url}/plaid/webhook` });
    await until('the delivery refused', () => emulator.deliveries[emulator.deliveries.length - 1].attempts.some((a) => a.status === 503), 20000);
    await apiQuiet();
    tap.intercept = undefined;
    await emulator.deliveriesSettled();
    collect();
    const echoedErrors = (await caught()).filter((r) => /could not find matching access token|without a Plaid error body/.test(JSON.stringify(r.data)));
    assert.ok(echoedErrors.length >= 3, 'the echoing answers reached msg.error');
  });

  it('round 4, Plaid unreachable: refused calls end in caught errors', async () => {
    const item = await linkItem();
    await tap.close();
    for (const id of [INJECT.rotate, INJECT.error, INJECT.link]) await red.inject(id);
    emulator.rotateKey();
    emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'LOGIN_REPAIRED', webhook: `${red.url}/plaid/webhook` });
    await until('the refused calls caught', async () => (await caught()).filter((r) => /refused/.test(r.data.error.message)).length >= 3, 30000, 200);
    await tap.listen();
    await emulator.deliveriesSettled();
    await apiQuiet();
    collect();
  });

  it('no token and no secret anywhere: log, debug sidebar, statuses, /flows, msg.error, notifications', async () => {
    // Round 4 ended with Plaid's calls and the webhooks settled: what the rounds wrote is all there.
    await apiQuiet();
    collect();
    const tokens = [...issued];
    const accessTokens = tokens.filter((t) => t.startsWith('access-'));
    assert.ok(accessTokens.length >= 5, `tokens were in play (${accessTokens.length} access tokens)`);
    assert.ok(tap.exchanges.length > 0 && tap.exchanges.every((x) => !x.requestText.includes(SECRET)), 'the secret travels in a header only');

    const records = await caught();
    const debugMessages = comms.messages.filter((m) => m.topic === 'debug');
    const statuses = comms.messages.filter((m) => /^status\//.test(m.topic));
    const haystacks = {
      'runtime log (stdout+stderr)': red.output,
      'debug sidebar (comms debug)': JSON.stringify(debugMessages),
      'node statuses (comms status/#)': JSON.stringify(statuses),
      'other comms topics': JSON.stringify(comms.messages.filter((m) => m.topic !== 'debug' && !/^status\//.test(m.topic))),
      '/flows export': await red.flowsText(),
      'msg.error and msg.plaid.error (Catch)': JSON.stringify(records.map((r) => [r.data.error, r.data.plaidError])),
      notifications: JSON.stringify(await notices()),
    };
    // The secret, the tokens, and the random part of each token on its own.
    const needles = [SECRET, 'CANARY', ...tokens, ...tokens.map((t) => t.replace(/^(access|public)-sandbox-/, ''))];
    const found = [];
    for (const [where, text] of Object.entries(haystacks)) {
      for (const needle of needles) if (text.includes(needle)) found.push(`${where}: ${needle.slice(0, 24)}…`);
    }
    const masked = Object.fromEntries(Object.entries(haystacks).map(([where, text]) => [where, (text.match(/(access|public)-sandbox-…[0-9a-f]{4}/g) || []).length]));
    report('secrets', {
      accessTokens: accessTokens.length, publicTokens: tokens.length - accessTokens.length, plaidCalls: tap.exchanges.length,
      caughtErrors: records.length, debugMessages: debugMessages.length, statusUpdates: statuses.length,
      logBytes: red.output.length, notifications: (await notices()).length, maskedTokensShown: masked, found: found.length,
    });
    // (control) the needles do find tokens where they are: in the requests to Plaid, the one place they travel.
    const wire = tap.exchanges.map((x) => x.requestText).join('\n');
    assert.ok(accessTokens.some((t) => wire.includes(t)), 'the search finds a token where one is');
    assert.deepEqual(found, [], 'secrets found');
    assert.ok(debugMessages.length > 0 && statuses.length > 0 && records.length > 0, 'every place searched had content');
    assert.ok(Object.values(masked).reduce((a, b) => a + b, 0) > 0, 'echoed tokens were shown masked');
  });
});
