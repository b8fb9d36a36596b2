'use strict';
// A key rotation of the Item store as the README's "Key rotation" tells an operator to do it, under load, through
// Node-RED instances in processes of their own (the reliability suite's red-child) sharing one store: lookups by
// item_id, exchanges and token rotations on every instance in service, and the emulator's signed webhooks arriving
// all along. Each step is deployed one instance at a time; an instance being deployed is out of service for the
// lookups (as a load balancer drains it), while webhooks keep coming (a deploy window answers 404 or 503, and Plaid,
// here the emulator, delivers again).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { json, until, sleep } = require('../reliability/support/util');
const { instanceFlows, deployWithCredentials, emittedBy, exactlyOnce } = require('./instance-flows');
const { generateStoreKey, parseStoreKey, storeKeyId } = require('../../dist/plaid/store/cipher');

const idOf = (key) => storeKeyId(parseStoreKey(key));
/**
 * What plaid-webhook-in answers a delivery it takes for forged or malformed: none may come back for the emulator's
 * webhooks. (While a deploy has taken the route away, Node-RED answers 404, and the embedded launcher 403 to a request
 * through nginx; the node itself 503 while its store opens: Plaid delivers those again.)
 */
const REJECTIONS = new Set([400, 401, 413, 415]);
const LOOKUP_WORKERS = 3;
const EXCHANGE_EVERY_MS = 150;
const INVALIDATE_EVERY_MS = 200;
const WEBHOOK_EVERY_MS = 40;

class KeyRotation {
  /**
   * @param {object} options
   * @param {any} options.emulator the emulator (src/emulator), started by the caller
   * @param {Array<{name: string, child: any, recordFile: string}>} options.instances
   * @param {object} options.store the plaid-item-store node's settings
   * @param {object} [options.storeCredentials] credentials of the store besides its keys (postgresUrl)
   * @param {string} options.webhookUrl where the Items' webhooks go (nginx, or the one instance)
   */
  constructor({ emulator, instances, store, storeCredentials = {}, webhookUrl }) {
    this.emulator = emulator;
    this.instances = instances;
    this.storeCredentials = storeCredentials;
    this.webhookUrl = webhookUrl;
    this.flow = instanceFlows({ emulator, store, routes: ['exchange', 'get', 'invalidate'] });
    this.oldKey = generateStoreKey();
    this.newKey = generateStoreKey();
    /** Items lookups use, and Items whose token is rotated (apart, so a lookup never races its own Item's rotation). */
    this.lookupItems = [];
    this.rotatedItems = [];
    this.inService = new Set();
    /** Per instance, the calls in flight to it. */
    this.inFlight = new Map(instances.map((i) => [i.name, new Set()]));
    this.stats = { lookups: 0, failedLookups: [], failedWrites: [], exchanges: 0, invalidations: 0, fired: [], steps: [] };
    this.running = false;
    this.next = 0;
    /** When each deploy started and its store was open again. */
    this.deploys = [];
  }

  /** Deploys the flow to `instance` with the store under `current` and `older`; waits until its store opened. */
  async deploy(instance, current, older = []) {
    const credentials = {
      cfg: { clientId: this.emulator.clientId, secret: this.emulator.secret },
      store: { encryptionKey: current, previousKeys: older.join('\n'), ...this.storeCredentials },
    };
    const started = Date.now();
    await deployWithCredentials(instance.child, this.flow, credentials);
    const problem = await this.storeState(instance);
    this.deploys.push(`${instance.name}:${started}-${Date.now()}`);
    assert.equal(problem, 'open', `${instance.name}'s store did not open: ${problem}`);
  }

  /** 'open' once the instance's store answers a lookup of an unknown Item as unknown, else the store's problem. */
  async storeState(instance) {
    let last;
    await until(`${instance.name}'s flow running on its store`, async () => {
      const { status, body } = await json(`${instance.child.url}/test/get`, { method: 'POST', body: { item_id: 'item-probe' } });
      if (status === 404) return false;
      last = /item-probe is not in the Item store/.test(body?.error ?? '') ? 'open' : body?.error;
      return last !== undefined && !/closed|not open/.test(last);
    }, 30000, 100);
    return last;
  }

