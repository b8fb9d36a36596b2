'use strict';
// The Node-RED-free core: signature checks, key cache, dedupe, routing, body parsing.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { verifyPlaidSignature } = require('../../dist/plaid/webhook/verify');
const { VerificationKeyCache } = require('../../dist/plaid/webhook/key-cache');
const { DeliveryDeduper } = require('../../dist/plaid/webhook/dedupe');
const { outputFor, OTHER_OUTPUT, OUTPUT_COUNT } = require('../../dist/plaid/webhook/routing');
const { parseDelivery, isJsonContentType } = require('../../dist/plaid/webhook/parse');
const { parseByteSize } = require('../../dist/nodes/webhook-in/raw-body');
const { PlaidRequestError } = require('../../dist/plaid/errors');
const { makeKey, signRaw, sha256Hex } = require('../support/webhook-signer');

const status = (expected) => (err) => {
  assert.equal(err.name, 'WebhookRejection', err.stack);
  assert.equal(err.status, expected, err.message);
  return true;
};

const unknownKidError = () => new PlaidRequestError({
  kind: 'plaid', endpoint: 'webhook_verification_key/get', attempts: 1, status: 400,
  plaidError: { error_type: 'INVALID_INPUT', error_code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', error_message: 'invalid key_id provided', display_message: null },
});

describe('webhook core', function () {
  describe('verifyPlaidSignature', function () {
    const key = makeKey('kid-core');
    const keys = { get: async (kid) => { if (kid !== key.kid) throw new Error('unexpected kid'); return key.publicKey; } };
    const raw = Buffer.from(JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'ERROR' }, null, 2));

    it('accepts Plaid\'s signature over the raw bytes', async function () {
      await verifyPlaidSignature(signRaw(raw, key), raw, { keys });
    });

    it('takes iat up to 5 minutes old and up to a minute ahead, not beyond', async function () {
      const now = Date.now();
      const at = (offsetSeconds) => signRaw(raw, key, { iat: Math.floor(now / 1000) + offsetSeconds });
      await verifyPlaidSignature(at(-299), raw, { keys, now: () => now });
      await verifyPlaidSignature(at(59), raw, { keys, now: () => now });
      await assert.rejects(verifyPlaidSignature(at(-301), raw, { keys, now: () => now }), status(401));
      await assert.rejects(verifyPlaidSignature(at(61), raw, { keys, now: () => now }), status(401));
    });

    it('fetches no key for a token that fails the cheap checks', async function () {
      let asked = 0;
      const counting = { get: async () => { asked++; return key.publicKey; } };
      await assert.rejects(verifyPlaidSignature(signRaw(raw, key, { claims: { request_body_sha256: '0'.repeat(64) } }), raw, { keys: counting }), status(401));
      await assert.rejects(verifyPlaidSignature(signRaw(raw, key, { header: { alg: 'ES384' } }), raw, { keys: counting }), status(401));
      assert.equal(asked, 0);
    });

    it('answers 503 when the key takes longer than keyWaitMs (Plaid gives up after 10 s)', async function () {
      const hanging = { get: () => new Promise(() => {}) };
      await assert.rejects(verifyPlaidSignature(signRaw(raw, key), raw, { keys: hanging, keyWaitMs: 30 }), status(503));
    });

    it('passes the key source\'s 503 through', async function () {
      const down = new VerificationKeyCache(async () => { throw new Error('ECONNREFUSED'); });
      await assert.rejects(verifyPlaidSignature(signRaw(raw, key), raw, { keys: down }), status(503));
    });
  });

  describe('VerificationKeyCache', function () {
    const key = makeKey('kid-cache');

    it('shares one in-flight fetch among every caller of a kid', async function () {
      let fetches = 0;
      /** @type {(jwk: unknown) => void} */
      let answer;
      // Plaid answers only once every caller is waiting.
      const cache = new VerificationKeyCache(() => { fetches++; return new Promise((resolve) => { answer = resolve; }); });
      const waiting = Array.from({ length: 50 }, () => cache.get(key.kid));
      answer(key.jwk);
      const got = await Promise.all(waiting);
      assert.equal(fetches, 1);
      assert.ok(got.every((k) => k === got[0]));
      await cache.get(key.kid);
      assert.equal(fetches, 1);
    });

    it('remembers an unknown kid (401), and after a failed fetch (503) asks nothing until failedForMs has passed', async function () {
      const calls = [];
      let failing = true;
      let now = 0;
      const cache = new VerificationKeyCache(async (kid) => {
        calls.push(kid);
        if (kid === 'forged') throw unknownKidError();
        if (failing) throw new PlaidRequestError({ kind: 'timeout', endpoint: 'webhook_verification_key/get', attempts: 1 });
        return key.jwk;
      }, { failedForMs: 1000, now: () => now });
      await assert.rejects(cache.get('forged'), status(401));
      await assert.rejects(cache.get('forged'), status(401));
      await assert.rejects(cache.get(key.kid), status(503));
      failing = false;
      now = 999;
      await assert.rejects(cache.get(key.kid), status(503));
      await assert.rejects(cache.get('another-kid'), status(503));
      now = 1000;
      await cache.get(key.kid);
      assert.deepEqual(calls, ['forged', key.kid, key.kid]);
    });

    it('waits twice as long after each failure in a row, up to maxFailedForMs', async function () {
      let now = 0;
      let fetches = 0;
      const cache = new VerificationKeyCache(async () => {
        fetches++;
        throw new PlaidRequestError({ kind: 'http', endpoint: 'webhook_verification_key/get', attempts: 1, status: 429 });
      }, { failedForMs: 1000, maxFailedForMs: 4000, fetchBurst: 100, now: () => now });
      const fetchedAt = [];
      for (now = 0; now <= 20000; now += 250) {
        const before = fetches;
        await assert.rejects(cache.get('kid'), status(503));
        if (fetches > before) fetchedAt.push(now);
      }
      assert.deepEqual(fetchedAt, [0, 1000, 3000, 7000, 11000, 15000, 19000]);
    });

    it('fetches new kids at most fetchBurst at once, then fetchesPerMinute, and answers the rest 503', async function () {
      let now = 0;
      let fetches = 0;
      const cache = new VerificationKeyCache(async () => { fetches++; throw unknownKidError(); }, { fetchesPerMinute: 10, fetchBurst: 5, now: () => now });
      const answers = [];
      for (let i = 0; i < 200; i++) answers.push(await cache.get(`forged-${i}`).catch((err) => err.status));
      assert.equal(fetches, 5);
      assert.deepEqual(answers.slice(0, 5), [401, 401, 401, 401, 401]);
      assert.ok(answers.slice(5).every((answer) => answer === 503));
      now = 60_000;
      for (let i = 200; i < 400; i++) await cache.get(`forged-${i}`).catch(() => {});
      assert.equal(fetches, 10, 'five more after a minute: the bucket holds five at most');
    });

    it('fetches a genuinely new kid within a minute while forged kids trickle in (one fetch every 6 s)', async function () {
      const rotated = makeKey('kid-rotated');
      let now = 0;
      const fetched = [];
      const cache = new VerificationKeyCache(async (kid) => {
        fetched.push({ kid, at: now });
        if (kid !== rotated.kid) throw unknownKidError();
        return rotated.jwk;
      }, { now: () => now });
      // The forger names a new kid every 100 ms, and always just before Plaid: each token of the bucket goes to a
      // forgery as soon as it forms.
      let forged = 0;
      let forgedAt = -100;
      const forgeThrough = async (until) => {
        for (forgedAt += 100; forgedAt <= until; forgedAt += 100) {
          now = forgedAt;
          await cache.get(`forged-${forged++}`).catch(() => undefined);
        }
        forgedAt -= 100;
      };
      // Plaid's delivery under its new kid 30 s into the trickle, then Plaid's retries after a 503: 30 s later, then x4.
      const firstAsked = 30_000;
      let verified;
      for (const at of [firstAsked, firstAsked + 30_000, firstAsked + 150_000]) {
        await forgeThrough(at);
        now = at;
        verified = await cache.get(rotated.kid).then(() => at, () => undefined);
        if (verified !== undefined) break;
      }
      assert.ok(verified !== undefined && verified - firstAsked <= 60_000,
        `the rotated key was fetched ${verified === undefined ? 'never' : `${(verified - firstAsked) / 1000} s after Plaid first sent under it`}`);
      assert.equal(fetched.filter((f) => f.kid === rotated.kid).length, 1);
      const forgedFetches = fetched.filter((f) => f.kid !== rotated.kid).length;
      assert.ok(forgedFetches >= 9, `the forgeries were fetched too (${forgedFetches}): the trickle was real`);
      assert.ok(forgedFetches <= 5 + Math.floor(forgedAt / 6000), `the forgeries stayed within the limit (${forgedFetches}), none took the reserve`);
    });

    it('keeps a key that verified a delivery however many unknown kids come', async function () {
      const genuine = makeKey('kid-genuine');
      let genuineFetches = 0;
      const cache = new VerificationKeyCache(async (kid) => {
        if (kid !== genuine.kid) throw unknownKidError();
        genuineFetches++;
        return genuine.jwk;
      }, { fetchesPerMinute: 1e9, fetchBurst: 1e9 });
      const raw = Buffer.from('{"webhook_type":"ITEM","webhook_code":"ERROR"}');
      await verifyPlaidSignature(signRaw(raw, genuine), raw, { keys: cache });
      for (let i = 0; i < 1100; i++) await assert.rejects(cache.get(`forged-${i}`), status(401));
      await verifyPlaidSignature(signRaw(raw, genuine), raw, { keys: cache });
      assert.equal(genuineFetches, 1);
    });

    it('serves a key due for a refresh while Plaid cannot be asked, and drops it once Plaid says it expired', async function () {
      let now = 0;
      let answer = () => key.jwk;
      const cache = new VerificationKeyCache(async () => answer(), { refreshAfterMs: 1000, now: () => now });
      const first = await cache.get(key.kid);
      now = 5000;
      answer = () => { throw new PlaidRequestError({ kind: 'http', endpoint: 'webhook_verification_key/get', attempts: 1, status: 429 }); };
      assert.equal(await cache.get(key.kid), first);
      now = 60_000;
      answer = () => ({ ...key.jwk, expired_at: 1 });
      await assert.rejects(cache.get(key.kid), status(401));
    });

    it('rejects a key with expired_at set, and one that is not a P-256 key', async function () {
      const expired = makeKey('old', { expiredAt: Math.floor(Date.now() / 1000) - 60 });
      const p384 = makeKey('p384', { curve: 'P-384' });
      const cache = new VerificationKeyCache(async (kid) => (kid === 'old' ? expired.jwk : kid === 'p384' ? p384.jwk : { kty: 'EC' }));
      await assert.rejects(cache.get('old'), status(401));
      await assert.rejects(cache.get('p384'), status(503));
      await assert.rejects(cache.get('junk'), status(503));
    });

    it('asks again for a key after refreshAfterMs, so one Plaid has since expired stops verifying', async function () {
      let now = 0;
      let jwk = key.jwk;
      let fetches = 0;
      const cache = new VerificationKeyCache(async () => { fetches++; return jwk; }, { refreshAfterMs: 1000, now: () => now });
      await cache.get(key.kid);
      now = 999;
      await cache.get(key.kid);
      assert.equal(fetches, 1);
      now = 1000;
      jwk = { ...key.jwk, expired_at: 1 };
      await assert.rejects(cache.get(key.kid), status(401));
      assert.equal(fetches, 2);
    });

    it('holds at most maxEntries kids', async function () {
      const seen = [];
      const cache = new VerificationKeyCache(async (kid) => { seen.push(kid); throw unknownKidError(); }, { maxEntries: 3 });
      for (const kid of ['a', 'b', 'c', 'd', 'a']) await assert.rejects(cache.get(kid), status(401));
      assert.deepEqual(seen, ['a', 'b', 'c', 'd', 'a'], '"a" was evicted and fetched again');
    });
  });

  describe('DeliveryDeduper', function () {
    function memoryStore() {
      const data = new Map();
      return {
        data,
        get: async (keys) => keys.map((k) => data.get(k)),
        set: async (k, v) => { if (v === undefined) data.delete(k); else data.set(k, v); },
        keys: async () => [...data.keys()],
      };
    }
    const HOUR = 3600000;

    it('is a duplicate within 24 h and new after', async function () {
      let now = 100 * HOUR;
      const dedupe = new DeliveryDeduper(memoryStore(), { now: () => now });
      assert.deepEqual(await dedupe.claim('a'), { duplicate: false, recorded: true });
      now += 24 * HOUR;
      assert.deepEqual(await dedupe.claim('a'), { duplicate: true, recorded: false });
      now += HOUR;
      assert.deepEqual(await dedupe.claim('a'), { duplicate: false, recorded: true });
    });

    it('lets one of two simultaneous identical claims through', async function () {
      const dedupe = new DeliveryDeduper(memoryStore());
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => dedupe.claim('same')));
      assert.equal(outcomes.filter((o) => !o.duplicate).length, 1);
    });

    it('drops buckets that left the window and caps each bucket', async function () {
      let now = 100 * HOUR;
      const store = memoryStore();
      const dedupe = new DeliveryDeduper(store, { now: () => now, maxPerHour: 2 });
      await dedupe.claim('a');
      await dedupe.claim('b');
      assert.deepEqual(await dedupe.claim('c'), { duplicate: false, recorded: false });
      now += 30 * HOUR;
      await dedupe.claim('d');
      assert.deepEqual([...store.data.keys()], ['plaid-webhook-seen-130']);
    });

    it('forgets a claim whose write failed, so Plaid\'s retry is not taken for a duplicate', async function () {
      const store = memoryStore();
      const failingOnce = { ...store };
      failingOnce.set = async () => { failingOnce.set = store.set; throw new Error('store down'); };
      const dedupe = new DeliveryDeduper(failingOnce);
      await assert.rejects(dedupe.claim('x'), /store down/);
      assert.deepEqual(await dedupe.claim('x'), { duplicate: false, recorded: true });
    });
  });

  describe('routing and parsing', function () {
    it('routes on the (type, code) pair, everything else to "other"', function () {
      assert.equal(OTHER_OUTPUT, OUTPUT_COUNT - 1, '"other" is the last output');
      assert.equal(outputFor('ITEM', 'ERROR'), 0);
      assert.equal(outputFor('LINK', 'SESSION_FINISHED'), 8);
      for (const [type, code] of [['ASSETS', 'ERROR'], ['ITEM', 'UPDATE_ACKNOWLEDGED'], ['item', 'ERROR'], ['LINK', 'ERROR'], ['TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE']]) {
        assert.equal(outputFor(type, code), OTHER_OUTPUT, `${type} ${code}`);
      }
    });

    it('accepts application/json with parameters only', function () {
      assert.ok(isJsonContentType('application/json'));
      assert.ok(isJsonContentType('Application/JSON; charset=utf-8'));
      for (const type of [undefined, '', 'text/plain', 'application/jsonp', 'application/x-www-form-urlencoded']) assert.ok(!isJsonContentType(type), type);
    });

    it('wants a JSON object with a type and a code', function () {
      assert.equal(parseDelivery(Buffer.from('{"webhook_type":"ITEM","webhook_code":"X"}')).webhookCode, 'X');
      for (const raw of ['', '{', '[]', '"ITEM"', 'null', '{"webhook_type":"ITEM"}', '{"webhook_code":"ERROR"}', '{"webhook_type":"","webhook_code":"E"}', '{"webhook_type":1,"webhook_code":"E"}']) {
        assert.throws(() => parseDelivery(Buffer.from(raw)), status(400), raw);
      }
    });

    it('reads apiMaxLength as Node-RED does', function () {
      assert.equal(parseByteSize('5mb', 1), 5 * 1024 * 1024);
      assert.equal(parseByteSize('100kb', 1), 102400);
      assert.equal(parseByteSize(2048, 1), 2048);
      assert.equal(parseByteSize(undefined, 7), 7);
      assert.equal(parseByteSize('lots', 7), 7);
    });
  });

  it('hashes raw bytes, so a re-serialised body has another hash', function () {
    const body = { webhook_type: 'ITEM', webhook_code: 'ERROR' };
    assert.notEqual(sha256Hex(JSON.stringify(body, null, 2)), sha256Hex(JSON.stringify(body)));
    assert.equal(sha256Hex('x'), crypto.createHash('sha256').update('x').digest('hex'));
  });
});
