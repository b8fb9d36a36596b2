'use strict';
// Faults: 1,000 messages through endpoint nodes while the emulator answers 30 % of calls with a 429, a 500 or a delay
// past the client's timeout. Every message must end exactly once (an output or a Catch), and no Plaid-side effect may
// be doubled. A recording proxy between Node-RED and the emulator sees every attempt and what it did, so each
// message's effects are counted exactly and checked against the emulator's own counters.
//
// What an effect is: the emulator changed state for that attempt, i.e. it answered 200, or (phase B only, where the
// injected 500 comes after the effect) it answered the injected 500. A delayed attempt still takes effect after the
// client has given up: the proxy waits for the emulator's answer anyway.
const assert = require('node:assert/strict');
const { start } = require('../../dist/emulator');
const { helper, deploy, configFor } = require('../support/red');
const { TapProxy } = require('./support/tap-proxy');
const { startSink, until, tally, report } = require('./support/util');

const CLIENT_ID = 'reliability-faults-client';
const SECRET = 'reliability-faults-secret-4d1f';
const TIMEOUT_MS = 300;
const RETRIES = 2;
const DELAY_MS = 700; // past the timeout
const IN_FLIGHT = 64;

// Per phase (two phases: 500 before the effect, then 500 after it): 500 messages.
const MIX = { create: 100, remove: 75, invalidate: 75, fire: 75, update: 50, get: 125 };
const PER_PHASE = Object.values(MIX).reduce((a, b) => a + b, 0);

// Which node a message enters, and the path(s) it calls.
const ENTRY = { create: 'create', remove: 'remove', invalidate: 'invalidate', fire: 'fire', update: 'update', get: 'get' };
const PATHS = {
  '/sandbox/public_token/create': 'create',
  '/item/public_token/exchange': 'exchange',
  '/item/remove': 'remove',
  '/item/access_token/invalidate': 'invalidate',
  '/sandbox/item/fire_webhook': 'fire',
  '/item/webhook/update': 'update',
  '/item/get': 'get',
};
const REFUSED_ONLY = new Set(['create', 'exchange', 'invalidate', 'fire']);

