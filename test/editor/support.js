'use strict';
// Reads the package's editor files the way their two consumers do: the Flow Library validator (regex for
// <script type="text/javascript"> blocks, then acorn looking for a literal registerType) and the editor itself
// (the script blocks run in order against a RED stub that records what they register).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
// The acorn the Flow Library validator (node-red-dev) itself uses.
const fromValidator = (name) => require(require.resolve(name, { paths: [path.dirname(require.resolve('node-red-dev/package.json'))] }));
const acorn = fromValidator('acorn');
const walk = fromValidator('acorn-walk');
const { util: redUtil } = require('@node-red/util');

const root = path.join(__dirname, '..', '..');
const pkg = require(path.join(root, 'package.json'));
const nodesDir = path.join(root, 'dist', 'nodes');
const localeDir = path.join(nodesDir, 'locales', 'en-US');

/** Node sets from package.json: name, runtime file, editor html, locale json and help html. */
function nodeSets() {
  return Object.entries(pkg['node-red'].nodes).map(([name, js]) => {
    const base = path.basename(js, '.js');
    const dir = path.join(root, path.dirname(js));
    return {
      name,
      js: path.join(root, js),
      html: path.join(dir, `${base}.html`),
      localeJson: path.join(dir, 'locales', 'en-US', `${base}.json`),
      helpHtml: path.join(dir, 'locales', 'en-US', `${base}.html`),
      iconsDir: path.join(dir, 'icons'),
    };
  });
}

const read = (file) => fs.readFileSync(file, 'utf8');

/** The <script type="text/javascript"> blocks, found exactly as node-red-dev's checknodes.js finds them. */
function javascriptBlocks(html) {
  const re = /<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi;
  const blocks = [];
  let m;
  while ((m = re.exec(html)) !== null) blocks.push(m[1]);
  return blocks;
}

/**
 * What the Flow Library validator sees: per literal registerType call, the keys of inline defaults and
 * credentials, and the literal category, color, icon, inputs, outputs. Also counts the calls in each block.
 */
function validatorView(html) {
  const defs = {};
  const perBlock = [];
  for (const block of javascriptBlocks(html)) {
    const ast = acorn.parse(block, { ecmaVersion: 'latest' });
    let count = 0;
    walk.simple(ast, {
      CallExpression(node) {
        if (!node.callee.property || node.callee.property.name !== 'registerType') return;
        count++;
        const [typeNode, defNode] = node.arguments;
        if (typeNode.type !== 'Literal' || defNode.type !== 'ObjectExpression') {
          defs.__nonLiteral__ = (defs.__nonLiteral__ || 0) + 1;
          return;
        }
        const def = { calls: (defs[typeNode.value]?.calls || 0) + 1, notInline: [] };
        for (const prop of defNode.properties) {
          const key = prop.key && prop.key.name;
          if (key === 'defaults' || key === 'credentials') {
            if (!prop.value.properties) def.notInline.push(key);
            else def[key] = prop.value.properties.map((p) => p.key.name);
          } else if (['icon', 'color', 'inputs', 'outputs', 'category'].includes(key)) {
            if (prop.value.type === 'Literal') def[key] = prop.value.value;
            else def.notInline.push(key);
          }
        }
        defs[typeNode.value] = def;
      },
    });
    perBlock.push(count);
  }
  return { defs, perBlock };
}

/** Template names and help names in an html text. */
function namedBlocks(html, attribute) {
  const re = new RegExp(`<script\\s+type="text/html"\\s+${attribute}="([^"]+)">([\\S\\s]*?)</script>`, 'g');
  const out = [];
  let m;
  while ((m = re.exec(html)) !== null) out.push({ name: m[1], body: m[2] });
  return out;
}

function lookup(catalog, key) {
  return key.split('.').reduce((obj, part) => (obj && typeof obj === 'object' ? obj[part] : undefined), catalog);
}

/** i18n keys an html file uses: data-i18n attributes and literal `_('...')` calls. */
function i18nKeys(html) {
  const keys = new Set();
  for (const m of html.matchAll(/data-i18n="([^"]+)"/g)) {
    for (const part of m[1].split(';')) keys.add(part.replace(/^\[[^\]]+\]/, ''));
  }
  for (const m of html.matchAll(/\b_\(\s*'([^']+)'\s*[,)]/g)) keys.add(m[1]);
  return [...keys];
}

/**
 * Runs an editor html's script blocks, in order, against a RED stub, as the editor does when it loads the node
 * set. Returns the registered definitions (each with `_` translating from `catalog`) and the sandbox.
 */
