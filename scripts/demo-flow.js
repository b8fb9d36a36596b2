'use strict';
// The `npm start` demo: the example flows on one tab, each in its group, side by side; one Plaid config node, one
// Item store and one webhook node (a route has one owner) whose outputs reach the groups through link nodes; and an
// outbox page where the demo's notifications land.
const fs = require('node:fs');
const path = require('node:path');
const { outboxGroup, OUTBOX_PATH, NOTIFY_PATH } = require('./lib/demo-outbox');

const EXAMPLES = path.join(__dirname, '..', 'examples');
const TAB_ID = 'de70de70de70ab01';
const CONFIG_ID = 'de70de70de70c0f1';
const STORE_ID = 'de70de70de7057e1';
const WEBHOOK_PATH = '/plaid/webhook';
const DEMO_STORE_FILE = 'plaid-items.db';
/** Where the examples expect Node-RED: the demo replaces it with the address it really listens on. */
const EXAMPLE_BASE = 'http://127.0.0.1:1880';
/**
 * Examples 02 and 04 send a repair link for the same webhooks that 08 handles with the whole loop (reminder and
 * "fixed" notification): on one tab both would answer each event, and the user would get two links.
 */
const LEFT_OUT = new Set(['02', '04']);
const COLUMN_GAP = 60;
const ROW_GAP = 40;

function loadExamples() {
  return fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, nodes: JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) }));
}

const isConfig = (node) => node.type === 'plaid-config' || node.type === 'plaid-item-store';

/** The webhook node's output labels, in its output order (one home: ROUTED_WEBHOOKS). */
function outputLabels() {
  const { ROUTED_WEBHOOKS } = require('../dist/plaid/webhook/routing');
  return [...ROUTED_WEBHOOKS.map(([type, code]) => (type === 'ITEM' && code === 'ERROR' ? 'ITEM ERROR' : code)), 'other'];
}

/**
 * One example's nodes for the demo tab: config references pointed at the demo's, and its webhook node replaced by
 * a link-in per distinct set of targets (so two outputs wired alike share one).
 * @returns {{nodes: object[], linkIns: Array<{id: string, outputs: number[]}>}}
 */
function adapt(nodes, key) {
  const out = [];
  const linkIns = [];
  for (const node of nodes) {
    if (isConfig(node)) continue;
    const copy = { ...node, z: TAB_ID };
    if ('plaid' in copy) copy.plaid = CONFIG_ID;
    if ('store' in copy) copy.store = STORE_ID;
    // Every Item the demo links sends its webhooks to the demo's one route, whichever button linked it.
    if (copy.type === 'plaid-sandbox-public-token-create') Object.assign(copy, { options: JSON.stringify({ webhook: `${EXAMPLE_BASE}${WEBHOOK_PATH}` }), optionsType: 'json' });
    if (node.type !== 'plaid-webhook-in') {
      out.push(copy);
      continue;
    }
    const byTargets = new Map();
    node.wires.forEach((targets, output) => {
      if (targets.length === 0) return;
      const k = [...targets].sort().join(',');
      if (!byTargets.has(k)) byTargets.set(k, { targets, outputs: [] });
      byTargets.get(k).outputs.push(output);
    });
    let row = 0;
    for (const { targets, outputs } of byTargets.values()) {
      const id = `${node.id.slice(0, 13)}l${String(row).padStart(2, '0')}`;
      out.push({ id, type: 'link in', z: TAB_ID, g: node.g, name: `${key}: ${outputs.map((o) => outputLabels()[o]).join(', ')}`, links: [], x: node.x, y: node.y + row * 60, wires: [targets] });
      linkIns.push({ id, outputs });
      row += 1;
    }
    const group = out.find((n) => n.id === node.g) ?? nodes.find((n) => n.id === node.g);
    if (group) group.nodes = group.nodes.filter((id) => id !== node.id).concat(linkIns.slice(-byTargets.size).map((l) => l.id));
  }
  return { nodes: out, linkIns };
}