function shuffle(list, seed) {
  let s = seed >>> 0;
  const random = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

describe('reliability: 1,000 messages under injected faults', function () {
  this.timeout(180000);
  let emulator;
  let tap;
  let sink;
  let red;
  let listener; // where the current phase records outcomes
  const totals = { messages: 0, outputs: 0, errors: 0 };

  before(async () => {
    emulator = await start({ clientId: CLIENT_ID, secret: SECRET, timeFactor: 0.001, itemGetLimitPerMinute: 0, maxDeliveryRecords: 5000 });
    sink = await startSink(200);
    tap = await new TapProxy(emulator.url).listen();
    red = await deploy({
      config: configFor(tap.url, { timeout: TIMEOUT_MS, retries: RETRIES }),
      credentials: { cfg: { clientId: CLIENT_ID, secret: SECRET } },
      nodes: [
        { id: 'create', type: 'plaid-sandbox-public-token-create', plaid: 'cfg', wires: [['exchange']] },
        { id: 'exchange', type: 'plaid-item-public-token-exchange', plaid: 'cfg', wires: [['out']] },
        { id: 'remove', type: 'plaid-item-remove', plaid: 'cfg', wires: [['out']] },
        { id: 'invalidate', type: 'plaid-item-access-token-invalidate', plaid: 'cfg', wires: [['out']] },
        { id: 'fire', type: 'plaid-sandbox-item-fire-webhook', plaid: 'cfg', wires: [['out']] },
        { id: 'update', type: 'plaid-item-webhook-update', plaid: 'cfg', wires: [['out']] },
        { id: 'get', type: 'plaid-item-get', plaid: 'cfg', wires: [['out']] },
      ],
    });
    red.node('out').on('input', (msg) => listener && listener.output(msg));
    red.node('caught').on('input', (msg) => listener && listener.error(msg));
  });

  after(async () => {
    await helper.unload();
    if (tap) await tap.destroy();
    if (emulator) await emulator.stop();
    if (sink) await sink.close();
    report('faults totals', totals);
  });

  for (const phase of ['A', 'B']) {
    const afterEffect = phase === 'B';
    it(`phase ${phase}: ${PER_PHASE} messages, 30 % of calls faulted (500 ${afterEffect ? 'after' : 'before'} the effect): one outcome each, no effect doubled`, async () => {
      const started = Date.now();
      // One Item per message that needs an access token, made directly (no faults yet).
      const messages = [];
      const seqByToken = new Map();
      let seq = phase === 'A' ? 0 : 10000;
      for (const [kind, count] of Object.entries(MIX)) {
        for (let i = 0; i < count; i++) {
          const n = ++seq;
          const payload = {};
          if (kind === 'create') payload.user_id = `reliability-${n}`;
          else {
            const item = emulator.createItem({ webhook: `${sink.url}/item/${n}` });
            payload.access_token = item.access_token;
            seqByToken.set(item.access_token, n);
            if (kind === 'fire') payload.webhook_code = 'NEW_ACCOUNTS_AVAILABLE';
            if (kind === 'update') payload.webhook = `${sink.url}/moved/${n}`;
          }
          messages.push({ seq: n, kind, payload });
        }
      }
      shuffle(messages, phase === 'A' ? 7 : 11);
      await emulator.deliveriesSettled();
      const before = { ...emulator.counts };
      const firstExchange = tap.exchanges.length;

      // 0.1 + 0.1 of calls answered 429 / 500; 0.125 delayed past the timeout: 1 - 0.875 * 0.8 = 0.30 faulted.
      emulator.setFaults({
        rateLimit: 0.1, serverError: 0.1, serverErrorAfterEffect: afterEffect, delay: 0.125, delayMs: DELAY_MS,
        retryAfterSeconds: 1, seed: afterEffect ? 2002 : 1001,
      });

      const outcomes = new Map(); // seq -> [{kind, msg}]
      let settledCount = 0;
      let wake;
      const record = (kind) => (msg) => {
        const list = outcomes.get(msg.seq) || [];
        list.push({ kind, msg });
        outcomes.set(msg.seq, list);
        settledCount++;
        if (wake) wake();
      };
      listener = { output: record('output'), error: record('error') };

      // At most IN_FLIGHT messages in flight; the next goes in when one ends.
      let sent = 0;
      while (sent < messages.length) {
        while (sent - settledCount < IN_FLIGHT && sent < messages.length) {
          const m = messages[sent++];
          red.node(ENTRY[m.kind]).receive({ seq: m.seq, payload: { ...m.payload } });
        }
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
      }
      await until(`${messages.length} outcomes (have ${settledCount})`, () => settledCount >= messages.length, 60000, 20);
      // Every message finished (its node called done) and what followed arrived: no late or second outcome can come.
      // Then the calls the client gave up on, still running at the emulator, end.
      await red.idle(60000);
      await tap.idle();
      emulator.setFaults({});
      await tap.idle();
      await emulator.deliveriesSettled();
      const after = { ...emulator.counts };
      const diff = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));

      // 1. Exactly one outcome per message: none lost, none twice.
      const lost = messages.filter((m) => !outcomes.has(m.seq)).map((m) => m.seq);
      const twice = [...outcomes].filter(([, list]) => list.length !== 1).map(([s, list]) => `${s}:${list.map((o) => o.kind)}`);
      const strangers = [...outcomes.keys()].filter((s) => !messages.some((m) => m.seq === s));
      assert.deepEqual(lost, [], 'messages without an outcome');
      assert.deepEqual(twice, [], 'messages with more than one outcome');
      assert.deepEqual(strangers, [], 'outcomes of unknown messages');
      assert.equal(settledCount, messages.length);
      for (const [, [outcome]] of outcomes) {
        if (outcome.kind === 'error') {
          assert.equal(typeof outcome.msg.error.message, 'string', 'a caught error carries msg.error.message');
          assert.ok(outcome.msg.plaid && outcome.msg.plaid.endpoint, 'a caught error carries msg.plaid');
        }
      }

      // 2. Every attempt the proxy saw, tied to its message.
      const exchanges = tap.exchanges.slice(firstExchange);
      const seqByPublicToken = new Map();
      const attempts = new Map(); // seq -> [{step, exchange, effect}]
      const effectOf = (x) => x.status === 200 || (afterEffect && x.status === 500 && x.response && x.response.error_code === 'INTERNAL_SERVER_ERROR');
      for (const x of exchanges) {
        assert.notEqual(x.status, undefined, `exchange ${x.id} ${x.path} never ended`);
        const step = PATHS[x.path];
        assert.ok(step, `unexpected call ${x.path}`);
        let n;
        if (step === 'create') {
          n = Number(/^reliability-(\d+)$/.exec(x.request.user_id)[1]);
          if (x.status === 200) seqByPublicToken.set(x.response.public_token, n);
        } else if (step === 'exchange') n = seqByPublicToken.get(x.request.public_token);
        else n = seqByToken.get(x.request.access_token);
        assert.ok(n, `call ${x.id} ${x.path} belongs to no message`);
        if (!attempts.has(n)) attempts.set(n, []);
        attempts.get(n).push({ step, x, effect: effectOf(x) });
      }

      // Per message and step: the calls the emulator saw, which took effect, and how the client ended the step.
      // A client can time out on an answer that was already on its way (event-loop lag under load): the proxy then
      // wrote a 200 the client never used. So "answer lost" is judged from the client's side: the step failed.
      const effects = { create: 0, exchange: 0, remove: 0, invalidate: 0, fire: 0, update: 0, get: 0 };
      const errorsWithEffect = { create: 0, exchange: 0, invalidate: 0, fire: 0, remove: 0, update: 0 };
      const succeededSteps = { create: 0, exchange: 0, invalidate: 0, fire: 0, remove: 0, update: 0, get: 0 };
      let repeatedIdempotentEffects = 0;
      for (const m of messages) {
        const [outcome] = outcomes.get(m.seq);
        const failedAt = outcome.kind === 'error' ? outcome.msg.error.source.id : undefined;
        const list = attempts.get(m.seq) || [];
        const steps = m.kind === 'create' ? ['create', 'exchange'] : [m.kind];
        assert.ok(outcome.kind === 'output' || steps.includes(failedAt), `message ${m.seq}: error from ${failedAt}`);
        for (const step of steps) {
          const calls = list.filter((a) => a.step === step);
          const label = `message ${m.seq} (${m.kind}) ${step}`;
          const reached = outcome.kind === 'output' || steps.indexOf(failedAt) >= steps.indexOf(step);
          const succeeded = outcome.kind === 'output' || steps.indexOf(failedAt) > steps.indexOf(step);
          if (!reached) {
            assert.equal(calls.length, 0, `${label}: called although the message never got there`);
            continue;
          }
          const done = calls.filter((a) => a.effect).length;
          effects[step] += done;
          if (succeeded) succeededSteps[step]++;
          assert.ok(calls.length <= 1 + RETRIES, `${label}: ${calls.length} attempts`);
          if (failedAt === step) {
            assert.ok(calls.length <= outcome.msg.plaid.attempts, `${label}: ${calls.length} calls seen, the client reports ${outcome.msg.plaid.attempts} attempts`);
          }
          const last = calls[calls.length - 1];
          // A call held past the client's timeout (a delay fault, which holds it before it is handled) is handled after
          // the client's retry: it can end last, with the 400 of an Item the retry already removed. A step that
          // succeeded had one call answered 200; that at most one took effect is checked below.
          if (succeeded) assert.ok(calls.some((a) => a.x.status === 200), `${label}: the step succeeded but no call was answered 200: ${calls.map((a) => a.x.status)}`);
          if (REFUSED_ONLY.has(step)) {
            assert.ok(done <= 1, `${label}: ${done} effects for one message (refused-only endpoint)`);
            // Only a 429 (Plaid did nothing) is repeated: never a call after a 500, a timeout or a success.
            calls.slice(0, -1).forEach((a) => assert.equal(a.x.status, 429, `${label}: repeated after ${a.x.status}${a.x.clientGone ? ' (timed out)' : ''}`));
          }
          if (step === 'remove') assert.ok(done <= 1, `${label}: the Item removed ${done} times`);
          if (step === 'update' && done > 1) repeatedIdempotentEffects += done - 1;
          if (!succeeded && done > 0 && step !== 'get') {
            // An effect behind a message that ended in an error: only where the client never got that effect's
            // answer: a 500 sent after the effect (phase B), or a timeout (a delayed call that went through).
            errorsWithEffect[step]++;
            const effectful = calls.filter((a) => a.effect);
            const timedOut = outcome.msg.plaid.attempts > 0 && /: timeout/.test(outcome.msg.error.message);
            if (!afterEffect && REFUSED_ONLY.has(step)) {
              // Phase A's 500s come before the effect: an effect behind an error can only be a delayed call.
              assert.ok(timedOut, `${label}: took effect behind a ${outcome.msg.error.message}`);
            }
            for (const a of effectful) {
              const lost = a.x.status === 500 || a.x.clientGone || a !== last || timedOut;
              assert.ok(lost, `${label}: took effect and was answered ${a.x.status}, yet the message ended in an error: ${outcome.msg.error.message}; calls ${JSON.stringify(calls.map((c) => ({ status: c.x.status, gone: c.x.clientGone, ms: c.x.endedAt - c.x.startedAt })))}`);
            }
          }
        }
      }

      // 3. The emulator's own counters agree, call for call, with the effects seen per message.
      assert.equal(diff.unexpectedErrors, 0);
      assert.equal(diff.itemsCreated, effects.create, 'Items created');
      assert.equal(diff.publicTokensCreated, effects.create, 'public tokens created');
      assert.equal(diff.publicTokensExchanged, effects.exchange, 'public tokens exchanged');
      assert.equal(diff.accessTokensRotated, effects.invalidate, 'tokens rotated');
      assert.equal(diff.itemsRemoved, effects.remove, 'Items removed');
      assert.equal(diff.webhookUrlsUpdated, effects.update, 'webhook URLs updated');
      assert.equal(diff.webhooksFired, effects.fire + effects.update, 'webhooks fired (fire_webhook + update acknowledgements)');

      // The brief's invariant, for each effectful refused-only endpoint: effects <= messages, and
      // effects == messages whose call succeeded + messages that failed after the effect (answer lost).
      const byKind = tally(messages.map((m) => ({ m, o: outcomes.get(m.seq)[0] })), ({ m, o }) => `${m.kind}:${o.kind}`);
      assert.ok(diff.itemsCreated <= MIX.create, 'no more Items than create messages');
      assert.equal(diff.itemsCreated, succeededSteps.create + errorsWithEffect.create, 'Items created == creates answered + creates that failed after the effect');
      assert.ok(diff.publicTokensExchanged <= succeededSteps.create);
      assert.equal(diff.publicTokensExchanged, succeededSteps.exchange + errorsWithEffect.exchange);
      assert.equal(succeededSteps.exchange, byKind['create:output'] || 0);
      assert.ok(diff.accessTokensRotated <= MIX.invalidate);
      assert.equal(diff.accessTokensRotated, succeededSteps.invalidate + errorsWithEffect.invalidate);
      assert.ok(effects.fire <= MIX.fire);
      assert.equal(effects.fire, succeededSteps.fire + errorsWithEffect.fire);
      assert.ok(diff.itemsRemoved <= MIX.remove);
      assert.equal(diff.itemsRemoved, succeededSteps.remove + errorsWithEffect.remove);
      // Items whose message got an output point where the message asked.
      for (const m of messages.filter((x) => x.kind === 'update' && outcomes.get(x.seq)[0].kind === 'output')) {
        const item = emulator.state().items.find((i) => i.access_token === m.payload.access_token);
        assert.equal(item.webhook, m.payload.webhook);
      }

      const outputs = [...outcomes.values()].filter(([o]) => o.kind === 'output').length;
      totals.messages += messages.length;
      totals.outputs += outputs;
      totals.errors += messages.length - outputs;
      // Calls the emulator answered 429 or 500, or held past the timeout (a held call may also get a 429/500).
      const faultedCalls = exchanges.filter((x) => x.status === 429 || x.status === 500 || x.endedAt - x.startedAt >= DELAY_MS).length;
      report(`faults phase ${phase}`, {
        messages: messages.length, outcomes: settledCount, outputs, caught: messages.length - outputs, byKind,
        calls: exchanges.length, faultedCalls, faultedShare: +(faultedCalls / exchanges.length).toFixed(3),
        injected: { rateLimited: diff.faultsRateLimited, serverErrors: diff.faultsServerErrors, delayed: diff.faultsDelayed },
        effects: { itemsCreated: diff.itemsCreated, exchanged: diff.publicTokensExchanged, rotated: diff.accessTokensRotated, removed: diff.itemsRemoved, webhooksFired: diff.webhooksFired, urlsUpdated: diff.webhookUrlsUpdated },
        effectsBehindErrors: errorsWithEffect, repeatedWebhookUpdates: repeatedIdempotentEffects,
        errors: tally([...outcomes.values()].filter(([o]) => o.kind === 'error'), ([o]) => `${o.msg.plaid.endpoint} ${
          o.msg.plaid.error ? o.msg.plaid.error.error_code : (/: (timeout|refused|network|bad-response)\b/.exec(o.msg.error.message) || [])[1] || 'other'}`),
        ms: Date.now() - started,
      });
    });
  }
});
