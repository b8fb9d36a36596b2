'use strict';
// The editor's browser code: src/editor/*.ts, type-checked and compiled by tsconfig.editor.json to build/editor,
// then inlined into the node sets' html in dist/nodes (the editor loads a node set as one html file).
//
// Each block starts with the runtime modules the dialogs share with the nodes (src/nodes/migrations.ts) and
// src/editor/shared.ts, then the entry's `modules` (src/editor files whose factories its source calls). Each
// src/editor/<source>.ts defines one factory function taking the runtime constants the dialogs need. A node
// set's html carries the marker <!-- plaid-editor-script --> where its <script> block goes (before its
// registerType blocks); the block runs src/editor/shared.ts and the node set's file in one function scope and makes
// the factory's result the global the registerType blocks call (window.<global>).
//
// To give a new node set browser code: write src/editor/<source>.ts, add a row to EDITOR_SCRIPTS, and put the
// marker in nodes/<node set>.html.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'dist');
const compiledDir = path.join(root, 'build', 'editor', 'editor');
const MARKER = '<!-- plaid-editor-script -->';

/** Runtime modules, read from dist/ so the editor gets exactly what the nodes run with. */
const runtime = (file) => {
  const resolved = path.join(dist, file);
  delete require.cache[require.resolve(resolved)];
  return require(resolved);
};

/** The hosts of the named environments, as the runtime resolves them. */
function environmentHosts() {
  const { ENVIRONMENTS, baseUrlFor } = runtime('plaid/environments.js');
  return Object.fromEntries(ENVIRONMENTS.filter((e) => e !== 'custom').map((e) => [e, baseUrlFor(e, undefined)]));
}

/**
 * Browser code per node set (the key is the node set's name in package.json and its html's base name).
 * `constants` is evaluated at build time and passed to the factory as JSON; `modules` names further runtime modules
 * the browser code uses (see RUNTIME_MODULES); `with` names further src/editor files compiled into the same scope.
 */
