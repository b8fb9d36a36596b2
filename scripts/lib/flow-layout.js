'use strict';
// The layout rules of the example flows and the `npm start` demo tab, in one place: the boxes Node-RED's editor
// draws (computed as its view.js computes them) and what "no node overlaps another" means. The example-layout test
// checks every example (any file added to examples/ included) and the demo tab against these rules without a
// browser; the browser suite checks that the editor's own boxes are no larger than these.
//
// Rules:
// - a node's box is what the editor draws: 100 px wide at least, else 50 px + its label (+7 with an input port),
//   rounded up to the 20 px grid; 30 px tall, or 15 px per output port when more (the webhook node's 10 outputs make
//   it 150 px tall);
// - what it reaches: 5 px of port on each side with ports, an inject node's button 25 px to its left, a debug node's
//   26 px to its right, and a 20 px band below for its status;
// - reaches keep CLEARANCE px apart; a group (the editor sizes it to its nodes plus 26 px) overlaps no node or
//   group outside it;
// - every node has a name, except an endpoint node (its label is the endpoint's, from the endpoint table) and a link
//   node without a label: the label, hence the width, is known without the editor;
// - Node-RED 5 draws an imported node a little further right than 4.1 does: it starts it 100 px wide at x and grows
//   it to its label's width to the right (view.js: x += (w - 100) / 2), so x is nearly its left edge; 4.1 and a
//   loaded flow keep x as the centre. Examples are imported, so they keep the rules both ways (overlaps(nodes,
//   {imported: true}));
// - placeRows() lays a flow out by these rules: rows ROW_PITCH apart, ROW_GAP between the nodes of a row (plus a
//   button's reach) both ways, a node with many outputs (the webhook node) spanning several rows.

const GRID = 20;
const NODE_WIDTH = 100;
const NODE_HEIGHT = 30;
const PORT_HEIGHT = 15;
const PORT_REACH = 5;
const BUTTON_REACH = { left: 25, right: 26 };
const STATUS_BAND = 20;
const GROUP_MARGIN = 26;
/** The editor adds this much on a button's side when it sizes a group. */
const GROUP_BUTTON_MARGIN = 20;
/** Between two nodes' reaches, and between a group and what is outside it. */
const CLEARANCE = 10;
/** Between the drawn boxes of two nodes in a row: room for the wire. */
const ROW_GAP = 30;
/** Between two rows' centres: a node, its status and CLEARANCE. */
const ROW_PITCH = 60;
/** The left edge of a row's first node, from the group's left edge: the margin and an inject button's reach. */
const ROW_LEFT = 100;
/**
 * The demo tab must fit this, with the palette and the sidebar open: the workspace of a 1,920 × 1,080 px window
 * (Chromium measured Node-RED 4.1's; 5's is wider) at 0.3, a zoom both reach (4.1 goes down to 0.2, 5 to about 0.21).
 */
const SMALLEST_VIEW = { chart: { width: 1417, height: 969 }, zoom: 0.3 };

/**
 * Advance widths (px) of the editor's node label font at 14 px, measured in Chromium with Arial's metrics
 * (Liberation Sans); macOS draws Helvetica Neue, a few per cent wider: LABEL_SAFETY covers it.
 */
const CHAR_WIDTHS = {
  ' ': 3.89, '!': 3.89, '"': 4.98, '#': 7.8, $: 7.8, '%': 12.45, '&': 9.34, "'": 2.69, '(': 4.67, ')': 4.67, '*': 5.45,
  '+': 8.19, ',': 3.89, '-': 4.67, '.': 3.89, '/': 3.89, ':': 3.89, ';': 3.89, '<': 8.19, '=': 8.19, '>': 8.19, '?': 7.8,
  '@': 14.22, A: 9.34, B: 9.34, C: 10.13, D: 10.13, E: 9.34, F: 8.56, G: 10.89, H: 10.13, I: 3.89, J: 7, K: 9.34, L: 7.8,
  M: 11.67, N: 10.13, O: 10.89, P: 9.34, Q: 10.89, R: 10.13, S: 9.34, T: 8.56, U: 10.13, V: 9.34, W: 13.22, X: 9.34,
  Y: 9.34, Z: 8.56, '[': 3.89, '\\': 3.89, ']': 3.89, '^': 6.58, _: 7.8, '`': 4.67, a: 7.8, b: 7.8, c: 7, d: 7.8, e: 7.8,
  f: 3.89, g: 7.8, h: 7.8, i: 3.13, j: 3.13, k: 7, l: 3.13, m: 11.67, n: 7.8, o: 7.8, p: 7.8, q: 7.8, r: 4.67, s: 7,
  t: 3.89, u: 7.8, v: 7, w: 10.13, x: 7, y: 7, z: 7, '{': 4.69, '|': 3.64, '}': 4.69, '~': 8.19,
};
/** A character outside the table: an em. */
const WIDE_CHAR = 14;
const LABEL_SAFETY = 1.06;

