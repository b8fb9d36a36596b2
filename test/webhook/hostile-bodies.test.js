'use strict';
// Bodies sent to cost the receiver: large ones that are not webhooks, unsigned ones built to be expensive to parse,
// and ones that never finish arriving. Each is answered without being buffered or parsed, and nothing is emitted.
const assert = require('node:assert/strict');
const { WebhookRig } = require('../support/webhook-rig');
const { startKeyServer } = require('../support/webhook-key-server');
const { makeKey, plaidDelivery, signRaw } = require('../support/webhook-signer');

const MIB = 1024 * 1024;
const FIVE_MIB = 5 * MIB;
/** 5 MiB of nested arrays: valid JSON that takes a JSON parser seconds and hundreds of MB. */
const nestedArrays = () => Buffer.concat([Buffer.alloc(FIVE_MIB / 2, '['), Buffer.alloc(FIVE_MIB / 2, ']')]);
const ITEM_ERROR = { webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-1', environment: 'sandbox', error: null };

describe('plaid-webhook-in: hostile bodies', function () {
  this.timeout(30000);
  const rig = new WebhookRig();
  const key = makeKey('kid-hostile');
  let keyServer;

  beforeEach(async function () {
    keyServer = await startKeyServer();
    keyServer.add(key);
    await rig.load(rig.flow(keyServer));
  });

  afterEach(async function () {
    await rig.settle();
    const emitted = rig.emitted.length;
    await rig.unload();
    await keyServer.close();
    assert.equal(emitted, 0, 'nothing may be emitted');
  });

  /** Runs `fn` with JSON.parse counting its calls on texts over 1 MiB (the runtime shares this process). */
  async function countingLargeParses(fn) {
    const parse = JSON.parse;
    let large = 0;
    JSON.parse = function (text, reviver) {
      if (typeof text === 'string' && text.length > MIB) large++;
      return parse.call(this, text, reviver);
    };
    try {
      await fn();
    } finally {
      JSON.parse = parse;
    }
    return large;
  }

  it('answers a 5 MiB nested-array body with a junk Plaid-Verification 401 at once, without reading or parsing it', async function () {
    const body = nestedArrays();
    /** @type {any} */
    let outcome;
    const parses = await countingLargeParses(async () => {
      outcome = await rig.postSlowly({ 'content-type': 'application/json', 'plaid-verification': 'junk.junk.junk' }, body);
    });
    assert.equal(outcome.status, 401);
    assert.equal(parses, 0, 'JSON.parse was called on the unverified body');
    assert.ok(outcome.ms < 2500, `answered after ${outcome.ms} ms`);
    assert.equal(outcome.closedByServer, true);
    assert.ok(rig.serverSockets[0].bytesRead < MIB, `the server read ${rig.serverSockets[0].bytesRead} bytes`);
    assert.equal(keyServer.state.fetches.length, 0);
  });

  it('still parses a body once its signature holds (a large genuine one is emitted)', async function () {
    const delivery = plaidDelivery({ ...ITEM_ERROR, padding: 'x'.repeat(2 * MIB) }, key);
    const parses = await countingLargeParses(() => rig.post(delivery).expect(200));
    assert.equal(parses, 1);
    await rig.settle();
    assert.equal(rig.emitted.length, 1);
    rig.emitted.length = 0;
  });

  it('refuses forty 5 MiB text/plain bodies 415 without reading them, and closes each connection', async function () {
    const body = Buffer.alloc(FIVE_MIB, 'x');
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => rig.postSlowly({ 'content-type': 'text/plain' }, body)));
    assert.deepEqual([...new Set(outcomes.map((o) => o.status))], [415]);
    assert.ok(outcomes.every((o) => o.closedByServer), 'every connection closed by the server after its answer');
    // What the server took off each connection: the headers and at most the first socket reads, not 5 MiB.
    const read = rig.serverSockets.map((socket) => socket.bytesRead);
    assert.equal(read.length, 40);
    assert.ok(Math.max(...read) < MIB, `the server read up to ${Math.max(...read)} bytes of a connection`);
  });

  it('hashes a 5 MiB nested-array body under a plausible token, and answers 401 without parsing it', async function () {
    // Every claim holds but the signature: the body must be read and hashed, never parsed.
    const body = nestedArrays();
    const token = signRaw(body, { kid: key.kid }, { sign: () => Buffer.alloc(64, 1) });
    /** @type {any} */
    let outcome;
    const parses = await countingLargeParses(async () => {
      outcome = await rig.postSlowly({ 'content-type': 'application/json', 'plaid-verification': token }, body);
    });
    assert.equal(outcome.status, 401);
    assert.equal(parses, 0, 'JSON.parse was called on the unverified body');
    assert.ok(outcome.ms < 5000, `answered after ${outcome.ms} ms`);
  });

  it('refuses a body over apiMaxLength 413 as soon as its Content-Length says so, without reading it', async function () {
    const outcome = await rig.postSlowly({ 'content-type': 'application/json' }, Buffer.alloc(8 * MIB, ' '));
    assert.equal(outcome.status, 413);
    assert.equal(outcome.closedByServer, true);
    assert.ok(rig.serverSockets[0].bytesRead < MIB, `the server read ${rig.serverSockets[0].bytesRead} bytes`);
  });

  it('answers a body dripping a byte a second 408 after 5 s, and closes the connection', async function () {
    const delivery = plaidDelivery(ITEM_ERROR, key);
    const outcome = await rig.postSlowly(delivery.headers, Buffer.from(delivery.raw), { chunkBytes: 1, intervalMs: 1000 });
    assert.equal(outcome.status, 408);
    assert.ok(outcome.ms >= 4900 && outcome.ms < 8000, `answered after ${outcome.ms} ms`);
    assert.equal(outcome.closedByServer, true);
    assert.ok(outcome.written <= 7, `${outcome.written} bytes were written before the answer`);
  });
});