/**
 * The shared webhook node and one link-out per output that some group handles.
 * @param {Array<{id: string, outputs: number[], from?: string[]}>} linkIns
 */
function webhookGroup(linkIns) {
  const labels = outputLabels();
  const webhookId = 'de70de70de70ab10';
  /** @type {Array<Record<string, any>>} */
  const nodes = [];
  const wires = labels.map(() => []);
  let row = 0;
  labels.forEach((label, output) => {
    const targets = linkIns.filter((l) => l.outputs.includes(output)).map((l) => l.id);
    if (targets.length === 0) return;
    const id = `de70de70de70ac${String(output).padStart(2, '0')}`;
    nodes.push({ id, type: 'link out', z: TAB_ID, name: label, mode: 'link', links: targets, l: true, x: 420, y: 80 + row * 45, wires: [] });
    for (const target of linkIns.filter((l) => l.outputs.includes(output))) target.from = [...(target.from ?? []), id];
    wires[output].push(id);
    row += 1;
  });
  const middle = 80 + ((row - 1) * 45) / 2;
  nodes.unshift({
    id: webhookId, type: 'plaid-webhook-in', z: TAB_ID, name: 'Plaid webhooks', url: WEBHOOK_PATH, plaid: CONFIG_ID, store: STORE_ID,
    verify: true, dedupe: true, dedupeStore: '', logRetentionDays: 30, x: 160, y: middle, wires,
  });
  const errorDebug = { id: 'de70de70de70ab12', type: 'debug', z: TAB_ID, name: 'error', active: true, tosidebar: true, console: false, tostatus: true, complete: 'error.message', targetType: 'jsonata', statusVal: '', statusType: 'auto', x: 330, y: 80 + row * 45 + 20, wires: [] };
  const catchNode = { id: 'de70de70de70ab11', type: 'catch', z: TAB_ID, name: 'errors in this group', scope: 'group', uncaught: false, x: 140, y: errorDebug.y, wires: [[errorDebug.id]] };
  nodes.push(catchNode, errorDebug);
  const group = {
    id: 'de70de70de70ab0f', type: 'group', z: TAB_ID, name: `Plaid webhooks: ${WEBHOOK_PATH}, one output per code, linked to the groups`, style: { label: true },
    nodes: nodes.map((n) => n.id), x: 20, y: 20, w: 560, h: errorDebug.y + 35 - 20,
  };
  for (const n of nodes) n.g = group.id;
  return [group, ...nodes];
}

/** Moves a group and its nodes so the group's top-left corner is at (x, y). */
function moveGroup(group, members, x, y) {
  const dx = x - group.x;
  const dy = y - group.y;
  group.x = x;
  group.y = y;
  for (const n of members) {
    n.x += dx;
    n.y += dy;
  }
}

/** Two columns, each block placed in the shorter one: a person sees one scenario at a time, none 2,600 px down. */
function layOut(blocks) {
  const columns = [{ y: 20, width: 0, items: [] }, { y: 20, width: 0, items: [] }];
  for (const block of blocks) {
    const column = columns[0].y <= columns[1].y ? columns[0] : columns[1];
    // A block is one group, or several side by side.
    const groups = Array.isArray(block) ? block : [block];
    let x = 0;
    for (const item of groups) {
      column.items.push({ ...item, dx: x, y: column.y });
      x += item.group.w + COLUMN_GAP;
    }
    column.y += Math.max(...groups.map((item) => item.group.h)) + ROW_GAP;
    column.width = Math.max(column.width, x - COLUMN_GAP);
  }
  // 40: an inject node's button sticks out to the left of its group.
  let x = 40;
  for (const column of columns) {
    for (const item of column.items) moveGroup(item.group, item.members, x + item.dx, item.y);
    x += column.width + COLUMN_GAP;
  }
}

/**
 * @param {{environment: string, baseUrl?: string, webhookBase: string, reminderSeconds?: number}} target where the
 *   config node points, the URL Node-RED serves on (replaces the examples' http://127.0.0.1:1880), and how long the
 *   repair loop waits before its reminder
 * @returns {{flows: object[], configId: string, storeId: string}}
 */