  /** Takes `instance` out of service for the lookups and writes, once its calls in flight have ended. */
  async drain(instance) {
    this.inService.delete(instance.name);
    await Promise.allSettled([...this.inFlight.get(instance.name)]);
  }

  /** An instance in service, in turn; undefined while none is (a single instance being deployed). */
  pick() {
    const names = this.instances.filter((i) => this.inService.has(i.name));
    return names.length ? names[this.next++ % names.length] : undefined;
  }

  async call(instance, route, body) {
    const pending = json(`${instance.child.url}/test/${route}`, { method: 'POST', body });
    const set = this.inFlight.get(instance.name);
    set.add(pending);
    try {
      return await pending;
    } finally {
      set.delete(pending);
    }
  }

  /** A new Item through the exchange node of `instance` (its webhooks to webhookUrl); resolves to its item_id. */
  async exchange(instance) {
    const created = await json(`${this.emulator.url}/sandbox/public_token/create`, {
      method: 'POST',
      body: { client_id: this.emulator.clientId, secret: this.emulator.secret, institution_id: 'ins_109508', initial_products: ['transactions'], options: { webhook: this.webhookUrl } },
    });
    const { status, body } = await this.call(instance, 'exchange', { public_token: created.body.public_token });
    assert.equal(status, 200, `exchange on ${instance.name}: ${JSON.stringify(body)}`);
    this.stats.exchanges++;
    return body.payload.item_id;
  }

  /** `count` Items under the old key, deployed on every instance: where the rotation starts. */
  async start(count) {
    for (const instance of this.instances) {
      await this.deploy(instance, this.oldKey);
      this.inService.add(instance.name);
    }
    for (let i = 0; i < count; i++) {
      const itemId = await this.exchange(this.pick());
      (i % 4 === 0 ? this.rotatedItems : this.lookupItems).push(itemId);
    }
  }

  /** Lookups, exchanges, token rotations and webhooks, until stopLoad. */
  startLoad() {
    this.running = true;
    const forever = async (everyMs, work) => {
      while (this.running) {
        const instance = this.pick();
        if (instance) await work(instance).catch((err) => this.stats.failedWrites.push(`${instance.name}: ${err.message}`));
        await sleep(instance ? everyMs : 20);
      }
    };
    const lookup = async (instance) => {
      const itemId = this.lookupItems[Math.floor(Math.random() * this.lookupItems.length)];
      const { status, body } = await this.call(instance, 'get', { item_id: itemId });
      this.stats.lookups++;
      if (status !== 200 || body?.item?.item_id !== itemId) this.stats.failedLookups.push({ instance: instance.name, itemId, status, body });
    };
    const invalidate = async (instance) => {
      const itemId = this.rotatedItems[Math.floor(Math.random() * this.rotatedItems.length)];
      const { status, body } = await this.call(instance, 'invalidate', { item_id: itemId });
      assert.equal(status, 200, `invalidate on ${instance.name}: ${JSON.stringify(body)}`);
      this.stats.invalidations++;
    };
    const fire = async () => {
      while (this.running) {
        const items = [...this.lookupItems, ...this.rotatedItems];
        const itemId = items[Math.floor(Math.random() * items.length)];
        this.stats.fired.push(this.emulator.fireWebhook({ item_id: itemId, webhook_code: 'NEW_ACCOUNTS_AVAILABLE', fields: { rotation_sequence: this.stats.fired.length } }));
        await sleep(WEBHOOK_EVERY_MS);
      }
    };
    this.load = Promise.all([
      ...Array.from({ length: LOOKUP_WORKERS }, () => forever(0, lookup)),
      forever(EXCHANGE_EVERY_MS, async (instance) => this.lookupItems.push(await this.exchange(instance))),
      forever(INVALIDATE_EVERY_MS, invalidate),
      fire(),
    ]);
  }