function loadEditor(html, catalog, { dialog = {}, settings = { httpNodeRoot: '/' } } = {}) {
  const defs = {};
  const translate = (key, data) => {
    const value = lookup(catalog, key);
    if (typeof value !== 'string') return key;
    return value.replace(/__(\w+)__/g, (_, name) => (data && name in data ? String(data[name]) : ''));
  };
  const RED = {
    _: translate,
    settings,
    nodes: {
      registerType(type, def) {
        if (defs[type]) throw new Error(`${type} registered twice`);
        def._ = translate;
        defs[type] = def;
      },
      getType: (type) => defs[type],
      node: () => null,
      // A node opened here has no links (settings-version.test.js gives its own).
      filterLinks: () => [],
    },
    utils: {
      validatePropertyExpression(expr) {
        try {
          redUtil.normalisePropertyExpression(expr);
          return true;
        } catch {
          return false;
        }
      },
    },
  };
  // `$('#node-input-x')`: an element of the open dialog, from `dialog` (id → value), or nothing.
  const $ = (selector) => {
    const id = selector.replace(/^#/, '');
    const present = Object.hasOwn(dialog, id);
    return { length: present ? 1 : 0, val: () => (present ? dialog[id] : undefined) };
  };
  const sandbox = { RED, $, console };
  sandbox.window = sandbox;
  vm.createContext(sandbox);
  for (const block of javascriptBlocks(html)) vm.runInContext(block, sandbox);
  return { defs, sandbox };
}

/**
 * A jQuery stand-in for an open dialog, richer than loadEditor's: `values` (element id → value; a checkbox is
 * true/false) are its inputs. It records what the dialog shows or hides (`shown`), the texts and attributes it sets, the
 * typedInputs it creates and the handlers it binds; `fire(id, event)` runs the handlers as a user's change would.
 * Elements the dialog makes (`$('<tag>', attributes)`) are recorded as { tag, attrs, text, children }, and those it
 * appends to one of its own elements under `children` (element id → list); `$('#id input:checked').map(f)` maps the
 * checked inputs among them. Use it as `sandbox.$ = dialog.$` on what loadEditor returns.
 */
function fakeDialog(values = {}) {
  const state = { values: { ...values }, shown: {}, texts: {}, attrs: {}, typedInputs: [], handlers: {}, children: {} };
  const ids = (selector) => String(selector).split(',').map((s) => s.trim().replace(/^#/, ''));
  /** A new element: what is set on it and appended to it is recorded on `element`. */
  const create = (html, attributes = {}) => {
    /** @type {{ tag: string, attrs: Record<string, unknown>, text: string | undefined, children: object[] }} */
    const element = { tag: html.replace(/^<|\/?>$/g, ''), attrs: { ...attributes }, text: undefined, children: [] };
    const api = {
      element,
      length: 1,
      val(value) {
        element.attrs.value = value;
        return api;
      },
      text(value) {
        element.text = value;
        return api;
      },
      prop(name, value) {
        element.attrs[name] = value;
        return api;
      },
      attr(name, value) {
        element.attrs[name] = value;
        return api;
      },
      append(child) {
        element.children.push(child.element);
        return api;
      },
      appendTo(parent) {
        parent.append(api);
        return api;
      },
    };
    return api;
  };
  /** The inputs among `elements` and their descendants. */
  const inputs = (elements) => elements.flatMap((e) => [...(e.tag === 'input' ? [e] : []), ...inputs(e.children)]);
  const $ = (selector, attributes) => {
    if (String(selector).startsWith('<')) return create(String(selector), attributes);
    const targets = ids(selector);
    const [first] = targets;
    const api = {
      length: Object.hasOwn(state.values, first) ? 1 : 0,
      val(value) {
        if (value === undefined) return state.values[first];
        state.values[first] = value;
        return api;
      },
      text(value) {
        state.texts[first] = value;
        return api;
      },
      toggle(show) {
        for (const id of targets) state.shown[id] = Boolean(show);
        return api;
      },
      prop(name, value) {
        if (name === 'checked') state.values[first] = value;
        return api;
      },
      toggleClass: () => api,
      append(child) {
        if (child && child.element) (state.children[first] ??= []).push(child.element);
        return api;
      },
      appendTo: () => api,
      map(each) {
        const [id, filter] = first.split(/\s+/);
        const checked = filter === 'input:checked' ? inputs(state.children[id] ?? []).filter((e) => e.attrs.checked === true) : [];
        const mapped = checked.map((e) => each.call({ value: e.attrs.value }));
        return { get: () => mapped };
      },
      attr(name, value) {
        (state.attrs[first] ??= {})[name] = value;
        return api;
      },
      show() {
        for (const id of targets) state.shown[id] = true;
        return api;
      },
      is: (what) => what === ':checked' && state.values[first] === true,
      on(events, handler) {
        for (const id of targets) for (const event of events.split(' ')) (state.handlers[`${id} ${event}`] ??= []).push(handler);
        return api;
      },
      trigger(event) {
        const jqueryEvent = { type: event, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
        for (const id of targets) for (const handler of state.handlers[`${id} ${event}`] ?? []) handler.call(`#${id}`, jqueryEvent);
        return api;
      },
      typedInput(options) {
        state.typedInputs.push({ selector, options });
        return api;
      },
    };
    return api;
  };
  const fire = (id, event = 'change') => $(`#${id}`).trigger(event);
  return { $, state, fire };
}

/** Calls a definition's validator as the editor does (with an opt object, `this` = the node). */
function validate(def, node, property) {
  const spec = def.defaults[property];
  if (spec.required && node[property] === '') return false;
  if (!spec.validate) return true;
  return spec.validate.call(node, node[property], {});
}

module.exports = { root, pkg, nodesDir, localeDir, nodeSets, read, javascriptBlocks, validatorView, namedBlocks, lookup, i18nKeys, loadEditor, fakeDialog, validate };
