'use strict';
// The Item store's editor file: the plaid-item-store config dialog (its backends, key generator and warnings), as
// the editor and the Flow Library validator see it.
const assert = require('node:assert/strict');
const path = require('node:path');
const { webcrypto } = require('node:crypto');
const { nodesDir, localeDir, read, validatorView, namedBlocks, loadEditor, fakeDialog, validate } = require('./support');
const { parseStoreKey } = require('../../dist/plaid/store/cipher');
const { ITEM_STORE_BACKENDS, DEFAULT_SQLITE_FILE, backendOf } = require('../../dist/nodes/item-store/backend');
const { POSTGRES_DEFAULTS } = require('../../dist/plaid/store/postgres-storage');

const storeHtml = read(path.join(nodesDir, 'plaid-item-store.html'));
const storeCatalog = JSON.parse(read(path.join(localeDir, 'plaid-item-store.json')));

describe('Item store editor (dist/nodes/plaid-item-store.html)', function () {
  const { defs: literal } = validatorView(storeHtml);
  const { defs, sandbox } = loadEditor(storeHtml, storeCatalog);
  const def = defs['plaid-item-store'];
  // The browser's Web Crypto and btoa, which the Generate button uses.
  sandbox.window.crypto = webcrypto;
  sandbox.btoa = (text) => Buffer.from(text, 'latin1').toString('base64');

  it('registers plaid-item-store as a config node, sqlite and plaid-items.db by default, the key a required password', function () {
    assert.deepEqual(Object.keys(literal), ['plaid-item-store']);
    assert.equal(literal['plaid-item-store'].category, 'config');
    assert.deepEqual(literal['plaid-item-store'].notInline, []);
    assert.equal(def.defaults.backend.value, 'sqlite');
    assert.equal(def.defaults.file.value, 'plaid-items.db');
    assert.deepEqual({ ...def.credentials.encryptionKey }, { type: 'password', required: true });
    assert.equal(def.credentials.postgresUrl.type, 'password');
    assert.deepEqual({ ...def.credentials.previousKeys }, { type: 'password' }, 'older keys: a password, never sent back, not required');
    assert.equal(def.label.call({ name: '', backend: 'sqlite', file: 'ops.db' }), 'ops.db');
    assert.equal(def.label.call({ name: 'ops', backend: 'sqlite', file: 'ops.db' }), 'ops');
    assert.equal(def.paletteLabel.call(def), 'plaid item store');
  });

  it('needs a file only for the sqlite backend', function () {
    const node = { backend: 'sqlite', file: '' };
    assert.notEqual(validate(def, node, 'file'), true);
    assert.equal(validate(def, { ...node, file: 'items.db' }, 'file'), true);
    assert.equal(validate(def, { ...node, backend: 'postgres' }, 'file'), true);
    assert.equal(validate(def, { backend: 'mysql' }, 'backend'), false);
  });

  it('offers exactly the runtime\'s backends (ITEM_STORE_BACKENDS), in its order, and accepts only them', function () {
    const [template] = namedBlocks(storeHtml, 'data-template-name');
    const select = /<select id="node-config-input-backend"[^>]*>([\S\s]*?)<\/select>/.exec(template.body)[1];
    assert.deepEqual([...select.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1]), [...ITEM_STORE_BACKENDS]);
    for (const backend of ITEM_STORE_BACKENDS) assert.equal(validate(def, { backend }, 'backend'), true, backend);
    assert.equal(def.defaults.backend.value, backendOf(/** @type {any} */ ({})), 'a new store gets what the runtime reads a store without one as');
    assert.equal(def.defaults.file.value, DEFAULT_SQLITE_FILE);
    assert.equal(def.label.call({ name: '', backend: 'sqlite', file: '' }), DEFAULT_SQLITE_FILE, 'a store without a file uses the default');
    assert.equal(def.label.call({ name: '', backend: 'postgres', file: 'ops.db' }), 'postgres');
  });

  it('defaults and shows the postgres settings as the runtime reads them empty (POSTGRES_DEFAULTS)', function () {
    const expected = { poolMax: POSTGRES_DEFAULTS.poolMax, connectTimeout: POSTGRES_DEFAULTS.connectTimeoutMs, queryTimeout: POSTGRES_DEFAULTS.queryTimeoutMs };
    const dialog = fakeDialog({ 'node-config-input-backend': 'postgres' });
    sandbox.$ = dialog.$;
    def.oneditprepare.call({ ...def, credentials: {} });
    for (const [setting, value] of Object.entries(expected)) {
      assert.equal(def.defaults[setting].value, value, setting);
      assert.equal(dialog.state.attrs[`node-config-input-${setting}`]?.placeholder, String(value), `${setting}'s placeholder`);
    }
  });

  it('Generate fills the key field with 32 fresh random bytes as base64, shown, with the copy-it-now tip', function () {
    const keys = [];
    for (let i = 0; i < 2; i++) {
      const dialog = fakeDialog({ 'node-config-input-backend': 'sqlite', 'node-config-input-encryptionKey': '' });
      sandbox.$ = dialog.$;
      def.oneditprepare.call({ ...def, credentials: {} });
      assert.equal(dialog.state.shown['plaid-item-store-file-row'], true);
      assert.equal(dialog.state.shown['plaid-item-store-replace'], false);
      dialog.fire('plaid-item-store-generate', 'click');
      const key = dialog.state.values['node-config-input-encryptionKey'];
      assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
      assert.equal(parseStoreKey(key).length, 32, 'the runtime accepts it');
      assert.equal(dialog.state.attrs['node-config-input-encryptionKey'].type, 'text', 'shown so it can be copied');
      assert.equal(dialog.state.shown['plaid-item-store-generated'], true);
      keys.push(key);
    }
    assert.notEqual(keys[0], keys[1]);
  });

  it('warns when a store that has a key gets another, and says plainly that losing the key loses the tokens', function () {
    const dialog = fakeDialog({ 'node-config-input-backend': 'postgres' });
    sandbox.$ = dialog.$;
    def.oneditprepare.call({ ...def, credentials: { has_encryptionKey: true } });
    assert.equal(dialog.state.shown['plaid-item-store-replace'], true);
    assert.equal(dialog.state.shown['plaid-item-store-file-row'], false);
    assert.equal(dialog.state.shown['plaid-item-store-postgres-row'], true);
    assert.match(storeCatalog['plaid-item-store'].tip.keyLoss, /losing the key loses every token/);
    assert.match(storeHtml, /data-i18n="plaid-item-store\.tip\.keyLoss"/);
    const [help] = namedBlocks(read(path.join(localeDir, 'plaid-item-store.html')), 'data-help-name');
    assert.match(help.body, /Losing it loses every token/);
    assert.match(help.body, /plaid-item-store-backup/);
  });
});
