'use strict';
// Writes dist/nodes/plaid-endpoints.html, the editor side of the endpoint nodes, from the endpoint table
// (dist/plaid/endpoints.js), so that adding an endpoint is a row in src/plaid/endpoints.ts plus its help text in
// nodes/locales/en-US/plaid-endpoints.html.
//
// For each node type the file holds its own <script type="text/javascript"> with a literal
// `RED.nodes.registerType('<type>', {...})` (the Flow Library validator reads only that form: literal type name,
// inline defaults, literal category/color/icon/inputs/outputs) and its <script type="text/html"> template.
// The behaviour they share (typedInputs, validation, labels) is one script block first in the file, compiled from
// src/editor/endpoints.ts (see scripts/lib/editor-scripts.js).
const fs = require('node:fs');
const path = require('node:path');

const { renderEndpointHelp } = require('./lib/endpoint-help');
const { scriptBlock, editorTable, compileEditorScripts, inlineEditorScripts } = require('./lib/editor-scripts');
const { LITERALS, fillLiterals, fillLiteralsIn } = require('./lib/editor-literals');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

const CATEGORY = 'plaid';
const COLOR = '#53A9D8';
const GENERIC_ICON = 'plaid.svg';
const GLOBAL = 'PlaidEndpointsEditor';

/** The compiled endpoint table's module (dist/plaid/endpoints.js), as writeEditor() last loaded it. */
const endpointTable = () => require(path.join(dist, 'plaid', 'endpoints.js'));
const storeFieldsOf = (endpoint) => endpointTable().storeFieldsOf(endpoint);
const takesAccessToken = (endpoint) => endpointTable().takesAccessToken(endpoint);

/** Font Awesome icon for a field's label in the edit dialog, by Plaid's field name; the kind decides otherwise. */
const FIELD_ICONS = {
  access_token: 'fa-key',
  public_token: 'fa-ticket',
  institution_id: 'fa-university',
  initial_products: 'fa-cubes',
  options: 'fa-sliders',
  user_token: 'fa-user',
  user_id: 'fa-user',
  account_id: 'fa-credit-card',
  verification_status: 'fa-check-circle',
  reason_code: 'fa-list',
  reason_note: 'fa-comment',
  webhook: 'fa-globe',
  webhook_type: 'fa-tags',
  webhook_code: 'fa-bolt',
  item_id: 'fa-id-badge',
  client_user_id: 'fa-user',
  mode: 'fa-random',
  client_name: 'fa-building',
  language: 'fa-language',
  country_codes: 'fa-flag',
  products: 'fa-cubes',
  hosted_link: 'fa-external-link',
  completion_redirect_uri: 'fa-share',
  url_lifetime_seconds: 'fa-clock-o',
  link_token: 'fa-link',
};
const KIND_ICONS = {
  string: 'fa-pencil', enum: 'fa-list', 'string-array': 'fa-list-ol', object: 'fa-cube', 'nullable-url': 'fa-globe', boolean: 'fa-toggle-on', integer: 'fa-hashtag', section: 'fa-toggle-on',
};

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const js = (value) => JSON.stringify(value).replace(/</g, '\\u003c');

function iconFor(endpoint, iconsDir) {
  const own = `${endpoint.type}.svg`;
  return fs.existsSync(path.join(iconsDir, own)) ? own : GENERIC_ICON;
}

