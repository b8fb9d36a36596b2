'use strict';
// Writes dist/nodes/plaid-endpoints.html, the editor side of the endpoint nodes, from the endpoint table
// (dist/plaid/endpoints.js), so that adding an endpoint is a row in src/plaid/endpoints.ts plus its help text in
// nodes/locales/en-US/plaid-endpoints.html.
//
// For each node type the file holds its own <script type="text/javascript"> with a literal
// `RED.nodes.registerType('<type>', {...})` (the Flow Library validator reads only that form: literal type name,
// inline defaults, literal category/color/icon/inputs/outputs) and its <script type="text/html"> template.
// The behaviour they share (typedInputs, validation, labels) is one script block first in the file.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

const CATEGORY = 'plaid';
const COLOR = '#53A9D8';
const GENERIC_ICON = 'plaid.svg';
const GLOBAL = 'PlaidEndpointsEditor';

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
};
const KIND_ICONS = { string: 'fa-pencil', enum: 'fa-list', 'string-array': 'fa-list-ol', object: 'fa-cube', 'nullable-url': 'fa-globe' };

/**
 * Runs in the editor (stringified into the shared script block): the behaviour every endpoint node shares.
 * `table` is the endpoint table reduced to what the editor needs, keyed by node type.
 */
/* global RED, $ */
function editorSupport(table) {
  var BASE_TYPES = ['str', 'msg', 'flow', 'global', 'env', 'json'];
  var EXPRESSION_TYPES = { msg: true, flow: true, global: true };

  function field(type, name) {
    var fields = table[type].fields;
    for (var i = 0; i < fields.length; i++) if (fields[i].name === name) return fields[i];
    throw new Error('plaid: ' + type + ' has no field ' + name);
  }

  /** A text from the locale file, through the node type's own translator (it knows the package's namespace). */
  function text(type, key, data) {
    return RED.nodes.getType(type)._('plaid-endpoints.' + key, data);
  }

  /** The field's typedInput type: the dialog's while it is open, else the node's. */
  function typeOf(node, spec) {
    var input = $('#node-input-' + spec.name + 'Type');
    return (input.length && input.val()) || node[spec.name + 'Type'] || spec.default.type;
  }

  /** Why a JSON value does not fit the field, or undefined. */
  function shapeProblem(spec, value) {
    switch (spec.kind) {
      case 'string-array':
        if (!Array.isArray(value) || value.some(function (v) { return typeof v !== 'string'; })) return 'stringArray';
        return undefined;
      case 'object':
        return value !== null && typeof value === 'object' && !Array.isArray(value) ? undefined : 'object';
      case 'nullable-url':
        return value === null || typeof value === 'string' ? undefined : 'urlOrNull';
      default:
        return typeof value === 'string' ? undefined : 'string';
    }
  }

  /** true, or the message key of what is wrong with `value` as a `type` for this field. */
  function problem(spec, value, type) {
    value = value === undefined || value === null ? '' : String(value);
    if (/^\$\{[^}]+\}$/.test(value)) return true; // ${ENV_VAR}, resolved by the runtime
    if (type === 'json') {
      var parsed;
      try {
        parsed = JSON.parse(value);
      } catch (err) {
        return 'json';
      }
      return shapeProblem(spec, parsed) || true;
    }
    if (value === '') return spec.required ? 'required' : true;
    if (EXPRESSION_TYPES[type]) {
      var key = value.replace(/^#:\([^)]*\)::/, ''); // flow/global: a context store prefix
      return RED.utils.validatePropertyExpression(key) === true ? true : 'expression';
    }
    if (type === 'enum') return spec.values.indexOf(value) === -1 ? 'enum' : true;
    if (type === 'str' && spec.kind === 'nullable-url' && !/^https?:\/\/\S+$/.test(value)) return 'url';
    if (type === 'str' && (spec.kind === 'string-array' || spec.kind === 'object')) return 'needsJson';
    return true;
  }

  function validator(type, name) {
    return function (value, opt) {
      var spec = field(type, name);
      var result = problem(spec, value, typeOf(this, spec));
      if (result === true) return true;
      return opt ? name + ': ' + text(type, 'errors.' + result, { values: (spec.values || []).join(', ') }) : false;
    };
  }

  function paletteLabel(def, type) {
    var key = 'plaid-endpoints.paletteLabel.' + type;
    var label = def._ ? def._(key) : key;
    return label && label !== key ? label : table[type].label.replace(/^sandbox\//, '').replace(/[/_]/g, ' ');
  }

  function prepare(node, type) {
    var endpoint = table[type];
    endpoint.fields.forEach(function (spec) {
      var types = BASE_TYPES.slice();
      if (spec.kind === 'enum') {
        types.unshift({ value: 'enum', label: text(type, 'typedInput.enum'), icon: 'fa fa-list', options: spec.values });
      }
      $('#node-input-' + spec.name).typedInput({
        default: spec.default.type,
        types: types,
        typeField: '#node-input-' + spec.name + 'Type',
      });
    });
    if (endpoint.sandboxOnly) {
      var warn = function () {
        var config = RED.nodes.node($('#node-input-plaid').val());
        $('#plaid-endpoints-production-warning').toggle(!!config && config.environment === 'production');
      };
      $('#node-input-plaid').on('change', warn);
      warn();
    }
  }

  window.PlaidEndpointsEditor = {
    table: table,
    problem: problem,
    validator: validator,
    paletteLabel: paletteLabel,
    prepare: prepare,
  };
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const js = (value) => JSON.stringify(value).replace(/</g, '\\u003c');

function iconFor(endpoint, iconsDir) {
  const own = `${endpoint.type}.svg`;
  return fs.existsSync(path.join(iconsDir, own)) ? own : GENERIC_ICON;
}

function definitionBlock(endpoint, icon) {
  const t = js(endpoint.type).replace(/"/g, "'");
  const defaults = [
    `      name: { value: '' },`,
    `      plaid: { value: '', type: 'plaid-config', required: true },`,
    ...endpoint.fields.flatMap((f) => [
      `      ${f.name}: { value: ${js(f.default.value)}, validate: ${GLOBAL}.validator(${t}, ${js(f.name)}) },`,
      `      ${f.name}Type: { value: ${js(f.default.type)} },`,
    ]),
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

function templateBlock(endpoint) {
  const rows = endpoint.fields.map((f) => {
    const icon = FIELD_ICONS[f.name] || KIND_ICONS[f.kind] || 'fa-pencil';
    const required = f.required ? ' <span class="plaid-endpoints-required" data-i18n="[title]plaid-endpoints.tip.requiredMark">*</span>' : '';
    return `  <div class="form-row">
    <label for="node-input-${f.name}"><i class="fa ${icon}"></i> <span class="plaid-endpoints-field">${esc(f.name)}</span>${required}</label>
    <input type="text" id="node-input-${f.name}" style="width: calc(100% - 160px);">
    <input type="hidden" id="node-input-${f.name}Type">
  </div>`;
  });
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
  </div>${sandbox}
${rows.join('\n')}
  <div class="form-row">
    <label for="node-input-name"><i class="fa fa-tag"></i> <span data-i18n="plaid-endpoints.label.name"></span></label>
    <input type="text" id="node-input-name" style="width: calc(100% - 160px);" data-i18n="[placeholder]plaid-endpoints.placeholder.name">
  </div>
  <div class="form-tips" data-i18n="[html]plaid-endpoints.tip.fields"></div>
</div>
</script>`;
}

/** The shared block: the reduced endpoint table, the editor support code, and the dialogs' style. */
function sharedBlock(endpoints) {
  const table = Object.fromEntries(
    endpoints.map((e) => [
      e.type,
      {
        label: e.label,
        sandboxOnly: e.sandboxOnly,
        fields: e.fields.map((f) => ({ name: f.name, required: f.required, kind: f.kind, values: f.values ? [...f.values] : undefined, default: f.default })),
      },
    ]),
  );
  return `<script type="text/javascript">
  // Shared by the endpoint nodes below. Generated by scripts/build-editor.js from src/plaid/endpoints.ts.
  (${editorSupport.toString()})(${js(table)});
</script>

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

function writeEditor() {
  const tablePath = path.join(dist, 'plaid', 'endpoints.js');
  delete require.cache[require.resolve(tablePath)];
  const { ENDPOINTS } = require(tablePath);
  const out = path.join(dist, 'nodes', 'plaid-endpoints.html');
  fs.writeFileSync(out, renderEditor(ENDPOINTS, path.join(dist, 'nodes', 'icons')));
  return out;
}

module.exports = { writeEditor, renderEditor };

if (require.main === module) writeEditor();