  async stopLoad() {
    this.running = false;
    await this.load;
  }

  /** Deploys `current` and `older` to each instance in turn, each drained meanwhile. */
  async rollOut(step, current, older) {
    for (const instance of this.instances) {
      await this.drain(instance);
      await this.deploy(instance, current, older);
      this.inService.add(instance.name);
      // Some load on the new settings before the next instance goes.
      const before = this.stats.lookups;
      await until(`lookups after ${step} on ${instance.name}`, () => this.stats.lookups >= before + 40, 60000, 20);
    }
    this.stats.steps.push(step);
  }

  /** What `instance` answers when deployed without the old key: refused, naming the Items still under it. */
  async removalRefusal(instance) {
    await this.drain(instance);
    await deployWithCredentials(instance.child, this.flow, {
      cfg: { clientId: this.emulator.clientId, secret: this.emulator.secret },
      store: { encryptionKey: this.newKey, previousKeys: '', ...this.storeCredentials },
    });
    const problem = await this.storeState(instance);
    await this.deploy(instance, this.newKey, [this.oldKey]);
    this.inService.add(instance.name);
    return problem;
  }

  /** POST /plaid-items/stores/store/rewrap on `instance`, as the sidebar's button does, one batch after another. */
  async rewrap(instance, limit = 20) {
    const answers = [];
    for (;;) {
      const { status, body } = await json(`${instance.child.url}/plaid-items/stores/store/rewrap`, { method: 'POST', body: { limit } });
      assert.equal(status, 200, JSON.stringify(body));
      answers.push(body);
      if (body.pending === 0 || body.rewrapped === 0) return answers;
    }
  }

  keyUsage(instance) {
    return json(`${instance.child.url}/plaid-items/stores/store/keys`).then((r) => r.body);
  }

  /** The four steps under load; resolves to what each step saw. */
  async rotate() {
    const seen = {};
    this.startLoad();
    try {
      await this.rollOut('1. the new key as an older key', this.oldKey, [this.newKey]);
      await this.rollOut('2. the new key current', this.newKey, [this.oldKey]);
      seen.before = await this.keyUsage(this.instances[0]);
      seen.refusedBefore = await this.removalRefusal(this.instances[0]);
      seen.rewrap = await this.rewrap(this.instances[this.instances.length - 1]);
      await this.rollOut('4. the old key removed', this.newKey, []);
      const before = this.stats.lookups;
      await until('lookups after the rotation', () => this.stats.lookups >= before + 50, 30000, 20);
    } finally {
      await this.stopLoad();
    }
    seen.after = await Promise.all(this.instances.map((i) => this.keyUsage(i)));
    return seen;
  }

  /** Every webhook fired: its delivery's state and attempts, and whether it was emitted once across the instances. */
  async webhookOutcome() {
    await Promise.race([this.emulator.deliveriesSettled(), sleep(120000).then(() => { throw new Error('deliveries not settled'); })]);
    const deliveries = this.stats.fired.map((f) => this.emulator.deliveries.find((d) => d.id === f.delivery_id));
    const shas = deliveries.map((d) => d.bodySha256);
    // A message is recorded by the flow just after its delivery was answered: give the last ones a moment.
    await until('every delivery answered 200 to be recorded', () => exactlyOnce(emittedBy(this.instances), shas).missing.length === 0, 5000, 50)
      .catch(() => undefined);
    const attempts = deliveries.flatMap((d) => d.attempts);
    return {
      deliveries,
      rejected: attempts.filter((a) => REJECTIONS.has(a.status)),
      retried: attempts.filter((a) => a.status !== 200).length,
      /** How many attempts each answer other than 200 had. */
      answers: attempts.filter((a) => a.status !== 200).reduce((counts, a) => ({ ...counts, [a.status ?? a.error]: (counts[a.status ?? a.error] ?? 0) + 1 }), {}),
      verdict: exactlyOnce(emittedBy(this.instances), shas),
      /** What the emulator saw of a delivery, and when the steps were deployed: for a message on one that went wrong. */
      story: (sha) => {
        const d = deliveries.find((x) => x.bodySha256 === sha);
        // With RELIABILITY_TRACE=1 the instances also record where each webhook's message went.
        const traced = this.instances.flatMap((i) => (fs.existsSync(i.recordFile) ? fs.readFileSync(i.recordFile, 'utf8').split('\n') : []))
          .filter((line) => line.includes(sha) && line.includes('"trace-'));
        return `${sha.slice(0, 8)}: ${d.state}, attempts ${d.attempts.map((a) => `${a.status ?? a.error}@${a.startedAt}`).join(' ')}; ` +
          `deploys ${this.deploys.join(' ')}${traced.length ? `\n  ${traced.join('\n  ')}` : ''}`;
      },
    };
  }

