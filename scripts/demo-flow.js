'use strict';
// The `npm start` demo: the example flows on one tab, each in its group; the config nodes every example shares (so an
// example imported into the demo's editor with "Import copy" runs on them as it is); one webhook node (a route has
// one owner) whose outputs reach the groups through link nodes; and an outbox page that keeps the notices the groups'
// "notify the user" steps show. Laid out by the rules of scripts/lib/flow-layout.js.
const fs = require('node:fs');
const path = require('node:path');
const { outboxGroup, OUTBOX_PATH } = require('./lib/demo-outbox');
const layout = require('./lib/flow-layout');

const EXAMPLES = path.join(__dirname, '..', 'examples');
const TAB_ID = 'de70de70de70ab01';
const WEBHOOK_PATH = '/plaid/webhook';
const DEMO_STORE_FILE = 'plaid-items.db';
/** Each example's own webhook path (/plaid/webhook/NN): on the demo tab they are all the one route. */
const EXAMPLE_PATH = /\/plaid\/webhook\/\d\d\b/g;
/**
 * Examples 02 and 04 send a repair link for the same webhooks that 08 handles with the whole loop (reminder and
 * "fixed" notice): on one tab both would answer each event, and the user would get two links.
 */
const LEFT_OUT = new Set(['02', '04']);
/**
 * Example 09 handles the webhooks that 03 and 08 handle already (it puts them and the reconcile's changes in one
 * handling): on the tab it takes the reconcile's changes only, so no webhook is handled twice (03 and 09 would both
 * remove a revoked Item, and the second would fail).
 */
const WEBHOOKS_HANDLED_ELSEWHERE = new Set(['09']);
/** The groups, in the order they are placed: the repair loop first (top left: the one to try), then the rest. */
const ORDER = ['08', 'webhooks', '01', '03', '09', '05', '06', '07'];
const GROUP_GAP = 60;
/** Between the tab's edge and the first groups: an inject button sticks out to the left of its group. */
const MARGIN = 40;
/** The repair loop's reminders on the demo tab: one reminder, two minutes after the notice (example 08 has `1d, 3d`). */
const DEMO_REMINDERS = '2m';
/** Link nodes in a column: 30 px tall, no status. */
const LINK_PITCH = 45;

function loadExamples() {
  return fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, nodes: JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) }));
}

const isConfig = (node) => node.type === 'plaid-config' || node.type === 'plaid-item-store';

/** The config nodes every example carries (the same two, by id): the demo's config nodes are these. */
function sharedConfigIds(examples = loadExamples()) {
  const nodes = examples[0].nodes;
  return { plaid: nodes.find((n) => n.type === 'plaid-config').id, store: nodes.find((n) => n.type === 'plaid-item-store').id };
}

/** The webhook node's output labels, in its output order (one home: ROUTED_WEBHOOKS). */
function outputLabels() {
  const { ROUTED_WEBHOOKS } = require('../dist/plaid/webhook/routing');
  return [...ROUTED_WEBHOOKS.map(([type, code]) => (type === 'ITEM' && code === 'ERROR' ? 'ITEM ERROR' : code)), 'other'];
}

/**
 * One example's nodes for the demo tab, its webhook node replaced by a link-in per distinct set of targets (so two
 * outputs wired alike share one), each beside the first node it feeds.
 * @returns {{nodes: object[], linkIns: Array<{id: string, outputs: number[]}>}}
 */
function adapt(nodes, key) {
  const out = [];
  const linkIns = [];
  for (const node of nodes) {
    if (isConfig(node)) continue;
    const copy = structuredClone({ ...node, z: TAB_ID });
    if (node.type !== 'plaid-webhook-in') {
      out.push(copy);
      continue;
    }
    if (WEBHOOKS_HANDLED_ELSEWHERE.has(key)) {
      const group = out.find((n) => n.id === node.g);
      if (group) group.nodes = group.nodes.filter((id) => id !== node.id);
      continue;
    }
    const byTargets = new Map();
    // The example was saved at its settings version: its wires as the current outputs are numbered.
    const { wires } = require('../dist/nodes/migrations').migrate('plaid-webhook-in', node);
    wires.forEach((targets, output) => {
      if (targets.length === 0) return;
      const k = [...targets].sort().join(',');
      if (!byTargets.has(k)) byTargets.set(k, { targets, outputs: [] });
      byTargets.get(k).outputs.push(output);
    });
    const taken = new Set();
    let row = 0;
    for (const { targets, outputs } of byTargets.values()) {
      const id = `${node.id.slice(0, 13)}l${String(row).padStart(2, '0')}`;
      const first = nodes.find((n) => n.id === targets[0]);
      let y = first.y;
      while (taken.has(y)) y += LINK_PITCH;
      taken.add(y);
      const x = node.x - layout.nodeSize(node).w / 2 + 15;
      out.push({ id, type: 'link in', z: TAB_ID, g: node.g, name: `${key}: ${outputs.map((o) => outputLabels()[o]).join(', ')}`, links: [], x, y, wires: [targets] });
      linkIns.push({ id, outputs });
      row += 1;
    }
    const group = out.find((n) => n.id === node.g);
    if (group) group.nodes = group.nodes.filter((id) => id !== node.id).concat(linkIns.slice(-byTargets.size).map((l) => l.id));
  }
  return { nodes: out, linkIns };
}

