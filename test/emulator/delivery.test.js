'use strict';
// Re-delivery on failure with Plaid's schedule (30 s, then ×4, within 24 h), scaled by timeFactor.
const assert = require('node:assert/strict');
const http = require('node:http');
const { RETRY_SCHEDULE_MS } = require('../../dist/emulator');
const { linkItem, ok, startEmulator, startReceiver, verifyWebhook, webhookBody } = require('./helpers');
const { until } = require('../support/until');

const TIME_FACTOR = 0.001;

async function closedPortUrl() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/gone`;
}

describe('emulator: webhook re-delivery', () => {
  let emulator;
  let receiver;
  afterEach(async () => {
    await emulator?.stop();
    await receiver?.close();
    emulator = undefined;
    receiver = undefined;
  });

  it("Plaid's schedule: 30 s, then ×4 each time, as long as the total stays within 24 h", () => {
    assert.deepEqual(RETRY_SCHEDULE_MS, [30e3, 120e3, 480e3, 1920e3, 7680e3, 30720e3]);
    assert.ok(RETRY_SCHEDULE_MS.reduce((a, b) => a + b) <= 24 * 3600e3);
  });

  it('re-sends after 500s on the scaled schedule, then stops at the first 200', async () => {
    emulator = await startEmulator({ timeFactor: TIME_FACTOR });
    receiver = await startReceiver();
    receiver.statuses.push(500, 500, 500);
    const { accessToken } = await linkItem(emulator, { options: { webhook: receiver.urlFor('/flaky') } });
    await ok(emulator, '/sandbox/item/fire_webhook', { access_token: accessToken, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    const deliveries = await receiver.waitFor(4);
    await emulator.deliveriesSettled();

    const gaps = deliveries.slice(1).map((delivery, i) => delivery.at - deliveries[i].at);
    RETRY_SCHEDULE_MS.slice(0, 3).forEach((scheduled, i) => {
      const expected = scheduled * TIME_FACTOR;
      assert.ok(gaps[i] >= expected - 2 && gaps[i] < expected + 500, `gap ${i}: ${gaps[i]} ms, expected ~${expected} ms`);
    });
    // Same bytes every time, so a receiver can de-duplicate by body hash; each attempt freshly signed.
    assert.equal(new Set(deliveries.map((d) => d.raw.toString())).size, 1);
    for (const delivery of deliveries) await verifyWebhook(emulator, delivery);
    webhookBody(deliveries[0]);

    const record = emulator.deliveries.at(-1);
    assert.equal(record.state, 'delivered');
    assert.deepEqual(record.attempts.map((a) => a.status), [500, 500, 500, 200]);
    assert.equal(record.url, receiver.urlFor('/flaky'));
    assert.equal(record.webhookCode, 'NEW_ACCOUNTS_AVAILABLE');
    assert.equal(emulator.counts.webhooksFired, 1);
    assert.equal(emulator.counts.webhookAttempts, 4);
    assert.equal(emulator.counts.webhooksDelivered, 1);
    // Settled: nothing in flight and no retry scheduled, so nothing more can come after the 200.
    assert.equal(emulator.state().pendingDeliveries, 0);
    assert.equal(receiver.received.length, 4, 'nothing after the 200');
  });

  it('re-sends after connection failures and gives up when the schedule runs out', async () => {
    emulator = await startEmulator({ timeFactor: 0.00001 });
    receiver = await startReceiver();
    const url = await closedPortUrl();
    const item = emulator.createItem({ webhook: url });
    emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'LOGIN_REPAIRED' });
    await emulator.deliveriesSettled();
    const record = emulator.deliveries.at(-1);
    assert.equal(record.state, 'abandoned');
    assert.equal(record.attempts.length, RETRY_SCHEDULE_MS.length + 1);
    for (const attempt of record.attempts) {
      assert.equal(attempt.status, null);
      assert.match(attempt.error, /ECONNREFUSED/);
    }
    assert.equal(emulator.counts.webhooksAbandoned, 1);
  });

  it("honours a 429's Retry-After instead of the schedule", async () => {
    emulator = await startEmulator({ timeFactor: TIME_FACTOR });
    receiver = await startReceiver();
    receiver.statuses.push(429);
    receiver.answerHeaders.push({ 'Retry-After': '200' });
    const item = emulator.createItem({ webhook: receiver.urlFor('/busy') });
    emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    const [first, second] = await receiver.waitFor(2);
    assert.ok(second.at - first.at >= 198, `waited ${second.at - first.at} ms for Retry-After 200 s × ${TIME_FACTOR}`);
  });

  it('counts a receiver that answers too slowly as failed', async () => {
    emulator = await startEmulator({ timeFactor: TIME_FACTOR, webhookTimeoutMs: 50 });
    // Never answers: only the emulator's timeout can end the attempt.
    const slow = http.createServer(() => {});
    await new Promise((resolve) => slow.listen(0, '127.0.0.1', () => resolve(undefined)));
    receiver = { close: () => new Promise((resolve) => { slow.close(resolve); slow.closeAllConnections(); }) };
    const item = emulator.createItem({ webhook: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (slow.address()).port}/slow` });
    emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    const record = emulator.deliveries.at(-1);
    await until('the attempt to time out', () => record.attempts.length > 0 && record.attempts[0].error !== null, 2000, 5);
    const [attempt] = record.attempts;
    assert.equal(attempt.status, null);
    assert.match(attempt.error, /timed out/);
  });

  it('stop() cancels pending re-deliveries', async () => {
    emulator = await startEmulator({ timeFactor: 1 });
    receiver = await startReceiver();
    receiver.statuses.push(503);
    const item = emulator.createItem({ webhook: receiver.urlFor('/down') });
    emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    const record = emulator.deliveries.at(-1);
    await until('a retry to be scheduled', () => record.nextRetryInMs !== null, 2000, 5);
    assert.equal(record.nextRetryInMs, 30_000);
    await emulator.stop();
    assert.equal(record.state, 'cancelled');
    await emulator.deliveriesSettled();
  });
});