function demoFlow({ environment, baseUrl = '', webhookBase, reminderSeconds = 120 }) {
  const tab = {
    id: TAB_ID, type: 'tab', label: 'Plaid demo',
    info: `The example flows of this package, each in its group; every button finds a healthy Item in the store or links a new one, so they work in any order. Notifications land in the outbox: ${webhookBase}${OUTBOX_PATH}`,
  };
  const config = { id: CONFIG_ID, type: 'plaid-config', name: environment === 'custom' ? 'Plaid emulator' : `Plaid ${environment}`, environment, baseUrl, timeout: '30000', retries: '2' };
  const store = { id: STORE_ID, type: 'plaid-item-store', name: 'Demo Items', backend: 'sqlite', file: DEMO_STORE_FILE };
  const placed = [];
  /** @type {Array<{id: string, outputs: number[], from?: string[]}>} */
  const allLinkIns = [];
  for (const { file, nodes } of loadExamples()) {
    const key = file.slice(0, 2);
    if (LEFT_OUT.has(key)) continue;
    const { nodes: adapted, linkIns } = adapt(nodes, key);
    allLinkIns.push(...linkIns);
    const group = adapted.find((n) => n.type === 'group');
    if (key === '08') group.env = [{ name: 'REMINDER_AFTER_SECONDS', value: String(reminderSeconds), type: 'num' }];
    for (const n of adapted) {
      // After Hosted Link, back to the outbox, where the "fixed, thank you" lands.
      if (n.type === 'plaid-link-token-create') Object.assign(n, { completion_redirect_uri: `${EXAMPLE_BASE}${OUTBOX_PATH}`, completion_redirect_uriType: 'str' });
    }
    placed.push({ key, group, members: adapted.filter((n) => n.type !== 'group'), all: adapted });
  }
  const webhook = webhookGroup(allLinkIns);
  for (const linkIn of allLinkIns) {
    for (const n of placed.flatMap((p) => p.all)) if (n.id === linkIn.id) n.links = linkIn.from;
  }
  const outbox = outboxGroup({ tabId: TAB_ID, storeId: STORE_ID, outboxUrl: `${EXAMPLE_BASE}${OUTBOX_PATH}` });
  const asItem = (nodes) => ({ group: nodes.find((n) => n.type === 'group'), members: nodes.filter((n) => n.type !== 'group') });
  // The webhook node and the outbox side by side, then the repair loop: it is the one to try.
  const order = ['08', '01', '03', '05', '06', '07'];
  const scenarios = order.map((k) => placed.find((p) => p.key === k)).filter(Boolean);
  layOut([[asItem(webhook), asItem(outbox)], ...scenarios]);
  const flows = [tab, ...webhook, ...outbox, ...placed.flatMap((p) => p.all), config, store];
  // Every example path (/plaid/webhook/NN) is the demo's one route; the examples' address is Node-RED's real one.
  const text = JSON.stringify(flows)
    .replace(/http:\/\/127\.0\.0\.1:1880\/plaid\/webhook\/\d\d/g, `${EXAMPLE_BASE}${WEBHOOK_PATH}`)
    .split(EXAMPLE_BASE).join(webhookBase);
  return { flows: JSON.parse(text), configId: CONFIG_ID, storeId: STORE_ID };
}

/**
 * The demo store's credentials, on a fresh store file: the emulator forgets its Items at every start, so the store
 * does too (against Plaid's sandbox, the Items of an earlier run are left behind there).
 * @returns {{encryptionKey: string}}
 */
function freshDemoStore(userDir) {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(userDir, `${DEMO_STORE_FILE}${suffix}`), { force: true });
  return { encryptionKey: require('../dist/plaid/store/cipher').generateStoreKey() };
}

module.exports = { demoFlow, freshDemoStore, loadExamples, NOTIFY_PATH, OUTBOX_PATH };