/**
 * The shared webhook node, one link-out per output that some group handles (a column to its right), and the group's
 * Catch. Sets `from` on each link-in.
 * @param {Array<{id: string, outputs: number[], from?: string[]}>} linkIns
 * @param {{plaid: string, store: string}} config
 */
function webhookGroup(linkIns, config) {
  const labels = outputLabels();
  const webhook = {
    id: 'de70de70de70ab10', type: 'plaid-webhook-in', z: TAB_ID, name: 'Plaid webhooks', url: WEBHOOK_PATH, plaid: config.plaid, store: config.store,
    verify: true, dedupe: true, dedupeStore: '', logRetentionDays: 30, wires: labels.map(() => []),
    // Wired to the current outputs: saved as such, so no migration moves them.
    settingsVersion: require('../dist/nodes/migrations').SETTINGS_VERSION,
  };
  const linkOuts = [];
  labels.forEach((label, output) => {
    const targets = linkIns.filter((l) => l.outputs.includes(output));
    if (targets.length === 0) return;
    const id = `de70de70de70ac${String(output).padStart(2, '0')}`;
    linkOuts.push({ id, type: 'link out', z: TAB_ID, name: label, mode: 'link', links: targets.map((t) => t.id), l: true, wires: [] });
    for (const target of targets) target.from = [...(target.from ?? []), id];
    webhook.wires[output].push(id);
  });
  const top = 80;
  const webhookSize = layout.nodeSize(webhook);
  const columnHeight = (linkOuts.length - 1) * LINK_PITCH;
  layout.placeRows([webhook], [{ y: top + Math.max(columnHeight, webhookSize.h) / 2 - 15, ids: [webhook.id] }]);
  const column = webhook.x + webhookSize.w / 2 + 80;
  linkOuts.forEach((n, i) => Object.assign(n, { x: Math.round(column + layout.nodeSize(n).w / 2), y: top + i * LINK_PITCH }));
  const bottom = Math.max(top + columnHeight, webhook.y + webhookSize.h / 2);
  const errorDebug = { id: 'de70de70de70ab12', type: 'debug', z: TAB_ID, name: 'error', active: true, tosidebar: true, console: false, tostatus: true, complete: 'error.message', targetType: 'jsonata', statusVal: '', statusType: 'auto', wires: [] };
  const catchNode = { id: 'de70de70de70ab11', type: 'catch', z: TAB_ID, name: 'errors in this group', scope: 'group', uncaught: false, wires: [[errorDebug.id]] };
  const nodes = [webhook, ...linkOuts, catchNode, errorDebug];
  layout.placeRows(nodes, [{ y: bottom + 20 + layout.ROW_PITCH, ids: [catchNode.id, errorDebug.id] }]);
  const group = { id: 'de70de70de70ab0f', type: 'group', z: TAB_ID, name: `Plaid webhooks: ${WEBHOOK_PATH}, one output per code, linked to the groups`, style: { label: true }, nodes: nodes.map((n) => n.id) };
  for (const n of nodes) n.g = group.id;
  return [group, ...nodes];
}

/** The group's nodes moved so its box (as the editor sizes it) has its top-left corner at (x, y); x, y, w, h set. */
function moveGroup(group, members, x, y) {
  const box = layout.groupBox(group, members);
  for (const n of members) {
    n.x += x - box.left;
    n.y += y - box.top;
  }
  Object.assign(group, { x, y, w: box.right - box.left, h: box.bottom - box.top });
}

/**
 * Two columns, each block placed in the shorter one, the first at the top left. A block is one group or several
 * side by side. Every group's box is the editor's, so none overlaps another.
 */