/** Core node types that have no input port (the rest of the core types used here have one). */
const NO_INPUT = new Set(['inject', 'catch', 'status', 'complete', 'comment', 'link in', 'http in', 'plaid-webhook-in']);
const BUTTON_SIDE = { inject: 'left', debug: 'right' };
const NO_STATUS = new Set(['comment', 'link in', 'link out', 'junction']);

function labelWidth(text) {
  let width = 0;
  for (const ch of text) width += CHAR_WIDTHS[ch] ?? WIDE_CHAR;
  return Math.ceil(width * LABEL_SAFETY);
}

/** The endpoint nodes' labels when unnamed (the endpoint table's), by node type. */
function endpointLabels() {
  const { ENDPOINTS } = require('../../dist/plaid/endpoints');
  return new Map(ENDPOINTS.map((e) => [e.type, e.label]));
}

/** The label the editor shows, or undefined for a node drawn without one (a link node, a junction). */
function labelOf(node, defaults = endpointLabels()) {
  const isLink = node.type === 'link in' || node.type === 'link out';
  if (node.type === 'junction' || (isLink && !node.l)) return undefined;
  if (node.name) return node.name;
  if (defaults.has(node.type)) return defaults.get(node.type);
  throw new Error(`${node.type} ${node.id} has no name: name it, so its width is known without the editor`);
}

function outputsOf(node) {
  if (Array.isArray(node.wires)) return node.wires.length;
  return Number(node.outputs ?? 0);
}

/** The node's box as the editor draws it: centre (x, y), w, h. */
function nodeSize(node, defaults) {
  const label = labelOf(node, defaults);
  const outputs = outputsOf(node);
  if (label === undefined) return { w: NODE_HEIGHT, h: Math.max(NODE_HEIGHT, outputs * PORT_HEIGHT) };
  const input = NO_INPUT.has(node.type) ? 0 : 7;
  return {
    w: Math.max(NODE_WIDTH, GRID * Math.ceil((labelWidth(label) + 50 + input) / GRID)),
    h: Math.max(NODE_HEIGHT, outputs * PORT_HEIGHT),
  };
}

/** {left, top, right, bottom} of the drawn node and of everything it reaches (ports, button, status). */
function nodeBoxes(node, defaults) {
  const { w, h } = nodeSize(node, defaults);
  const drawn = { left: node.x - w / 2, top: node.y - h / 2, right: node.x + w / 2, bottom: node.y + h / 2 };
  const input = !NO_INPUT.has(node.type);
  const button = BUTTON_SIDE[node.type];
  const reach = {
    left: drawn.left - (button === 'left' ? BUTTON_REACH.left : input ? PORT_REACH : 0),
    right: drawn.right + (button === 'right' ? BUTTON_REACH.right : outputsOf(node) > 0 ? PORT_REACH : 0),
    top: drawn.top,
    bottom: drawn.bottom + (NO_STATUS.has(node.type) ? 0 : STATUS_BAND),
  };
  return { drawn, reach };
}

/** The group's box as the editor sizes it on import: its nodes' boxes plus GROUP_MARGIN, wide enough for its name. */
function groupBox(group, members, defaults) {
  const boxes = members.map((n) => ({ n, ...nodeBoxes(n, defaults).drawn }));
  const left = Math.min(...boxes.map((b) => b.left - GROUP_MARGIN - (BUTTON_SIDE[b.n.type] === 'left' ? GROUP_BUTTON_MARGIN : 0)));
  const right = Math.max(...boxes.map((b) => b.right + GROUP_MARGIN + (BUTTON_SIDE[b.n.type] === 'right' ? GROUP_BUTTON_MARGIN : 0)));
  const top = Math.min(...boxes.map((b) => b.top - GROUP_MARGIN));
  const bottom = Math.max(...boxes.map((b) => b.bottom + GROUP_MARGIN));
  const width = Math.max(right - left, group.name ? labelWidth(group.name) + 8 : 40);
  return { left, top, right: left + width, bottom };
}

