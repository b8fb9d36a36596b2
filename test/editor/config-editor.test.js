'use strict';
// The config node's editor file: the definition the Flow Library validator and the editor see, and its checks.
const assert = require('node:assert/strict');
const path = require('node:path');
const { nodesDir, localeDir, read, validatorView, namedBlocks, loadEditor, fakeDialog, validate } = require('./support');
const { SETTINGS_VERSION } = require('../../dist/nodes/migrations');

const html = read(path.join(nodesDir, 'plaid-config.html'));
const catalog = JSON.parse(read(path.join(localeDir, 'plaid-config.json')));

describe('config node editor (dist/nodes/plaid-config.html)', function () {
  const { defs: literal } = validatorView(html);
  const { defs } = loadEditor(html, catalog);
  const def = defs['plaid-config'];

  it('registers plaid-config as a config node with inline defaults and credentials', function () {
    assert.deepEqual(Object.keys(literal), ['plaid-config']);
    const v = literal['plaid-config'];
    assert.equal(v.category, 'config');
    assert.deepEqual(v.notInline, []);
    assert.deepEqual(v.defaults, ['name', 'settingsVersion', 'environment', 'baseUrl', 'timeout', 'retries', 'webhookUrl']);
    assert.deepEqual(v.credentials, ['clientId', 'secret', 'host']);
  });

  it('defaults to sandbox, 30000 ms per attempt and 2 retries; the secret is a password credential', function () {
    const values = Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.value]));
    assert.deepEqual(values, { name: '', settingsVersion: SETTINGS_VERSION, environment: 'sandbox', baseUrl: '', timeout: 30000, retries: 2, webhookUrl: '' });
    assert.deepEqual(def.credentials.clientId.type, 'text');
    assert.deepEqual(def.credentials.secret.type, 'password');
  });

  it('is labelled with its name, else its environment', function () {
    assert.equal(def.label.call({ name: 'ops', environment: 'production' }), 'ops');
    assert.equal(def.label.call({ name: '', environment: 'production' }), 'production');
    assert.equal(def.label.call({ name: '', environment: 'custom' }), 'custom');
    assert.equal(def.paletteLabel.call(def), 'plaid config', 'the title of its dialog and help');
  });

  it('has a template with an input for every property and credential', function () {
    const [template, ...more] = namedBlocks(html, 'data-template-name');
    assert.equal(template.name, 'plaid-config');
    assert.equal(more.length, 0);
    const ids = [...template.body.matchAll(/id="node-config-input-(\w+)"/g)].map((m) => m[1]).sort();
    assert.deepEqual(ids, ['baseUrl', 'clientId', 'environment', 'host', 'name', 'retries', 'secret', 'settingsVersion', 'timeout', 'webhookUrl']);
    assert.match(template.body, /<input type="hidden" id="node-config-input-host">/);
    assert.match(template.body, /<input type="password" id="node-config-input-secret"/);
    const options = [...template.body.matchAll(/<option value="(\w+)"/g)].map((m) => m[1]);
    assert.deepEqual(options, ['sandbox', 'production', 'custom']);
  });

  it('needs a base URL only for the custom environment', function () {
    const node = { name: '', environment: 'sandbox', baseUrl: '', timeout: 30000, retries: 2 };
    assert.equal(validate(def, node, 'baseUrl'), true);
    assert.match(String(validate(def, { ...node, environment: 'custom' }, 'baseUrl')), /http/);
    assert.equal(validate(def, { ...node, environment: 'custom', baseUrl: 'http://127.0.0.1:7878' }, 'baseUrl'), true);
    assert.equal(validate(def, { ...node, environment: 'custom', baseUrl: 'https://proxy.example.com/plaid/' }, 'baseUrl'), true);
    assert.notEqual(validate(def, { ...node, environment: 'custom', baseUrl: 'ftp://x' }, 'baseUrl'), true);
    assert.equal(validate(def, { ...node, environment: 'moon' }, 'environment'), false);
  });

  it('wants a positive timeout and zero or more retries', function () {
    const node = { timeout: 30000, retries: 2 };
    assert.equal(validate(def, node, 'timeout'), true);
    assert.equal(validate(def, { ...node, timeout: '1500' }, 'timeout'), true);
    assert.notEqual(validate(def, { ...node, timeout: '0' }, 'timeout'), true);
    assert.notEqual(validate(def, { ...node, timeout: 'soon' }, 'timeout'), true);
    assert.equal(validate(def, { ...node, retries: '0' }, 'retries'), true);
    assert.notEqual(validate(def, { ...node, retries: '-1' }, 'retries'), true);
    assert.notEqual(validate(def, { ...node, retries: '1.5' }, 'retries'), true);
  });

  it('takes an empty webhook base URL (this Node-RED), an http(s) URL or an environment variable', function () {
    for (const ok of ['', 'https://nodered.example.com', 'http://127.0.0.1:1880/', 'https://example.com/red', '${PLAID_WEBHOOK_URL}']) {
      assert.equal(validate(def, { webhookUrl: ok }, 'webhookUrl'), true, ok);
    }
    for (const bad of ['nodered.example.com', '/plaid/webhook', 'ftp://example.com']) {
      assert.match(String(validate(def, { webhookUrl: bad }, 'webhookUrl')), /http:\/\/ or https:\/\//, bad);
    }
  });
});