function layOut(blocks) {
  const columns = [{ y: MARGIN, width: 0, items: [] }, { y: MARGIN, width: 0, items: [] }];
  for (const block of blocks) {
    const column = columns[0].y <= columns[1].y ? columns[0] : columns[1];
    let dx = 0;
    let height = 0;
    for (const item of block) {
      const box = layout.groupBox(item.group, item.members);
      column.items.push({ ...item, dx, y: column.y });
      dx += box.right - box.left + GROUP_GAP;
      height = Math.max(height, box.bottom - box.top);
    }
    column.y += height + GROUP_GAP;
    column.width = Math.max(column.width, dx - GROUP_GAP);
  }
  let x = MARGIN;
  for (const column of columns) {
    for (const item of column.items) moveGroup(item.group, item.members, x + item.dx, item.y);
    x += column.width + GROUP_GAP;
  }
}

/**
 * @param {{environment: string, baseUrl?: string, webhookBase: string, reminders?: string}} target where the
 *   config node points, the URL Node-RED serves on (where Plaid sends webhooks, and Hosted Link returns the user to),
 *   and the repair loop's reminders (DEMO_REMINDERS: short, so a person sees one)
 * @returns {{flows: object[], configId: string, storeId: string}}
 */
function demoFlow({ environment, baseUrl = '', webhookBase, reminders = DEMO_REMINDERS }) {
  const examples = loadExamples();
  const ids = sharedConfigIds(examples);
  const outboxUrl = `${webhookBase}${OUTBOX_PATH}`;
  const tab = {
    id: TAB_ID, type: 'tab', label: 'Plaid demo',
    info: `The example flows of this package, each in its group; every button finds a healthy Item in the store or links a new one, so they work in any order. Notices land in the debug sidebar and in the outbox: ${outboxUrl}`,
  };
  const config = { id: ids.plaid, type: 'plaid-config', name: environment === 'custom' ? 'Plaid emulator' : `Plaid ${environment}`, environment, baseUrl, timeout: '30000', retries: '2', webhookUrl: webhookBase };
  const store = { id: ids.store, type: 'plaid-item-store', name: 'Demo Items', backend: 'sqlite', file: DEMO_STORE_FILE };
  const placed = new Map();
  /** @type {Array<{id: string, outputs: number[], from?: string[]}>} */
  const allLinkIns = [];
  for (const { file, nodes } of examples) {
    const key = file.slice(0, 2);
    if (LEFT_OUT.has(key)) continue;
    const { nodes: adapted, linkIns } = adapt(nodes, key);
    allLinkIns.push(...linkIns);
    const group = adapted.find((n) => n.type === 'group');
    for (const n of adapted) {
      // After Hosted Link, back to the outbox, where the "fixed, thank you" lands; a reminder a person waits for.
      if (n.type === 'plaid-item-repair') Object.assign(n, { completion_redirect_uri: outboxUrl, reminders });
    }
    placed.set(key, { group, members: adapted.filter((n) => n.type !== 'group'), all: adapted });
  }
  const webhook = webhookGroup(allLinkIns, ids);
  for (const linkIn of allLinkIns) {
    for (const { all } of placed.values()) for (const n of all) if (n.id === linkIn.id) n.links = linkIn.from;
  }
  const noticeIds = [...placed.values()].flatMap((p) => p.all).filter((n) => n.type === 'debug' && n.name === 'notify the user').map((n) => n.id);
  const outbox = outboxGroup({ tabId: TAB_ID, storeId: ids.store, outboxUrl, noticeIds });
  const asItem = (nodes) => ({ group: nodes.find((n) => n.type === 'group'), members: nodes.filter((n) => n.type !== 'group'), all: nodes });
  placed.set('webhooks', [asItem(webhook), asItem(outbox)]);
  layOut(ORDER.filter((k) => placed.has(k)).map((k) => [placed.get(k)].flat()));
  const flows = [tab, ...webhook, ...outbox, ...ORDER.filter((k) => k !== 'webhooks' && placed.has(k)).flatMap((k) => placed.get(k).all), config, store];
  // Every example path is the demo's one route, on the config node's webhook base URL.
  const text = JSON.stringify(flows).replace(EXAMPLE_PATH, WEBHOOK_PATH);
  return { flows: JSON.parse(text), configId: ids.plaid, storeId: ids.store };
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

module.exports = { demoFlow, freshDemoStore, loadExamples, sharedConfigIds, OUTBOX_PATH, DEMO_REMINDERS };