const EDITOR_SCRIPTS = {
  'plaid-config': {
    source: 'config',
    factory: 'plaidConfigEditor',
    global: 'PlaidConfigEditor',
    constants: () => ({ hosts: environmentHosts() }),
  },
  'plaid-webhook-in': {
    source: 'webhook-in',
    factory: 'plaidWebhookInEditor',
    global: 'PlaidWebhookInEditor',
    constants: () => ({ routed: runtime('plaid/webhook/routing.js').ROUTED_WEBHOOKS }),
  },
  'plaid-endpoints': {
    source: 'endpoints',
    factory: 'plaidEndpointsEditor',
    global: 'PlaidEndpointsEditor',
    // The endpoint table reduced to what the dialogs need, keyed by node type.
    constants: () => editorTable(runtime('plaid/endpoints.js').ENDPOINTS),
  },
  'plaid-item-store': {
    source: 'item-store',
    factory: 'plaidItemStoreEditor',
    global: 'PlaidItemStoreEditor',
    constants: () => {
      const { ITEM_STORE_BACKENDS, DEFAULT_SQLITE_FILE } = runtime('nodes/item-store/backend.js');
      const { POSTGRES_DEFAULTS: pg } = runtime('plaid/store/postgres-storage.js');
      return {
        backends: ITEM_STORE_BACKENDS,
        defaultFile: DEFAULT_SQLITE_FILE,
        // Keyed by the node's settings (src/nodes/item-store/backend.ts reads them).
        postgresDefaults: { poolMax: pg.poolMax, connectTimeout: pg.connectTimeoutMs, queryTimeout: pg.queryTimeoutMs },
      };
    },
  },
  'plaid-items': {
    source: 'items',
    factory: 'plaidItemsEditor',
    global: 'PlaidItemsEditor',
    constants: () => ({ statuses: runtime('plaid/store/record.js').ITEM_STATUSES, operations: runtime('nodes/items/operations.js').ITEMS_OPERATIONS }),
  },
  'plaid-items-reconcile': {
    source: 'items-reconcile',
    factory: 'plaidItemsReconcileEditor',
    global: 'PlaidItemsReconcileEditor',
    constants: () => {
      const { DEFAULT_RECONCILE_STATUSES, MAX_CALLS_PER_MINUTE } = runtime('plaid/reconcile/defaults.js');
      return { statuses: runtime('plaid/store/record.js').ITEM_STATUSES, defaultStatuses: DEFAULT_RECONCILE_STATUSES, maxCallsPerMinute: MAX_CALLS_PER_MINUTE };
    },
  },
  'plaid-item-repair': {
    source: 'item-repair',
    factory: 'plaidItemRepairEditor',
    global: 'PlaidItemRepairEditor',
    // The reminders as the runtime reads them.
    modules: { repairSchedule: 'plaid/repair/schedule.js' },
    constants: () => {
      const { REPAIR_REASONS } = runtime('plaid/store/repair-case.js');
      return {
        reasons: REPAIR_REASONS,
        defaultReasons: runtime('plaid/repair/settings.js').DEFAULT_REASONS,
        outputs: runtime('plaid/repair/outputs.js').REPAIR_OUTPUTS,
        defaultReminders: runtime('plaid/repair/schedule.js').DEFAULT_REMINDERS,
      };
    },
  },
  // An editor plugin (dist/plugins), not a node set: the same marker in its html.
  'plaid-items-sidebar': {
    source: 'items-sidebar',
    // Its key panel, repair cases panel and Deliveries view: modules of their own, compiled into the same scope.
    with: ['items-keys', 'repair-cases', 'deliveries-view'],
    factory: 'plaidItemsSidebar',
    global: 'PlaidItemsSidebar',
    constants: () => ({
      statuses: runtime('plaid/store/record.js').ITEM_STATUSES,
      needsAction: runtime('plaid/store/item-overview.js').NEEDS_ACTION,
      route: runtime('plugins/items-sidebar/routes.js').ROUTE_ROOT.replace(/^\//, ''),
      topic: runtime('plugins/items-sidebar/live-updates.js').topicOf('#'),
      rewrapBatch: 100,
      codes: [...new Set(runtime('plaid/webhook/routing.js').ROUTED_WEBHOOKS.map(([, code]) => code))],
    }),
  },
};

function editorTable(endpoints) {
  const { storeFieldsOf } = runtime('plaid/endpoints.js');
  const reduced = (f) => ({
    name: f.name, required: f.required, kind: f.kind, values: f.values ? [...f.values] : undefined, default: f.default, in: f.in, mode: f.mode,
  });
  return Object.fromEntries(
    endpoints.map((e) => [
      e.type,
      {
        label: e.label,
        sandboxOnly: e.sandboxOnly,
        fields: e.fields.map(reduced),
        // Settings read only with an Item store selected (item_id, ...); none: the node offers no store.
        storeFields: storeFieldsOf(e).map(reduced),
        mode: e.mode ? reduced(e.mode) : undefined,
      },
    ]),
  );
}

/** Type-checks and compiles src/editor (a type error fails the build). */
function compileEditorScripts() {
  fs.rmSync(path.join(root, 'build', 'editor'), { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.editor.json')], { stdio: 'inherit' });
}

/** JSON that is also safe inside a <script> element. */
const js = (value) => JSON.stringify(value).replace(/</g, '\\u003c');

/** A compiled file without its "use strict" (the block's function says it once). */
const compiled = (source) => fs.readFileSync(path.join(compiledDir, `${source}.js`), 'utf8').replace(/^"use strict";\n/, '').trim();

/**
 * Runtime modules the browser code uses, from dist/ (CommonJS without requires), each as a const of its name: the
 * editor runs the very code the runtime runs. Every block has these; an entry's `modules` adds its own.
 */
const RUNTIME_MODULES = { migrations: 'nodes/migrations.js' };

function runtimeModules(extra = {}) {
  return Object.entries({ ...RUNTIME_MODULES, ...extra }).map(([name, file]) => {
    const code = fs.readFileSync(path.join(dist, file), 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '').trim();
    if (/\brequire\(/.test(code)) throw new Error(`${file} requires another module: the editor cannot load it`);
    return `const ${name} = (function () {\nconst module = { exports: {} };\nconst exports = module.exports;\n${code}\nreturn module.exports;\n})();`;
  }).join('\n');
}

/** The <script> block of a node set's browser code, with its constants (the runtime's unless given). */
function scriptBlock(nodeSet, constants) {
  const entry = EDITOR_SCRIPTS[nodeSet];
  if (!entry) throw new Error(`no browser code registered for ${nodeSet} (scripts/lib/editor-scripts.js)`);
  return `<script type="text/javascript">
// Compiled from src/nodes/migrations.ts, src/editor/shared.ts and src/editor/${[...(entry.with ?? []), entry.source].join('.ts, src/editor/')}.ts by scripts/build-editor.js.
window.${entry.global} = (function () {
'use strict';
${runtimeModules(entry.modules)}
${compiled('shared')}
${(entry.with ?? []).map(compiled).join('\n')}
${compiled(entry.source)}
return ${entry.factory}(${js(constants ?? entry.constants())});
})();
</script>`;
}

/** Replaces the marker in a node set's html text with its script block. */
function inlineScript(nodeSet, html) {
  const parts = html.split(MARKER);
  if (parts.length !== 2) throw new Error(`${nodeSet}.html must hold ${MARKER} exactly once`);
  return parts[0] + scriptBlock(nodeSet) + parts[1];
}

/** Inlines the browser code into every hand-written html already copied to `nodesDir` (dist/nodes, dist/plugins). */
function inlineEditorScripts(nodesDir, generated) {
  for (const file of fs.readdirSync(nodesDir).filter((f) => f.endsWith('.html'))) {
    const nodeSet = path.basename(file, '.html');
    if (generated.includes(nodeSet)) continue;
    const target = path.join(nodesDir, file);
    const html = fs.readFileSync(target, 'utf8');
    if (!html.includes(MARKER)) {
      if (EDITOR_SCRIPTS[nodeSet]) throw new Error(`${file} lacks ${MARKER}, where its browser code goes`);
      continue;
    }
    fs.writeFileSync(target, inlineScript(nodeSet, html));
  }
}

module.exports = { runtime, EDITOR_SCRIPTS, MARKER, compileEditorScripts, scriptBlock, inlineScript, inlineEditorScripts, environmentHosts, editorTable };
