'use strict';
// Webhook fuzz: property-based (fast-check) deliveries against plaid-webhook-in in a real runtime, over real HTTP.
//  1. Random headers and bodies: never accepted, never a 5xx (but the 503 of the key-fetch rate limit, met by
//     made-up kids), nothing emitted.
//  2. Mutations of valid signed deliveries (the emulator's own, and bodies signed here): the node's answer matches an
//     independent model of Plaid's verification (support/oracle.js, WebCrypto); a delivery is emitted exactly once
//     when accepted and never otherwise.
//  3. Valid deliveries replayed, concurrently, to a node with dedupe on: each body emitted once, however many copies.
// Throughout: no unhandled rejection, no crash (a genuine delivery is still taken at the end), and the key endpoint
// only ever asked spec-valid questions.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const fc = require('fast-check');
const { start } = require('../../dist/emulator');
const { WebhookRig, helper } = require('../support/webhook-rig');
const { startKeyServer } = require('../support/webhook-key-server');
const { makeKey, signRaw, jws, es256, b64url, sha256Hex } = require('../support/webhook-signer');
const { importKeys, mustAccept } = require('./support/oracle');
const { startSink, json, report, tally } = require('./support/util');

const LIMIT = 8 * 1024;
const RUNS = { random: 2000, mutations: 4000, dedupe: 200 };
const REJECTIONS = new Set([400, 401, 413, 415]);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const CODES = ['ERROR', 'LOGIN_REPAIRED', 'NEW_ACCOUNTS_AVAILABLE', 'PENDING_EXPIRATION', 'PENDING_DISCONNECT', 'USER_PERMISSION_REVOKED',
  'USER_ACCOUNT_REVOKED', 'WEBHOOK_UPDATE_ACKNOWLEDGED', 'UPDATE_ACKNOWLEDGED', 'SESSION_FINISHED', 'DEFAULT_UPDATE'];

