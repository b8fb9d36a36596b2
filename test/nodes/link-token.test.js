'use strict';
// plaid-link-token-create: the request it shapes (against the spec-checking stand-in), and the repair loop on an
// Item store against the emulator, over real HTTP: a link token in update mode, the Hosted Link page, Continue, and
// the LINK SESSION_FINISHED webhook arriving at plaid-webhook-in with the Item, marked healthy.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const { start } = require('../../dist/emulator');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const storeModule = require('../../dist/nodes/plaid-item-store.js');
const endpointModule = require('../../dist/nodes/plaid-endpoints.js');
const { standInForSuite, CLIENT_ID, SECRET } = require('../support/plaid-stand-in');
const { helper, deploy, configFor } = require('../support/red');
const { WebhookRig } = require('../support/webhook-rig');
const files = require('../store/support/store-files');
const { until } = require('../support/until');

const TOKEN = `access-sandbox-${crypto.randomUUID()}`;
const storeNode = (file) => ({ id: 'store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file });
const linkNode = (props = {}) => ({
  id: 'n1', type: 'plaid-link-token-create', plaid: 'cfg', wires: [['out']], client_name: 'Plaidflow', client_nameType: 'str', ...props,
});

describe('plaid-link-token-create', function () {
  afterEach(files.cleanup);

  describe('the request', function () {
    const suite = standInForSuite(helper);

    async function deployed(nodes, store) {
      const red = await deploy({
        nodes,
        config: configFor(suite.plaid.url),
        credentials: { cfg: { clientId: CLIENT_ID, secret: SECRET }, store: { encryptionKey: generateStoreKey() } },
        extraModules: store ? [storeModule] : [],
      });
      if (store) await red.node('store').ready;
      return red;
    }

    it('update mode with a store: the Item\'s token and client_user_id, no products, Hosted Link; the record keeps the link token', async () => {
      const file = path.join(files.tempDir('plaid-link-'), 'items.db');
      const red = await deployed([storeNode(file), linkNode({
        store: 'store', completion_redirect_uri: 'https://example.com/fixed', completion_redirect_uriType: 'str',
        url_lifetime_seconds: '900', url_lifetime_secondsType: 'str', products: '["auth"]', productsType: 'json',
      })], true);
      const store = red.node('store').itemStore;
      await store.save({ item_id: 'item-1', access_token: TOKEN, client_user_id: 'user-42' });
      red.node('n1').receive({ payload: { item_id: 'item-1' } });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'output', outcome.msg.error && outcome.msg.error.message);
      assert.deepEqual(suite.plaid.callsTo('/link/token/create').map((r) => r.body), [{
        access_token: TOKEN, client_name: 'Plaidflow', language: 'en', country_codes: ['US'], user: { client_user_id: 'user-42' },
        hosted_link: { completion_redirect_uri: 'https://example.com/fixed', url_lifetime_seconds: 900 },
      }]);
      const { link_token: linkToken, expiration, hosted_link_url: url } = outcome.msg.payload;
      assert.match(url, /^https:\/\//);
      const record = await store.get('item-1');
      assert.deepEqual([record.link_token, record.link_token_expiration], [linkToken, expiration]);
      assert.deepEqual(outcome.msg.plaid.item, record);
      assert.equal(JSON.stringify(outcome.msg).includes(TOKEN), false);
    });

    it('new mode: products and webhook, no token and no item_id needed; Hosted Link off sends none', async () => {
      const red = await deployed([linkNode({
        mode: 'new', modeType: 'enum', client_user_id: 'user-7', client_user_idType: 'str', webhook: 'https://example.com/hook', webhookType: 'str',
        hosted_link: 'false', hosted_linkType: 'bool', completion_redirect_uri: 'https://example.com/x', completion_redirect_uriType: 'str',
      })], false);
      red.node('n1').receive({ payload: {} });
      red.node('n1').receive({ payload: { mode: 'update' } });
      const outcomes = await red.waitFor(2);
      assert.deepEqual(suite.plaid.callsTo('/link/token/create').map((r) => r.body), [{
        client_name: 'Plaidflow', language: 'en', country_codes: ['US'], user: { client_user_id: 'user-7' }, products: ['transactions'], webhook: 'https://example.com/hook',
      }]);
      const refused = outcomes.find((o) => o.kind === 'error');
      assert.match(refused.msg.error.message, /link\/token\/create: access_token: msg\.payload\.access_token is undefined/, 'msg.payload.mode chose update mode');
    });

    it('refuses a mode it does not know, before any call', async () => {
      const red = await deployed([linkNode({ client_user_id: 'u', client_user_idType: 'str' })], false);
      red.node('n1').receive({ payload: { mode: 'repair' } });
      const [outcome] = await red.waitFor(1);
      assert.match(outcome.msg.error.message, /mode: "repair" is not one of update, new/);
      assert.equal(suite.plaid.requests.length, 0);
    });
  });

  describe('the repair loop against the emulator', function () {
    const rig = new WebhookRig();
    let emulator;

    before(async () => {
      emulator = await start({ port: 0, clientId: 'test-client-id', secret: 'test-secret-0123456789', timeFactor: 0.001 });
    });
    after(() => emulator.stop());
    afterEach(() => rig.unload());

    it('update-mode link token → Hosted Link page → Continue → SESSION_FINISHED with the Item, now healthy', async () => {
      const file = path.join(files.tempDir('plaid-repair-'), 'items.db');
      rig.extraCredentials = { store: { encryptionKey: generateStoreKey() } };
      const flow = rig.flow({ baseUrl: emulator.url }, { store: 'store', dedupe: true }, [
        storeNode(file),
        { id: 'link', type: 'plaid-link-token-create', plaid: 'cfg', store: 'store', client_name: 'Plaidflow', client_nameType: 'str', wires: [['link-out']] },
        { id: 'link-out', type: 'helper' },
      ]);
      await rig.load(flow, [endpointModule, storeModule]);
      await helper.getNode('store').ready;
      const store = helper.getNode('store').itemStore;
      const webhook = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (rig.server.address()).port}/plaid/webhook`;
      const created = emulator.createItem({ webhook });
      await store.save({ item_id: created.item_id, access_token: created.access_token, client_user_id: 'user-42' });

      // The Item's login breaks (sandbox/item/reset_login): Plaid's ITEM ERROR webhook marks the record.
      const reset = await fetch(`${emulator.url}/sandbox/item/reset_login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'plaid-client-id': emulator.clientId, 'plaid-secret': emulator.secret },
        body: JSON.stringify({ access_token: created.access_token }),
      });
      assert.equal(reset.status, 200);
      await until('the ERROR webhook emitted', () => rig.emitted.some((e) => e.output === 0), 10000);
      assert.equal((await store.get(created.item_id)).status, 'login_required');
      assert.equal(emulator.item(created.item_id).error_code, 'ITEM_LOGIN_REQUIRED');

      const answers = [];
      helper.getNode('link-out').on('input', (msg) => answers.push(msg));
      helper.getNode('link').receive({ payload: { item_id: created.item_id } });
      await until('the link token answered', () => answers.length === 1, 10000);
      const { link_token: linkToken, hosted_link_url: url } = answers[0].payload;
      assert.equal((await store.get(created.item_id)).link_token, linkToken);

      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Reconnect/);
      const continued = await fetch(url, { method: 'POST', body: new URLSearchParams({ action: 'continue' }), redirect: 'manual' });
      assert.ok(continued.status < 400, `Continue answered ${continued.status}`);

      await until('SESSION_FINISHED emitted', () => rig.emitted.some((e) => e.output === 8), 10000);
      const finished = rig.emitted.find((e) => e.output === 8).msg;
      assert.equal(finished.payload.status, 'SUCCESS');
      assert.equal(finished.payload.link_token, linkToken);
      assert.equal(finished.plaid.item_id, created.item_id, 'the session is matched to its Item by the link token');
      assert.equal(finished.plaid.item.status, 'healthy');
      assert.equal((await store.get(created.item_id)).status, 'healthy');
      assert.equal(emulator.item(created.item_id).error_code, null, 'the emulator\'s Item is repaired too');
    });
  });
});