/**
 * Places nodes in rows, left to right, by the rules above. Each row is {y, ids, left, after}: the nodes' centre line,
 * their ids in order, the first one's left edge (default ROW_LEFT) or the node the row starts to the right of.
 * Sets x and y of those nodes in `nodes`.
 */
function placeRows(nodes, rows) {
  const defaults = endpointLabels();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const get = (id) => {
    const n = byId.get(id);
    if (!n) throw new Error(`placeRows: no node ${id}`);
    return n;
  };
  for (const row of rows) {
    let previous = row.after === undefined ? undefined : get(row.after);
    for (const id of row.ids) {
      const node = get(id);
      const { w } = nodeSize(node, defaults);
      if (previous) {
        const reach = (previous.type === 'debug' ? BUTTON_REACH.right : 0) + (BUTTON_SIDE[node.type] === 'left' ? BUTTON_REACH.left : 0);
        const before = nodeSize(previous, defaults).w;
        // Centres (4.1) or nearly left edges (an import into 5) ROW_GAP apart, whichever needs more room.
        node.x = Math.round(previous.x + Math.max(before / 2 + w / 2, before) + ROW_GAP + reach);
      } else {
        node.x = Math.round((row.left ?? ROW_LEFT) + w / 2);
      }
      node.y = row.y;
      previous = node;
    }
  }
  return nodes;
}

const apart = (a, b, gap) => a.right + gap <= b.left || b.right + gap <= a.left || a.bottom + gap <= b.top || b.bottom + gap <= a.top;
const name = (n) => `${n.type} "${n.name || n.id}"`;

/** The nodes where Node-RED 5 draws them once imported: each grown to the right from 100 px wide. */
function asImportedBy5(nodes, defaults) {
  return nodes.map((n) => (n.type === 'group' || n.type === 'junction' || typeof n.x !== 'number' ? n : { ...n, x: n.x + (nodeSize(n, defaults).w - NODE_WIDTH) / 2 }));
}

/**
 * What overlaps on one tab: pairs of nodes whose reaches come closer than CLEARANCE, and groups that touch a node or
 * a group outside them. `nodes`: a flow's nodes (config nodes and tabs are skipped); `imported`: as Node-RED 5 draws
 * them after an import.
 * @returns {string[]} one line per overlap; empty when the layout keeps the rules
 */
function overlaps(flow, { imported = false } = {}) {
  const defaults = endpointLabels();
  const nodes = imported ? asImportedBy5(flow, defaults) : flow;
  const drawnNodes = nodes.filter((n) => n.type !== 'tab' && n.type !== 'group' && typeof n.x === 'number' && typeof n.y === 'number');
  const reaches = drawnNodes.map((n) => ({ n, box: nodeBoxes(n, defaults).reach }));
  const groups = nodes.filter((n) => n.type === 'group').map((g) => ({ g, box: groupBox(g, drawnNodes.filter((n) => n.g === g.id), defaults) }));
  const problems = [];
  for (let i = 0; i < reaches.length; i++) {
    for (let j = i + 1; j < reaches.length; j++) {
      if (!apart(reaches[i].box, reaches[j].box, CLEARANCE)) problems.push(`${name(reaches[i].n)} and ${name(reaches[j].n)} overlap`);
    }
  }
  for (const { g, box } of groups) {
    for (const { n, box: reach } of reaches) {
      if (n.g !== g.id && !apart(box, reach, CLEARANCE)) problems.push(`${name(n)} lies on group "${g.name}"`);
    }
  }
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      if (groups[i].g.g === groups[j].g.id || groups[j].g.g === groups[i].g.id) continue; // one inside the other
      if (!apart(groups[i].box, groups[j].box, CLEARANCE)) problems.push(`groups "${groups[i].g.name}" and "${groups[j].g.name}" overlap`);
    }
  }
  return problems;
}

module.exports = { GRID, CLEARANCE, ROW_PITCH, SMALLEST_VIEW, labelWidth, labelOf, nodeSize, nodeBoxes, groupBox, overlaps, placeRows, endpointLabels };