  /**
   * The rotation under load as the README promises it: no lookup or write failed; before the rewrap Items under both
   * keys and the old key's removal refused, naming them; the rewrap left none under the old key; afterwards every
   * instance has every Item under the new key alone; every webhook emitted once, none rejected; every Item resolves.
   * Resolves to a line of figures.
   */
  async assertRotated(seen) {
    const [oldId, newId] = [idOf(this.oldKey), idOf(this.newKey)];
    assert.deepEqual(this.stats.failedLookups, [], 'failed lookups');
    assert.deepEqual(this.stats.failedWrites, [], 'failed exchanges and token rotations');
    const [current, older] = seen.before.keys;
    assert.deepEqual([current.id, current.role, older.id, older.role, older.removable], [newId, 'current', oldId, 'older', false]);
    assert.ok(current.items > 0 && older.items > 0, `Items under both keys before the rewrap: ${JSON.stringify(seen.before.keys)}`);
    assert.match(seen.refusedBefore, new RegExp(`(\\d+ Items? (is|are) encrypted under key ${oldId}|its key check and \\d+ Items? are under key ${oldId}), which is not among this store's keys`));
    const last = seen.rewrap[seen.rewrap.length - 1];
    assert.deepEqual([last.pending, last.keyCheck, last.unreadable, last.keys[1].removable], [0, newId, [], true]);
    assert.equal(seen.after.length, this.instances.length);
    for (const usage of seen.after) {
      assert.deepEqual(usage.keys.map((k) => [k.id, k.role]), [[newId, 'current']], 'every Item under the new key, no other key left');
      assert.deepEqual([usage.pending, usage.keyCheck, usage.keys[0].items], [0, newId, usage.items]);
    }
    const webhooks = await this.webhookOutcome();
    assert.deepEqual(webhooks.rejected, [], 'rejected genuine webhooks');
    const { missing, doubled } = webhooks.verdict;
    assert.deepEqual(webhooks.verdict, { missing: [], doubled: [], unexpected: [] }, `every webhook emitted once:\n${[...missing, ...doubled].map(webhooks.story).join('\n')}`);
    assert.ok(webhooks.deliveries.every((d) => d.state === 'delivered'));
    await this.everyItemResolves();
    return `${this.stats.lookups} lookups (0 failed), ${this.stats.exchanges} exchanges, ${this.stats.invalidations} token rotations, ` +
      `${webhooks.deliveries.length} webhooks (0 rejected; ${webhooks.retried} attempts answered otherwise and delivered again: ${JSON.stringify(webhooks.answers)}), ` +
      `${seen.rewrap.reduce((n, a) => n + a.rewrapped, 0)} Items rewrapped in ${seen.rewrap.length} requests`;
  }

  /** Every Item a lookup may use resolves on every instance afterwards. */
  async everyItemResolves() {
    for (const instance of this.instances) {
      for (const itemId of this.lookupItems) {
        const { status, body } = await json(`${instance.child.url}/test/get`, { method: 'POST', body: { item_id: itemId } });
        assert.equal(status, 200, `${itemId} on ${instance.name}: ${JSON.stringify(body)}`);
      }
    }
  }
}

module.exports = { KeyRotation, idOf };