const printable = (options = {}) => fc.string({ unit: 'grapheme-ascii', ...options });
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('reliability: webhook fuzz (fast-check)', function () {
  this.timeout(180000);
  const rig = new WebhookRig();
  const live = makeKey('kid-live');
  const expired = makeKey('kid-expired', { expiredAt: nowSeconds() - 3600 });
  const attacker = makeKey('kid-live'); // Plaid's kid, another key
  let keyServer;
  let emulator;
  let oracleKeys;
  let corpus; // valid signed deliveries: {raw: Buffer, contentType, tokens: [token], source}
  const dedupeEmitted = [];
  const rejections = [];
  const warnings = [];
  const onRejection = (reason) => rejections.push(reason);
  const onWarning = (warning) => warnings.push(warning);
  // express's final handler prints the error of a request aborted mid-body (the node's raw-body reader passes it on
  // with next(err)): kept here and checked to be nothing else.
  const consoleErrors = [];
  const consoleError = console.error;
  const stats = { requests: 0, statuses: {}, accepted: 0, emitted: 0 };

  before(async () => {
    process.on('unhandledRejection', onRejection);
    process.on('warning', onWarning);
    console.error = (...args) => consoleErrors.push(args.map(String).join(' '));
    keyServer = await startKeyServer();
    keyServer.add(live);
    keyServer.add(expired);

    // Real deliveries from the emulator, captured at a loopback sink, with the emulator's key served by the stand-in.
    emulator = await start({ timeFactor: 0.001 });
    const { body: keyAnswer } = await json(`${emulator.url}/webhook_verification_key/get`, {
      method: 'POST', body: { client_id: emulator.clientId, secret: emulator.secret, key_id: emulator.currentKeyId() },
    });
    keyServer.add({ kid: keyAnswer.key.kid, jwk: keyAnswer.key });
    const sink = await startSink(200);
    const item = emulator.createItem({ webhook: `${sink.url}/hook` });
    for (const code of ['ERROR', 'NEW_ACCOUNTS_AVAILABLE', 'PENDING_EXPIRATION', 'PENDING_DISCONNECT', 'USER_PERMISSION_REVOKED', 'USER_ACCOUNT_REVOKED', 'WEBHOOK_UPDATE_ACKNOWLEDGED', 'UPDATE_ACKNOWLEDGED']) {
      emulator.fireWebhook({ item_id: item.item_id, webhook_code: code });
    }
    emulator.fireWebhook({ item_id: item.item_id, webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED' });
    emulator.fireWebhook({ item_id: item.item_id, webhook_type: 'ASSETS', webhook_code: 'ERROR', fields: { asset_report_id: 'a-1' } });
    await emulator.deliveriesSettled();
    await sink.close();
    corpus = sink.received.map((d) => ({
      raw: Buffer.from(d.body), contentType: d.headers['content-type'], tokens: [d.headers['plaid-verification']], source: 'emulator',
    }));
    assert.equal(corpus.length, 10);

    oracleKeys = await importKeys({ 'kid-live': live, 'kid-expired': expired, [keyAnswer.key.kid]: { jwk: keyAnswer.key } });
    helper.settings({ apiMaxLength: `${LIMIT / 1024}kb` });
    const dedupeOuts = Array.from({ length: 10 }, (_, i) => ({ id: `d${i}`, type: 'helper' }));
    await rig.load(rig.flow(keyServer, { dedupe: false }, [
      { id: 'hook2', type: 'plaid-webhook-in', name: '', url: '/plaid/dedupe', plaid: 'cfg', verify: true, dedupe: true, dedupeStore: '', wires: dedupeOuts.map((o) => [o.id]) },
      ...dedupeOuts,
    ]));
    for (let i = 0; i < 10; i++) helper.getNode(`d${i}`).on('input', (msg) => dedupeEmitted.push(msg));
    for (const d of corpus) assert.equal(await mustAccept({ ...d, token: d.tokens[0], limit: LIMIT, keys: oracleKeys }), true, 'the oracle takes the emulator\'s deliveries');
    // Plaid's kids are fetched once here, as in production (where they are cached long before any forgery comes):
    // the fuzz's made-up kids then use up the key-fetch rate limit without ever delaying a genuine delivery.
    const primer = Buffer.from(JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: 'item-primer' }, null, 2));
    assert.equal(await send({ ...corpus[0] }), 200);
    assert.equal(await send({ raw: primer, contentType: 'application/json', tokens: [signRaw(primer, live)] }), 200);
    assert.equal(await send({ raw: primer, contentType: 'application/json', tokens: [signRaw(primer, expired)] }), 401);
    await rig.settle();
    rig.emitted.length = 0;
  });

  after(async () => {
    process.off('unhandledRejection', onRejection);
    process.off('warning', onWarning);
    console.error = consoleError;
    await rig.unload();
    if (keyServer) await keyServer.close();
    if (emulator) await emulator.stop();
    report('webhook fuzz', { ...stats, abortedRequestsLogged: consoleErrors.length, keyFetches: keyServer ? keyServer.state.fetches.length : 0, dedupeEmitted: dedupeEmitted.length });
  });

  afterEach(() => {
    assert.deepEqual(rejections, [], 'unhandled rejections');
    assert.deepEqual(warnings.filter((w) => w.name !== 'ExperimentalWarning').map(String), [], 'process warnings (e.g. MaxListenersExceeded)');
  });

  /**
   * Sends one delivery with exactly these headers; resolves to the status, or null for a request aborted mid-body.
   * `transport`: whole | chunked | abort.
   */
  function send({ raw, contentType, tokens = [], headerName = 'plaid-verification', extraHeaders = {}, transport = 'whole' }, path = '/plaid/webhook') {
    const headers = { ...extraHeaders };
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (tokens.length === 1) headers[headerName] = tokens[0];
    else if (tokens.length > 1) headers[headerName] = tokens;
    if (transport === 'chunked' || raw.length === 0) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(transport === 'abort' ? raw.length + 100 : raw.length);
    stats.requests++;
    return new Promise((resolve, reject) => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (rig.server.address());
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      if (transport === 'abort') {
        req.on('error', () => resolve(null));
        req.write(raw.subarray(0, Math.floor(raw.length / 2)));
        setTimeout(() => {
          req.destroy();
          resolve(null);
        }, 5);
        return;
      }
      req.on('error', reject);
      if (transport === 'chunked') {
        for (let i = 0; i < raw.length; i += 7) req.write(raw.subarray(i, i + 7));
        req.end();
      } else req.end(raw);
    });
  }

  const tick = () => new Promise((resolve) => setImmediate(resolve));

  /**
   * Whether the node's last rejection was the key cache declining to ask Plaid (too many new kids, or backing off):
   * the one 503 a forgery may get, since it names a kid no delivery has used (Plaid's kids are cached in before()).
   */
  function keyFetchRefused() {
    const lines = helper.log().args.map(([entry]) => entry).filter((entry) => entry.id === 'hook' && entry.level === helper.log().DEBUG);
    return /answered 503: (verification keys are being asked for too often|Plaid's verification key endpoint failed)/.test(lines[lines.length - 1]?.msg ?? '');
  }

  /** Sends `d` and checks the node against the oracle: accepted ⇔ 200 and emitted once; otherwise a 4xx and nothing. */
  async function check(d) {
    const before = rig.emitted.length;
    const expected = d.transport === 'abort' ? false : await mustAccept({ ...d, token: d.tokens.length ? d.tokens.join(', ') : undefined, limit: LIMIT, keys: oracleKeys });
    const status = await send(d);
    await tick();
    await tick();
    stats.statuses[status] = (stats.statuses[status] || 0) + 1;
    const emitted = rig.emitted.slice(before);
    if (expected) {
      stats.accepted++;
      assert.equal(status, 200, `a delivery Plaid's rules accept was answered ${status}`);
      assert.equal(emitted.length, 1, 'an accepted delivery is emitted once');
      assert.equal(emitted[0].msg.plaid.body_sha256, sha256Hex(d.raw));
      assert.equal(emitted[0].msg.plaid.verified, true);
    } else {
      assert.notEqual(status, 200, 'accepted a delivery that does not verify');
      if (status !== null) assert.ok(REJECTIONS.has(status) || (status === 503 && keyFetchRefused()), `answered ${status}`);
      assert.equal(emitted.length, 0, 'emitted a delivery that does not verify');
    }
    stats.emitted += emitted.length;
  }

  // ---- generators ----
  const b64 = (value) => b64url(value);
  const randomSegment = fc.oneof(printable({ maxLength: 40 }), fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a).toString('base64url')));
  const jwtHeader = fc.record({
    alg: fc.oneof(fc.constantFrom('ES256', 'none', 'HS256', 'es256', 'ES384', 'RS256', ''), fc.jsonValue()),
    kid: fc.oneof(fc.constantFrom('kid-live', 'kid-expired', 'kid-unknown'), printable({ maxLength: 300 }), fc.jsonValue()),
    typ: fc.constantFrom('JWT', 'jwt'),
  }, { requiredKeys: [] });
  const jwtClaims = (raw) => fc.record({
    iat: fc.oneof(fc.constant(nowSeconds()), fc.integer(), fc.double(), printable(), fc.constant(null)),
    request_body_sha256: fc.oneof(fc.constant(sha256Hex(raw)), fc.constant(sha256Hex(raw).toUpperCase()), printable({ maxLength: 70 })),
  }, { requiredKeys: [] });
  const randomToken = (raw) => fc.oneof(
    printable({ maxLength: 200 }),
    fc.tuple(fc.oneof(jwtHeader.map(b64), randomSegment), fc.oneof(jwtClaims(raw).map(b64), randomSegment), randomSegment).map((p) => p.join('.')),
    fc.tuple(jwtHeader, jwtClaims(raw)).map(([h, c]) => jws(h, c, es256(attacker))),
    fc.array(randomSegment, { maxLength: 5 }).map((p) => p.join('.')),
  );
  const webhookish = fc.record({
    webhook_type: fc.oneof(fc.constantFrom('ITEM', 'LINK', 'ASSETS', 'TRANSACTIONS', 'item', ''), fc.jsonValue()),
    webhook_code: fc.oneof(fc.constantFrom(...CODES), printable({ maxLength: 30 }), fc.jsonValue()),
    item_id: fc.oneof(printable({ maxLength: 40 }), fc.constant(null)),
    environment: fc.constantFrom('sandbox', 'production'),
    error: fc.oneof(fc.constant(null), fc.jsonValue()),
  }, { requiredKeys: [] });
  const randomBody = fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '')),
    fc.tuple(webhookish, fc.constantFrom(0, 2)).map(([v, indent]) => Buffer.from(JSON.stringify(v, null, indent))),
    fc.integer({ min: 1, max: 3000 }).map((n) => Buffer.from(JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'ERROR', pad: 'x'.repeat(LIMIT + n) }))),
  );
  const contentTypes = fc.option(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain',
    'application/jsonx', '', 'application/x-www-form-urlencoded', 'application/json ; x=y', 'multipart/form-data; boundary=x'), { nil: undefined });
  const extraHeaders = fc.dictionary(
    fc.stringMatching(/^x-[a-z0-9-]{1,15}$/),
    printable({ maxLength: 60 }).map((v) => v.trim()),
    { maxKeys: 4 },
  );
  const transports = fc.constantFrom('whole', 'whole', 'whole', 'chunked', 'abort');

  it(`${RUNS.random} random deliveries (headers, tokens, bodies, content types, transports): none accepted, no 5xx but the key-fetch limit's 503`, async () => {
    await fc.assert(
      fc.asyncProperty(
        randomBody.chain((raw) => fc.record({
          raw: fc.constant(raw),
          contentType: contentTypes,
          tokens: fc.array(randomToken(raw), { maxLength: 2 }),
          headerName: fc.constantFrom('plaid-verification', 'Plaid-Verification', 'PLAID-VERIFICATION', 'plaid-verification-x'),
          extraHeaders,
          transport: transports,
        })),
        async (d) => check(d),
      ),
      { numRuns: RUNS.random, seed: SEED, endOnFailure: true },
    );
  });

  // ---- mutations of valid deliveries ----
  const reparse = (raw) => {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      return undefined;
    }
  };
  const decode = (token) => {
    const [h, c] = token.split('.');
    try {
      return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), claims: JSON.parse(Buffer.from(c, 'base64url').toString()) };
    } catch {
      return { header: { alg: 'ES256', kid: 'kid-live', typ: 'JWT' }, claims: {} };
    }
  };
  /** Re-signs `d` with the live key (or `signer`), after `edit` changed the decoded header and claims. */
  const resign = (d, edit, signer = es256(live)) => {
    const { header, claims } = decode(d.tokens[0] || '');
    const next = edit({ header: { ...header, kid: 'kid-live' }, claims: { ...claims, iat: nowSeconds(), request_body_sha256: sha256Hex(d.raw) } });
    return { ...d, tokens: [jws(next.header, next.claims, signer)] };
  };
  const onBody = (f) => (d) => ({ ...d, raw: f(d.raw) });
  const onToken = (f) => (d) => ({ ...d, tokens: d.tokens.length ? [f(d.tokens[0])] : d.tokens });

  const mutation = fc.oneof(
    fc.constant(['identity', (d) => d]),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([i, bit]) => ['flip a body bit', onBody((raw) => {
      const out = Buffer.from(raw);
      if (out.length) out[i % out.length] ^= 1 << bit;
      return out;
    })]),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([i, byte]) => ['insert a body byte', onBody((raw) => {
      const at = raw.length ? i % raw.length : 0;
      return Buffer.concat([raw.subarray(0, at), Buffer.from([byte]), raw.subarray(at)]);
    })]),
    fc.nat().map((n) => ['truncate the body', onBody((raw) => raw.subarray(0, raw.length ? n % raw.length : 0))]),
    fc.constantFrom(' ', '\n', '}', '\u0000', '\ufeff').map((s) => ['append to the body', onBody((raw) => Buffer.concat([raw, Buffer.from(s)]))]),
    fc.constant(['prepend a BOM', onBody((raw) => Buffer.concat([Buffer.from('\ufeff'), raw]))]),
    fc.constant(['re-serialise the body', onBody((raw) => {
      const v = reparse(raw);
      return v === undefined ? raw : Buffer.from(JSON.stringify(v));
    })]),
    printable({ minLength: 1, maxLength: 20 }).map((id) => ['edit item_id', onBody((raw) => {
      const v = reparse(raw);
      return v && typeof v === 'object' ? Buffer.from(JSON.stringify({ ...v, item_id: `${v.item_id}${id}` }, null, 2)) : raw;
    })]),
    fc.nat().map((i) => ['swap in another delivery\'s body', (d) => ({ ...d, raw: corpus[i % corpus.length].raw })]),
    fc.constant(['drop Plaid-Verification', (d) => ({ ...d, tokens: [] })]),
    printable({ maxLength: 120 }).map((t) => ['replace the token', (d) => ({ ...d, tokens: [t] })]),
    fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat(), fc.constantFrom(...'AQgw_-+/=. %'.split(''))).map(([seg, pos, ch]) => ['change a token character', onToken((token) => {
      const parts = token.split('.');
      if (parts.length < 3 || !parts[seg].length) return token;
      const at = pos % parts[seg].length;
      parts[seg] = parts[seg].slice(0, at) + ch + parts[seg].slice(at + 1);
      return parts.join('.');
    })]),
    fc.constantFrom('drop', 'extra', 'swap', 'dup').map((how) => ['reshape the token', onToken((token) => {
      const p = token.split('.');
      if (how === 'drop') return p.slice(0, 2).join('.');
      if (how === 'extra') return `${token}.AAAA`;
      if (how === 'swap') return [p[1], p[0], p[2]].join('.');
      return [p[0], p[0], p[2]].join('.');
    })]),
    fc.constantFrom(' ', '  ', '\t').map((ws) => ['pad the token with whitespace', onToken((t) => `${ws}${t}${ws}`)]),
    fc.constant(['send the token twice', (d) => ({ ...d, tokens: d.tokens.length ? [d.tokens[0], d.tokens[0]] : d.tokens })]),
    fc.constantFrom('PLAID-VERIFICATION', 'Plaid-Verification', 'plaid-verification ').map((name) => ['spell the header name', (d) => ({ ...d, headerName: name.trim() })]),
    fc.constantFrom('ES256', 'none', 'HS256', 'es256', 'ES384', 'EdDSA', undefined, 256).map((alg) => ['re-sign with alg', (d) => resign(d, (t) => ({ ...t, header: { ...t.header, alg } }))]),
    fc.oneof(fc.constantFrom('kid-live', 'kid-expired', 'kid-unknown', '', ' kid-live', 'kid-live ', undefined, 7), printable({ maxLength: 64 })).map((kid) => ['re-sign with kid', (d) => resign(d, (t) => ({ ...t, header: { ...t.header, kid } }))]),
    fc.oneof(
      fc.integer({ min: 301, max: 10 ** 6 }).map((s) => nowSeconds() - s),
      fc.integer({ min: 61, max: 10 ** 6 }).map((s) => nowSeconds() + s),
      fc.integer({ min: -250, max: 50 }).map((s) => nowSeconds() + s),
      fc.double({ min: -100, max: 30, noNaN: true }).map((s) => nowSeconds() + s),
      fc.constantFrom(undefined, null, 'now', String(nowSeconds()), Infinity),
    ).map((iat) => ['re-sign with iat', (d) => resign(d, (t) => ({ ...t, claims: { ...t.claims, iat } }))]),
    fc.constantFrom('upper', 'other', 'missing', 'number', 'spaced').map((how) => ['re-sign with request_body_sha256', (d) => resign(d, (t) => {
      const sha = t.claims.request_body_sha256;
      const value = { upper: sha.toUpperCase(), other: sha256Hex(Buffer.concat([d.raw, Buffer.from(' ')])), missing: undefined, number: 1, spaced: ` ${sha}` }[how];
      return { ...t, claims: { ...t.claims, request_body_sha256: value } };
    })]),
    fc.dictionary(fc.stringMatching(/^[a-z_]{1,10}$/), fc.jsonValue(), { maxKeys: 3 }).map((extra) => ['re-sign with extra claims', (d) => resign(d, (t) => ({ ...t, claims: { ...extra, ...t.claims } }))]),
    fc.constant(['re-sign with another key under Plaid\'s kid', (d) => resign(d, (t) => t, es256(attacker))]),
    fc.constant(['re-sign with HS256 keyed by the public key', (d) => resign(d, (t) => ({ ...t, header: { ...t.header, alg: 'HS256' } }),
      (data) => crypto.createHmac('sha256', live.publicKey.export({ format: 'pem', type: 'spki' })).update(data).digest())]),
    fc.constant(['re-sign with a DER signature', (d) => resign(d, (t) => t, (data) => crypto.sign('sha256', data, live.privateKey))]),
    contentTypes.map((contentType) => ['change the content type', (d) => ({ ...d, contentType })]),
    transports.map((transport) => ['change the transport', (d) => ({ ...d, transport })]),
  );

  const valid = fc.oneof(
    fc.nat().map((i) => ({ ...corpus[i % corpus.length], origin: 'emulator' })),
    fc.tuple(webhookish, fc.constantFrom(0, 2, 4), fc.integer({ min: -200, max: 30 })).map(([body, indent, age]) => {
      const raw = Buffer.from(JSON.stringify(body, null, indent));
      return { raw, contentType: 'application/json', tokens: [signRaw(raw, live, { iat: nowSeconds() + age })], origin: 'signed here' };
    }),
  );
  const mutationLog = [];

  it(`${RUNS.mutations} mutations of valid signed deliveries: answered as Plaid's rules say, emitted only when verified`, async () => {
    await fc.assert(
      fc.asyncProperty(valid, fc.array(mutation, { maxLength: 3 }), async (base, steps) => {
        let d = { ...base, transport: 'whole', headerName: 'plaid-verification' };
        for (const [, apply] of /** @type {Array<[string, (d: any) => any]>} */ (steps)) d = apply(d);
        mutationLog.push(steps.map(([name]) => name).join(' + ') || 'none');
        await check(d);
      }),
      { numRuns: RUNS.mutations, seed: SEED, endOnFailure: true },
    );
    report('mutations applied', tally(mutationLog.flatMap((m) => m.split(' + ')), (x) => x));
  });

  it(`${RUNS.dedupe} concurrent replays of valid deliveries to a dedupe node: each body emitted once`, async () => {
    const fresh = Array.from({ length: 8 }, (_, i) => {
      const raw = Buffer.from(JSON.stringify({ webhook_type: 'ITEM', webhook_code: CODES[i % CODES.length], item_id: `item-dedupe-${i}`, environment: 'sandbox' }, null, 2));
      return { raw, contentType: 'application/json', tokens: [signRaw(raw, live)] };
    });
    const pool = [...corpus, ...fresh];
    const seen = new Set();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: pool.length - 1 }), { minLength: 1, maxLength: 12 }), async (picks) => {
        const before = dedupeEmitted.length;
        const statuses = await Promise.all(picks.map((i) => send({ ...pool[i], transport: 'whole' }, '/plaid/dedupe')));
        await tick();
        await tick();
        assert.deepEqual(statuses, picks.map(() => 200), 'every copy is acknowledged');
        const newBodies = new Set(picks.map((i) => sha256Hex(pool[i].raw)).filter((sha) => !seen.has(sha)));
        const emitted = dedupeEmitted.slice(before).map((m) => m.plaid.body_sha256);
        assert.deepEqual(emitted.sort(), [...newBodies].sort(), 'each new body emitted once, repeats never');
        for (const sha of newBodies) seen.add(sha);
      }),
      { numRuns: RUNS.dedupe, seed: SEED, endOnFailure: true },
    );
    assert.equal(new Set(dedupeEmitted.map((m) => m.plaid.body_sha256)).size, dedupeEmitted.length);
  });

  it('is still up and taking genuine deliveries; the key endpoint was only asked spec-valid questions', async () => {
    const raw = Buffer.from(JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: 'item-final', environment: 'sandbox' }, null, 2));
    const before = rig.emitted.length;
    assert.equal(await send({ raw, contentType: 'application/json', tokens: [signRaw(raw, live)] }), 200);
    await rig.settle();
    assert.equal(rig.emitted.length, before + 1);
    assert.deepEqual(keyServer.state.problems, []);
    assert.deepEqual(consoleErrors.filter((line) => !/^Error: aborted\n/.test(line)), [], 'nothing but aborted requests reached the console');
    assert.ok(consoleErrors.length <= stats.statuses.null, 'one line at most per aborted request');
  });
});
