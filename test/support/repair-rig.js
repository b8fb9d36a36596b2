'use strict';
// plaid-item-repair in a real Node-RED runtime (node-red-node-test-helper) behind a real plaid-webhook-in on a real
// SQLite store, with the emulator as Plaid: Items are linked there with the rig's webhook URL, so the emulator's own
// signed webhooks (ERROR on reset_login, SESSION_FINISHED from its Hosted Link page) reach the flow over loopback.
// Every message the repair node sends is kept, with the time it came, by output.
const path = require('node:path');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const { start: startEmulator } = require('../../dist/emulator');
const storeModule = require('../../dist/nodes/plaid-item-store.js');
const repairModule = require('../../dist/nodes/plaid-item-repair.js');
const { REPAIR_OUTPUTS } = require('../../dist/plaid/repair/outputs');
const { WebhookRig, helper } = require('./webhook-rig');
const { until } = require('./until');
const files = require('../store/support/store-files');

const TAB = 'tab-repair';

/** The repair node's settings for a test: short reminders, short-lived links. */
const DEFAULT_REPAIR = { reminders: '2s, 4s', client_name: 'Repair test', language: 'en', country_codes: 'US', url_lifetime_seconds: '3' };

class RepairRig {
  constructor() {
    this.webhookRig = new WebhookRig();
    /** @type {Array<{output: string, msg: any, at: number}>} */
    this.sent = [];
    /** @type {any[]} */
    this.caught = [];
    /** @type {any[]} */
    this.completed = [];
    this.emulator = undefined;
    this.file = '';
    this.key = generateStoreKey();
    this.repair = { ...DEFAULT_REPAIR };
  }

  async start(repair = {}) {
    this.emulator = await startEmulator({ port: 0 });
    this.file = path.join(files.tempDir('plaid-repair-'), 'items.db');
    this.repair = { ...DEFAULT_REPAIR, ...repair };
    this.webhookRig.extraCredentials = { cfg: { clientId: this.emulator.clientId, secret: this.emulator.secret }, store: { encryptionKey: this.key } };
    await this.webhookRig.load(this.flow(), [storeModule, repairModule]);
    this.attach();
    await this.storeNode().ready;
  }

  /** The flow: webhook-in on the store, every output into the repair node, its outputs into helper nodes. */
  flow() {
    return [
      { id: TAB, type: 'tab', label: 'repair' },
      { id: 'cfg', type: 'plaid-config', environment: 'custom', baseUrl: this.emulator.url, timeout: 5000, retries: 1 },
      { id: 'store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file: this.file },
      {
        id: 'hook', type: 'plaid-webhook-in', z: TAB, name: '', url: '/plaid/webhook', plaid: 'cfg', store: 'store', verify: true, dedupe: true, dedupeStore: '',
        wires: Array.from({ length: 10 }, () => ['repair']),
      },
      { id: 'repair', type: 'plaid-item-repair', z: TAB, name: '', plaid: 'cfg', store: 'store', ...this.repair, wires: REPAIR_OUTPUTS.map((o) => [`out-${o}`]) },
      ...REPAIR_OUTPUTS.map((o) => ({ id: `out-${o}`, z: TAB, type: 'helper', wires: [] })),
      { id: 'catcher', z: TAB, type: 'catch', scope: ['repair'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: TAB, type: 'helper', wires: [] },
      // Every message the repair node ended (done()), whatever it sent: the signal that it handled one.
      { id: 'completer', z: TAB, type: 'complete', scope: ['repair'], uncaught: false, wires: [['completed']] },
      { id: 'completed', z: TAB, type: 'helper', wires: [] },
    ];
  }

  attach() {
    for (const output of REPAIR_OUTPUTS) helper.getNode(`out-${output}`).on('input', (msg) => this.sent.push({ output, msg, at: Date.now() }));
    helper.getNode('caught').on('input', (msg) => this.caught.push(msg));
    helper.getNode('completed').on('input', (msg) => this.completed.push(msg));
  }

  /** Waits until the repair node has ended `count` messages with webhook `code` for `itemId`. */
  handled(itemId, code, count) {
    return until(`${count} ${code} for ${itemId} handled`, () => this.completed.filter((m) => m.plaid?.webhook_code === code && m.plaid?.item_id === itemId).length >= count, 15000, 20);
  }

  /** A full deploy of the same flow (every node, the store's included, stopped and started again). */
  async redeploy(repair = {}) {
    this.repair = { ...this.repair, ...repair };
    await this.webhookRig.redeploy(this.flow());
    this.attach();
    await this.storeNode().ready;
  }

  /** Node-RED stopped and started again on the same store file: the runtime unloaded, then loaded afresh. */
  async restart() {
    await this.webhookRig.unload();
    await this.webhookRig.load(this.flow(), [storeModule, repairModule]);
    this.attach();
    await this.storeNode().ready;
  }

  async stop() {
    await this.webhookRig.unload();
    await this.emulator?.stop();
    await files.cleanup();
  }

  storeNode() {
    return helper.getNode('store');
  }

  store() {
    return this.storeNode().itemStore;
  }

  get webhookUrl() {
    const { port } = /** @type {import('node:net').AddressInfo} */ (this.webhookRig.server.address());
    return `http://127.0.0.1:${port}/plaid/webhook`;
  }

  /** A healthy Item at the emulator, sending its webhooks to the flow, and in the store. */
  async linkItem(clientUserId = 'user-1') {
    const created = this.emulator.createItem({ webhook: this.webhookUrl });
    await this.store().save({ item_id: created.item_id, access_token: created.access_token, client_user_id: clientUserId, institution_id: 'ins_109508' });
    return created;
  }

  /** Plaid's /sandbox/item/reset_login: the Item needs its user, and Plaid sends ITEM ERROR. */
  async breakLogin(item) {
    await this.plaid('/sandbox/item/reset_login', { access_token: item.access_token });
  }

  async plaid(path, body) {
    const res = await fetch(`${this.emulator.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: this.emulator.clientId, secret: this.emulator.secret, ...body }),
    });
    const answer = await res.json();
    if (res.status !== 200) throw new Error(`${path}: ${JSON.stringify(answer)}`);
    return answer;
  }

  /** The user presses Continue (`continue`) or Exit (`exit`) on the Hosted Link page. */
  async finishLink(url, action) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `action=${action}`, redirect: 'manual' });
    if (res.status !== 200 && res.status !== 303) throw new Error(`Hosted Link ${action}: ${res.status}`);
  }

  /** Breaks the Item's login and has its user press Exit on the notice's link: the notice, once EXITED is recorded. */
  async noticeExited(item) {
    await this.breakLogin(item);
    const notice = await this.nth(item.item_id, 'notify');
    await this.finishLink(notice.msg.repair.hosted_link_url, 'exit');
    await until('SESSION_FINISHED EXITED recorded', async () => (await this.store().get(item.item_id)).link_session_status === 'EXITED');
    return notice;
  }

  /** What the repair node sent for `itemId`, by output, oldest first. */
  sentFor(itemId, output) {
    return this.sent.filter((s) => s.msg.repair.item_id === itemId && (!output || s.output === output));
  }

  /** Waits for the `n`th message (1-based) of `output` for `itemId`. */
  nth(itemId, output, n = 1, timeoutMs = 15000) {
    return until(`${output} #${n} for ${itemId}`, () => this.sentFor(itemId, output)[n - 1], timeoutMs, 20);
  }
}

module.exports = { RepairRig, helper, DEFAULT_REPAIR };
