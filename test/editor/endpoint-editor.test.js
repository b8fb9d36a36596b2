'use strict';
// The endpoint nodes' editor file, generated from the endpoint table: what the Flow Library validator reads, what
// the editor registers, and how the dialogs validate their fields.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ENDPOINTS, offersStore, storeFieldsOf } = require('../../dist/plaid/endpoints');
const { renderEditor } = require('../../scripts/build-editor');
const { nodesDir, localeDir, read, javascriptBlocks, validatorView, namedBlocks, loadEditor, fakeDialog, validate } = require('./support');

const html = read(path.join(nodesDir, 'plaid-endpoints.html'));
const catalog = JSON.parse(read(path.join(localeDir, 'plaid-endpoints.json')));

describe('endpoint nodes editor (dist/nodes/plaid-endpoints.html)', function () {
  const { defs: literal, perBlock } = validatorView(html);
  const { defs } = loadEditor(html, catalog);

  it('is what scripts/build-editor.js makes of the current endpoint table', function () {
    assert.equal(html, renderEditor(ENDPOINTS, path.join(nodesDir, 'icons')));
  });

  it('registers exactly the types of the endpoint table, each in a literal registerType of its own block', function () {
    assert.deepEqual(Object.keys(literal).sort(), ENDPOINTS.map((e) => e.type).sort(), 'no non-literal registerType');
    assert.deepEqual(Object.keys(defs).sort(), ENDPOINTS.map((e) => e.type).sort());
    assert.ok(perBlock.every((n) => n <= 1), 'at most one registerType per <script> block');
    assert.equal(perBlock.filter((n) => n === 1).length, ENDPOINTS.length);
    assert.equal(javascriptBlocks(html).length, ENDPOINTS.length + 1, 'one shared block plus one per node');
  });

  for (const endpoint of ENDPOINTS) {
    describe(endpoint.type, function () {
      const typedInputProps = (fields) => fields.flatMap((f) => [f.name, `${f.name}Type`]);
      // The store select, then the request fields, then the settings read only with a store.
      const fieldProps = [
        ...(offersStore(endpoint) ? ['store'] : []),
        ...typedInputProps(endpoint.mode ? [endpoint.mode] : []),
        ...typedInputProps(endpoint.fields),
        ...typedInputProps(storeFieldsOf(endpoint)),
      ];

      it('has inline defaults name, settingsVersion, plaid and <field>/<field>Type, and literal category, color, icon, ports', function () {
        const v = literal[endpoint.type];
        assert.equal(v.calls, 1);
        assert.deepEqual(v.notInline, []);
        assert.deepEqual(v.defaults, ['name', 'settingsVersion', 'plaid', ...fieldProps]);
        assert.equal(v.category, 'plaid');
        assert.equal(v.color, '#53A9D8');
        assert.equal(v.inputs, 1);
        assert.equal(v.outputs, 1);
        assert.ok(fs.existsSync(path.join(nodesDir, 'icons', v.icon)), `icon ${v.icon} exists`);
        assert.equal(v.icon, `${endpoint.type}.svg`, 'each endpoint node has an icon of its own');
      });

      it('defaults to the table\'s values, with the config node required', function () {
        const d = defs[endpoint.type].defaults;
        assert.deepEqual(Object.keys(d), ['name', 'settingsVersion', 'plaid', ...fieldProps]);
        assert.deepEqual({ value: d.plaid.value, type: d.plaid.type, required: d.plaid.required }, { value: '', type: 'plaid-config', required: true });
        if (offersStore(endpoint)) {
          assert.deepEqual({ value: d.store.value, type: d.store.type, required: d.store.required }, { value: '', type: 'plaid-item-store', required: false }, 'no store unless one is chosen');
        }
        for (const f of [...endpoint.fields, ...storeFieldsOf(endpoint)]) {
          assert.equal(d[f.name].value, f.default.value, f.name);
          assert.equal(d[`${f.name}Type`].value, f.default.type, `${f.name}Type`);
        }
      });

      it('labels a node with its name, else the endpoint label; palette label short', function () {
        const def = defs[endpoint.type];
        assert.equal(def.label.call({ name: '' }), endpoint.label);
        assert.equal(def.label.call({ name: 'mine' }), 'mine');
        const palette = def.paletteLabel.call(def);
        assert.equal(palette, catalog['plaid-endpoints'].paletteLabel[endpoint.type]);
        assert.ok(palette.length <= 20, `palette label "${palette}" is short`);
      });

      it('has a template with the config selector, a typedInput per field and the name', function () {
        const templates = namedBlocks(html, 'data-template-name').filter((t) => t.name === endpoint.type);
        assert.equal(templates.length, 1);
        const ids = [...templates[0].body.matchAll(/id="node-input-([\w]+)"/g)].map((m) => m[1]);
        assert.deepEqual(ids.sort(), ['name', 'settingsVersion', 'plaid', ...fieldProps].sort());
      });

      it('accepts its defaults as valid, except a required field left without a value', function () {
        const def = defs[endpoint.type];
        const node = Object.fromEntries(Object.entries(def.defaults).map(([k, v]) => [k, v.value]));
        node.plaid = 'cfg';
        for (const f of endpoint.fields) {
          const unsetRequired = f.required && f.default.value === '';
          assert.equal(validate(def, node, f.name) === true, !unsetRequired, f.name);
        }
      });
    });
  }

  describe('field validation', function () {
    const def = defs['plaid-sandbox-public-token-create'];
    const check = (type, field, value, valueType, dialog) => {
      const { defs: fresh } = loadEditor(html, catalog, { dialog });
      const d = fresh[type];
      return validate(d, { [field]: value, [`${field}Type`]: valueType }, field);
    };

    it('marks a required field empty as str, and says why', function () {
      const message = def.defaults.institution_id.validate.call({ institution_idType: 'str' }, '', {});
      assert.match(message, /^institution_id: required/);
      assert.equal(check('plaid-item-get', 'access_token', '', 'str'), 'access_token: required: set a value or take it from msg');
      assert.notEqual(check('plaid-item-get', 'access_token', '', 'msg'), true);
      assert.equal(check('plaid-item-get', 'access_token', 'access-sandbox-1', 'str'), true);
      assert.equal(check('plaid-item-get', 'access_token', 'payload.token', 'msg'), true);
      assert.equal(check('plaid-item-get', 'access_token', 'ACCESS_TOKEN', 'env'), true);
      assert.equal(check('plaid-item-get', 'access_token', '#:(file)::tokens.a', 'flow'), true);
      assert.equal(check('plaid-item-get', 'access_token', '${PLAID_ACCESS_TOKEN}', 'str'), true);
    });

    it('leaves an optional field empty as "not set"', function () {
      assert.equal(check('plaid-item-remove', 'reason_note', '', 'str'), true);
      assert.equal(check('plaid-item-remove', 'reason_code', '', 'str'), true);
      assert.equal(check('plaid-item-remove', 'reason_note', '', 'msg'), true);
    });

    it('reads the type from the open dialog rather than the saved node', function () {
      assert.equal(check('plaid-item-get', 'access_token', 'payload..x', 'str', {}), true);
      assert.notEqual(check('plaid-item-get', 'access_token', 'payload..x', 'str', { 'node-input-access_tokenType': 'msg' }), true);
    });

    it('checks msg/flow/global expressions, JSON and the JSON shape a field needs', function () {
      assert.match(String(check('plaid-item-get', 'access_token', 'payload..x', 'msg')), /property expression/);
      assert.match(String(check('plaid-sandbox-public-token-create', 'initial_products', '["transactions"', 'json')), /not valid JSON/);
      assert.match(String(check('plaid-sandbox-public-token-create', 'initial_products', '{"a":1}', 'json')), /array of strings/);
      assert.match(String(check('plaid-sandbox-public-token-create', 'initial_products', 'transactions', 'str')), /JSON/);
      assert.equal(check('plaid-sandbox-public-token-create', 'initial_products', '["auth","transactions"]', 'json'), true);
      assert.equal(check('plaid-sandbox-public-token-create', 'options', '{"webhook":"https://example.com/hook"}', 'json'), true);
      assert.match(String(check('plaid-sandbox-public-token-create', 'options', '[]', 'json')), /JSON object/);
      assert.match(String(check('plaid-sandbox-public-token-create', 'options', '', 'json')), /not valid JSON/);
    });

    it('offers webhook: null as JSON, and wants a URL as str', function () {
      assert.equal(check('plaid-item-webhook-update', 'webhook', 'null', 'json'), true);
      assert.equal(check('plaid-item-webhook-update', 'webhook', 'https://example.com/plaid', 'str'), true);
      assert.match(String(check('plaid-item-webhook-update', 'webhook', 'example.com', 'str')), /http/);
      assert.match(String(check('plaid-item-webhook-update', 'webhook', '42', 'json')), /URL\) or null/);
    });

    it('checks an enum value against Plaid\'s values', function () {
      assert.equal(check('plaid-sandbox-item-fire-webhook', 'webhook_code', 'DEFAULT_UPDATE', 'enum'), true);
      assert.match(String(check('plaid-sandbox-item-fire-webhook', 'webhook_code', 'NOPE', 'enum')), /not one of DEFAULT_UPDATE, /);
      assert.equal(check('plaid-item-remove', 'reason_code', 'FRAUD_OTHER', 'enum'), true);
      assert.equal(check('plaid-sandbox-item-set-verification-status', 'verification_status', 'verification_expired', 'enum'), true);
    });
  });

  it('offers the enum type exactly for the table\'s enum fields, with Plaid\'s values', function () {
    const created = [];
    const { defs: fresh, sandbox } = loadEditor(html, catalog);
    sandbox.$ = (selector) => ({
      length: 0,
      val: () => undefined,
      on: () => undefined,
      toggle: () => undefined,
      typedInput: (options) => created.push({ selector, options }),
    });
    for (const endpoint of ENDPOINTS) {
      created.length = 0;
      fresh[endpoint.type].oneditprepare.call({});
      const fields = [...(endpoint.mode ? [endpoint.mode] : []), ...endpoint.fields, ...storeFieldsOf(endpoint)];
      assert.deepEqual(created.map((c) => c.selector), fields.map((f) => `#node-input-${f.name}`));
      for (const [i, f] of fields.entries()) {
        const { options } = created[i];
        assert.equal(options.typeField, `#node-input-${f.name}Type`);
        assert.equal(options.default, f.default.type);
        const names = Array.from(options.types, (t) => (typeof t === 'string' ? t : t.value));
        const base = ['str', 'msg', 'flow', 'global', 'env', 'json'];
        const first = { enum: ['enum'], boolean: ['bool'], section: ['bool'], integer: ['num'] }[f.kind] ?? [];
        assert.deepEqual(names, [...first, ...base], `${endpoint.type} ${f.name}`);
        if (f.kind === 'enum') assert.deepEqual([...options.types[0].options], [...f.values]);
      }
    }
  });

  describe('with an Item store', function () {
    const storeTypes = ENDPOINTS.filter(offersStore).map((e) => e.type);

    it('is offered exactly by the nodes that take a token, save an Item or read its link token', function () {
      const storeless = ['plaid-sandbox-public-token-create'];
      assert.deepEqual(storeTypes, ENDPOINTS.filter((e) => !storeless.includes(e.type)).map((e) => e.type));
      for (const endpoint of ENDPOINTS) {
        const [template] = namedBlocks(html, 'data-template-name').filter((t) => t.name === endpoint.type);
        assert.equal(template.body.includes('id="node-input-store"'), offersStore(endpoint), endpoint.type);
        assert.equal(template.body.includes('id="plaid-endpoints-store-fields" style="display: none;"'), offersStore(endpoint), endpoint.type);
      }
    });

    it('shows the store settings and hides access_token while a store is selected', function () {
      for (const type of storeTypes) {
        const { defs: fresh, sandbox } = loadEditor(html, catalog);
        const dialog = fakeDialog({ 'node-input-store': '_ADD_', 'node-input-access_token': 'payload.access_token', 'node-input-access_tokenType': 'msg', 'node-input-plaid': '' });
        sandbox.$ = dialog.$;
        fresh[type].oneditprepare.call({});
        assert.equal(dialog.state.shown['plaid-endpoints-store-fields'], false, `${type}: "none" is no store`);
        dialog.state.values['node-input-store'] = 'store1';
        dialog.fire('node-input-store');
        assert.equal(dialog.state.shown['plaid-endpoints-store-fields'], true, type);
        const hasToken = ENDPOINTS.find((e) => e.type === type).fields.some((f) => f.name === 'access_token');
        if (hasToken) assert.equal(dialog.state.shown['plaid-endpoints-token-rows'], false, type);
      }
    });

    it('validates item_id only with a store, and access_token only without one', function () {
      const def = defs['plaid-item-get'];
      assert.equal(validate(def, { store: '', item_id: '', item_idType: 'str' }, 'item_id'), true, 'no store: item_id is not read');
      assert.match(String(def.defaults.item_id.validate.call({ store: 'store1', item_idType: 'str' }, '', {})), /^item_id: required/);
      assert.match(String(def.defaults.item_id.validate.call({ store: 'store1', item_idType: 'msg' }, 'payload..x', {})), /property expression/);
      assert.equal(validate(def, { store: 'store1', item_id: 'item_id', item_idType: 'msg' }, 'item_id'), true);
      assert.equal(validate(def, { store: 'store1', access_token: '', access_tokenType: 'str' }, 'access_token'), true, 'with a store the token is the store\'s');
      assert.notEqual(validate(def, { store: '', access_token: '', access_tokenType: 'str' }, 'access_token'), true);
    });
  });

  describe('link token mode and Hosted Link', function () {
    const open = (values) => {
      const { defs: fresh, sandbox } = loadEditor(html, catalog);
      const dialog = fakeDialog({ 'node-input-plaid': '', 'node-input-store': '', ...values });
      sandbox.$ = dialog.$;
      fresh['plaid-link-token-create'].oneditprepare.call({});
      return dialog;
    };

    it('shows each mode\'s fields only in that mode, and all of them while the mode comes from msg', function () {
      const dialog = open({ 'node-input-mode': 'update', 'node-input-modeType': 'enum', 'node-input-hosted_link': 'true', 'node-input-hosted_linkType': 'bool' });
      const shown = () => ['access_token', 'products', 'webhook', 'client_name'].map((f) => dialog.state.shown[`plaid-endpoints-row-${f}`]);
      assert.deepEqual(shown(), [true, false, false, true]);
      dialog.state.values['node-input-mode'] = 'new';
      dialog.fire('node-input-mode');
      assert.deepEqual(shown(), [false, true, true, true]);
      dialog.state.values['node-input-modeType'] = 'msg';
      dialog.fire('node-input-modeType');
      assert.deepEqual(shown(), [true, true, true, true]);
    });

    it('shows the Hosted Link settings only while Hosted Link is on', function () {
      const dialog = open({ 'node-input-mode': 'update', 'node-input-modeType': 'enum', 'node-input-hosted_link': 'true', 'node-input-hosted_linkType': 'bool' });
      const shown = () => ['completion_redirect_uri', 'url_lifetime_seconds'].map((f) => dialog.state.shown[`plaid-endpoints-row-${f}`]);
      assert.deepEqual(shown(), [true, true]);
      dialog.state.values['node-input-hosted_link'] = 'false';
      dialog.fire('node-input-hosted_link');
      assert.deepEqual(shown(), [false, false]);
    });

    it('checks a whole number of seconds and the mode\'s values', function () {
      const def = defs['plaid-link-token-create'];
      assert.equal(validate(def, { url_lifetime_seconds: '900', url_lifetime_secondsType: 'num' }, 'url_lifetime_seconds'), true);
      assert.match(String(def.defaults.url_lifetime_seconds.validate.call({ url_lifetime_secondsType: 'num' }, '9.5', {})), /whole number/);
      assert.match(String(def.defaults.mode.validate.call({ modeType: 'enum' }, 'repair', {})), /not one of update, new/);
      assert.deepEqual({ mode: def.defaults.mode.value, hosted_link: def.defaults.hosted_link.value, hosted_linkType: def.defaults.hosted_linkType.value }, { mode: 'update', hosted_link: 'true', hosted_linkType: 'bool' });
    });
  });

  describe('a literal access token', function () {
    const withToken = ENDPOINTS.filter((e) => e.fields.some((f) => f.name === 'access_token'));
    const TOKEN = 'access-sandbox-8ab976e6-64bc-4b38-98f7-731e7a349970';

    /** Opens the dialog with access_token as `value`/`type`, then lets the user change it to `then`. */
    function open(type, value, valueType) {
      const { defs: fresh, sandbox } = loadEditor(html, catalog);
      const dialog = fakeDialog({ 'node-input-access_token': value, 'node-input-access_tokenType': valueType, 'node-input-plaid': '' });
      sandbox.$ = dialog.$;
      fresh[type].oneditprepare.call({});
      return dialog;
    }

    it('has a warning row in every dialog with an access_token field, hidden at first', function () {
      assert.ok(withToken.length > 0);
      for (const endpoint of ENDPOINTS) {
        const [template] = namedBlocks(html, 'data-template-name').filter((t) => t.name === endpoint.type);
        const row = template.body.match(/<div class="form-row" id="plaid-endpoints-literal-token" style="display: none;">[\S\s]*?<\/div>/);
        assert.equal(Boolean(row), withToken.includes(endpoint), endpoint.type);
        if (row) assert.match(row[0], /data-i18n="plaid-endpoints.tip.literalToken"/);
      }
      assert.match(catalog['plaid-endpoints'].tip.literalToken, /export/);
    });

    it('is warned about while it is a str value that looks like a token', function () {
      for (const endpoint of withToken) {
        const dialog = open(endpoint.type, TOKEN, 'str');
        assert.equal(dialog.state.shown['plaid-endpoints-literal-token'], true, endpoint.type);
        dialog.state.values['node-input-access_tokenType'] = 'msg';
        dialog.state.values['node-input-access_token'] = 'payload.access_token';
        dialog.fire('node-input-access_token');
        assert.equal(dialog.state.shown['plaid-endpoints-literal-token'], false, `${endpoint.type}: msg`);
        dialog.state.values['node-input-access_tokenType'] = 'str';
        dialog.state.values['node-input-access_token'] = ` ${TOKEN.replace('sandbox', 'production')}`;
        dialog.fire('node-input-access_token', 'keyup');
        assert.equal(dialog.state.shown['plaid-endpoints-literal-token'], true, `${endpoint.type}: typed in`);
      }
    });

    it('is not warned about for what only names one: msg, flow, global, env, ${VAR} or other text', function () {
      for (const [value, type] of [['payload.access_token', 'msg'], ['tokens.a', 'flow'], [TOKEN, 'env'], [TOKEN, 'global'], ['${PLAID_ACCESS_TOKEN}', 'str'], ['access denied', 'str'], ['', 'str']]) {
        assert.equal(open('plaid-item-get', value, type).state.shown['plaid-endpoints-literal-token'], false, `${type} ${value}`);
      }
    });

    it('is still a valid setting (a warning, not an error)', function () {
      assert.equal(validate(loadEditor(html, catalog).defs['plaid-item-get'], { access_token: TOKEN, access_tokenType: 'str' }, 'access_token'), true);
    });
  });

  it('turns a new table row into a node with the generic icon: a row plus its help text is enough', function () {
    const row = {
      type: 'plaid-item-example-new',
      path: '/item/example/new',
      label: 'item/example/new',
      sandboxOnly: false,
      retry: 'idempotent',
      fields: [{ name: 'access_token', required: true, kind: 'string', default: { value: 'payload.access_token', type: 'msg' } }],
    };
    const out = renderEditor([...ENDPOINTS, row], path.join(nodesDir, 'icons'));
    const { defs: literalNew } = validatorView(out);
    assert.equal(literalNew[row.type].icon, 'plaid.svg');
    assert.equal(literalNew[row.type].category, 'plaid');
    const { defs: registered } = loadEditor(out, catalog);
    assert.equal(registered[row.type].paletteLabel.call(registered[row.type]), 'item example new');
  });
});