function definitionBlock(endpoint, icon) {
  const t = js(endpoint.type).replace(/"/g, "'");
  const typedInput = (f) => [
    `      ${f.name}: { value: ${js(f.default.value)}, validate: ${GLOBAL}.validator(${t}, ${js(f.name)}) },`,
    `      ${f.name}Type: { value: ${js(f.default.type)} },`,
  ];
  const storeFields = storeFieldsOf(endpoint);
  const defaults = [
    `      name: { value: '' },`,
    `      settingsVersion: { value: ${LITERALS.settingsVersion()} },`,
    `      plaid: { value: '', type: 'plaid-config', required: true },`,
    // Empty: no store, tokens come from msg/flow/global as before the store existed.
    ...(storeFields.length ? [`      store: { value: '', type: 'plaid-item-store', required: false },`] : []),
    ...(endpoint.mode ? typedInput(endpoint.mode) : []),
    ...endpoint.fields.flatMap(typedInput),
    ...storeFields.flatMap(typedInput),
  ];
  return `<script type="text/javascript">
  RED.nodes.registerType(${t}, {
    category: '${CATEGORY}',
    color: '${COLOR}',
    defaults: {
${defaults.join('\n')}
    },
    inputs: 1,
    outputs: 1,
    icon: '${icon}',
    paletteLabel: function () { return ${GLOBAL}.paletteLabel(this, ${t}); },
    label: function () { return this.name || ${js(endpoint.label)}; },
    labelStyle: function () { return this.name ? 'node_label_italic' : ''; },
    inputLabels: function () { return this._('plaid-endpoints.inputLabel'); },
    outputLabels: function () { return this._('plaid-endpoints.outputLabel'); },
    oneditprepare: function () { ${GLOBAL}.prepare(this, ${t}); },
  });
</script>`;
}

/** Shown while access_token holds a literal token (src/editor/shared.ts): the flow, and so every export, carries it. */
const literalTokenWarning = `
  <div class="form-row" id="plaid-endpoints-literal-token" style="display: none;">
    <label></label>
    <span class="form-tips plaid-endpoints-tip plaid-endpoints-danger" data-i18n="plaid-endpoints.tip.literalToken"></span>
  </div>`;

/** A typedInput row; with a store, the access_token rows are hidden (the store has the token). */
function fieldRow(f) {
  const icon = FIELD_ICONS[f.name] || KIND_ICONS[f.kind] || 'fa-pencil';
  const required = f.required ? ' <span class="plaid-endpoints-required" data-i18n="[title]plaid-endpoints.tip.requiredMark">*</span>' : '';
  const row = `  <div class="form-row" id="plaid-endpoints-row-${f.name}">
    <label for="node-input-${f.name}"><i class="fa ${icon}"></i> <span class="plaid-endpoints-field">${esc(f.name)}</span>${required}</label>
    <input type="text" id="node-input-${f.name}" style="width: calc(100% - 160px);">
    <input type="hidden" id="node-input-${f.name}Type">
  </div>`;
  return f.name === 'access_token' ? `<div id="plaid-endpoints-token-rows">\n${row}${literalTokenWarning}\n</div>` : row;
}

/** The Item store select and, shown while a store is selected, the settings read only then. */
function storeRows(endpoint) {
  const storeFields = storeFieldsOf(endpoint);
  if (!storeFields.length) return '';
  return `
  <div class="form-row">
    <label for="node-input-store"><i class="fa fa-database"></i> <span data-i18n="plaid-endpoints.label.store"></span></label>
    <input type="text" id="node-input-store" style="width: calc(100% - 160px);">
  </div>
  <div id="plaid-endpoints-store-fields" style="display: none;">
${storeFields.map(fieldRow).join('\n')}
  <div class="form-row">
    <label></label>
    <span class="form-tips plaid-endpoints-tip" data-i18n="[html]plaid-endpoints.tip.${takesAccessToken(endpoint) ? 'storeToken' : 'storeSave'}"></span>
  </div>
  </div>`;
}

function templateBlock(endpoint) {
  const rows = [...(endpoint.mode ? [endpoint.mode] : []), ...endpoint.fields].map(fieldRow);
  const sandbox = endpoint.sandboxOnly
    ? `
  <div class="form-row">
    <label></label>
    <span class="form-tips plaid-endpoints-tip" data-i18n="plaid-endpoints.tip.sandboxOnly"></span>
  </div>
  <div class="form-row" id="plaid-endpoints-production-warning" style="display: none;">
    <label></label>
    <span class="form-tips plaid-endpoints-tip plaid-endpoints-danger" data-i18n="plaid-endpoints.tip.production"></span>
  </div>`
    : '';
  return `<script type="text/html" data-template-name="${esc(endpoint.type)}">
<div class="plaid-endpoints-form">
  <div class="form-row">
    <label for="node-input-plaid"><i class="fa fa-university"></i> <span data-i18n="plaid-endpoints.label.plaid"></span></label>
    <input type="text" id="node-input-plaid" style="width: calc(100% - 160px);">
  </div>${storeRows(endpoint)}${sandbox}
${rows.join('\n')}
  <div class="form-row">
    <label for="node-input-name"><i class="fa fa-tag"></i> <span data-i18n="plaid-endpoints.label.name"></span></label>
    <input type="text" id="node-input-name" style="width: calc(100% - 160px);" data-i18n="[placeholder]plaid-endpoints.placeholder.name">
    <input type="hidden" id="node-input-settingsVersion">
  </div>
  <div class="form-tips" data-i18n="[html]plaid-endpoints.tip.fields"></div>
</div>
</script>`;
}

/** The shared block: the endpoints' browser code with the reduced endpoint table, and the dialogs' style. */
function sharedBlock(endpoints) {
  return `${scriptBlock('plaid-endpoints', editorTable(endpoints))}

<style>
  .red-ui-editor .plaid-endpoints-form .form-row > label { width: 150px; }
  .plaid-endpoints-required { color: var(--red-ui-text-color-error, #d6615f); cursor: help; }
  .plaid-endpoints-tip { display: inline-block; box-sizing: border-box; width: calc(100% - 160px); margin-top: 0; }
  .plaid-endpoints-danger { color: var(--red-ui-text-color-error, #d6615f); font-weight: bold; }
</style>`;
}

/** Builds the html text from the compiled endpoint table; `iconsDir` decides which nodes have an icon of their own. */
function renderEditor(endpoints, iconsDir) {
  const header = '<!-- Generated by scripts/build-editor.js from src/plaid/endpoints.ts: edit the table, not this file. -->';
  const blocks = endpoints.map((e) => `${definitionBlock(e, iconFor(e, iconsDir))}\n\n${templateBlock(e)}`);
  return `${header}\n\n${sharedBlock(endpoints)}\n\n${blocks.join('\n\n')}\n`;
}

/**
 * Writes the runtime's literals into the hand-written html (scripts/lib/editor-literals.js), the generated node set
 * html and help, and inlines the browser code into the hand-written html.
 */
function writeEditor() {
  const tablePath = path.join(dist, 'plaid', 'endpoints.js');
  delete require.cache[require.resolve(tablePath)];
  const { ENDPOINTS } = require(tablePath);
  const nodesDir = path.join(dist, 'nodes');
  compileEditorScripts();
  fillLiteralsIn(nodesDir);
  fillLiteralsIn(path.join(dist, 'plugins'));
  fs.writeFileSync(path.join(nodesDir, 'plaid-endpoints.html'), renderEditor(ENDPOINTS, path.join(nodesDir, 'icons')));
  inlineEditorScripts(nodesDir, ['plaid-endpoints']);
  inlineEditorScripts(path.join(dist, 'plugins'), []);
  const help = path.join(nodesDir, 'locales', 'en-US', 'plaid-endpoints.html');
  const handWritten = fs.readFileSync(path.join(root, 'nodes', 'locales', 'en-US', 'plaid-endpoints.html'), 'utf8');
  fs.writeFileSync(help, renderEndpointHelp(ENDPOINTS, fillLiterals(handWritten, 'locales/en-US/plaid-endpoints.html')));
}

module.exports = { writeEditor, renderEditor };

if (require.main === module) writeEditor();