describe('config node editor: hosts from the runtime', function () {
  const { ENVIRONMENTS, baseUrlFor } = require('../../dist/plaid/environments');
  const { sandbox, defs } = loadEditor(html, catalog);
  const named = ENVIRONMENTS.filter((e) => e !== 'custom');

  it('shows each named environment\'s host as the runtime resolves it', function () {
    assert.deepEqual({ ...sandbox.PlaidConfigEditor.hosts }, Object.fromEntries(named.map((e) => [e, baseUrlFor(e, undefined)])));
    for (const environment of named) {
      const dialog = fakeDialog({ 'node-config-input-environment': environment });
      sandbox.$ = dialog.$;
      defs['plaid-config'].oneditprepare.call(defs['plaid-config']);
      assert.equal(dialog.state.texts['plaid-config-host'], `Calls go to ${baseUrlFor(environment, undefined)}`);
      assert.equal(dialog.state.shown['plaid-config-baseUrl-row'], false);
    }
  });

  it('names the same hosts in its help', function () {
    const [help] = namedBlocks(read(path.join(localeDir, 'plaid-config.html')), 'data-help-name');
    for (const environment of named) assert.ok(help.body.includes(`<code>${baseUrlFor(environment, undefined)}</code>`), environment);
  });
});

describe('config node editor: the secret is bound to where it was entered for', function () {
  const { ENVIRONMENTS, baseUrlFor } = require('../../dist/plaid/environments');
  const { sandbox, defs } = loadEditor(html, catalog);
  const def = defs['plaid-config'];
  const EMULATOR = 'http://127.0.0.1:7878';

  /** Opens the dialog as the editor does for a kept secret (__PWRD__) recorded for `host`. */
  function open(values) {
    const dialog = fakeDialog({ 'node-config-input-environment': 'custom', 'node-config-input-baseUrl': EMULATOR, 'node-config-input-secret': '__PWRD__', 'node-config-input-host': EMULATOR, ...values });
    sandbox.$ = dialog.$;
    def.oneditprepare.call(def);
    return dialog;
  }

  it('resolves the target as the runtime does, for every environment and base URL spelling', function () {
    for (const environment of ENVIRONMENTS) {
      for (const baseUrl of ['http://127.0.0.1:7878', ' https://proxy.example.com/plaid// ', 'http://localhost:1/']) {
        assert.equal(sandbox.PlaidConfigEditor.target(environment, baseUrl), baseUrlFor(environment, baseUrl), `${environment} ${baseUrl}`);
      }
    }
  });

  it('keeps the recorded target when the secret was not typed again, and warns that calls now go elsewhere', function () {
    const dialog = open({});
    assert.equal(dialog.state.shown['plaid-config-host-mismatch'], false, 'same target: no warning');
    dialog.state.values['node-config-input-baseUrl'] = 'http://listener.example:8080';
    dialog.fire('node-config-input-baseUrl');
    assert.equal(dialog.state.shown['plaid-config-host-mismatch'], true);
    assert.match(dialog.state.texts['plaid-config-host-mismatch-text'], /entered for http:\/\/127\.0\.0\.1:7878/);
    const host = dialog.state.values['node-config-input-host'];
    def.oneditsave.call({});
    assert.equal(dialog.state.values['node-config-input-host'], host, 'the dialog records nothing itself: the runtime binds a secret supplied again');
    assert.equal(dialog.state.values['node-config-input-host'], EMULATOR, 'not moved to the new target');
    dialog.state.values['node-config-input-secret'] = 'typed-again';
    dialog.fire('node-config-input-secret', 'keyup');
    assert.equal(dialog.state.shown['plaid-config-host-mismatch'], false, 'typing the secret again answers the warning');
  });
});
