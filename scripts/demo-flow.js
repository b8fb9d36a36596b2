'use strict';
// The `npm start` demo: every example flow on one tab, their webhook nodes merged into one (a route has one owner),
// and the config node pointed at the local emulator or at Plaid.
const fs = require('node:fs');
const path = require('node:path');

const EXAMPLES = path.join(__dirname, '..', 'examples');
const TAB_ID = 'de70de70de70ab01';
const ROW_HEIGHT = 40;

function loadExamples() {
  return fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, nodes: JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) }));
}

/** Where the demo's notifications land (NOTIFY_URL): an HTTP endpoint on the same Node-RED, shown in the debug tab. */
function notificationInbox(y) {
  const ids = ['de70de70de70ab02', 'de70de70de70ab03', 'de70de70de70ab04', 'de70de70de70ab05'];
  return [
    { id: ids[0], z: TAB_ID, type: 'comment', name: 'Demo notification inbox (NOTIFY_URL)', info: 'Stands in for your notification service.', x: 230, y: y + 20, wires: [] },
    { id: ids[1], z: TAB_ID, type: 'http in', name: '', url: '/demo/notify', method: 'post', upload: false, swaggerDoc: '', x: 160, y: y + 80, wires: [[ids[2], ids[3]]] },
    { id: ids[2], z: TAB_ID, type: 'debug', name: 'notification', active: true, tosidebar: true, console: false, tostatus: true, complete: 'payload', targetType: 'msg', statusVal: 'payload.message', statusType: 'msg', x: 380, y: y + 80, wires: [] },
    { id: ids[3], z: TAB_ID, type: 'http response', name: '', statusCode: '204', headers: {}, x: 370, y: y + 130, wires: [] },
  ];
}

/**
 * @param {{environment: string, baseUrl?: string, webhookBase: string}} target where the config node points, and
 *   the URL Node-RED serves webhooks on (replaces the examples' http://127.0.0.1:1880)
 * @returns {{flows: object[], configId: string}}
 */
function demoFlow({ environment, baseUrl = '', webhookBase }) {
  const flows = [{ id: TAB_ID, type: 'tab', label: 'Plaid demo', info: 'Every example flow of this package on one tab.' }];
  let config;
  let webhookIn;
  let offset = 0;
  for (const { nodes } of loadExamples()) {
    const placed = nodes.filter((n) => n.type !== 'plaid-config');
    const height = Math.max(...placed.map((n) => n.y)) + ROW_HEIGHT;
    for (const node of nodes) {
      if (node.type === 'plaid-config') {
        config ??= { ...node, name: environment === 'custom' ? 'Plaid emulator' : `Plaid ${environment}`, environment, baseUrl };
        continue;
      }
      const copy = { ...node, z: TAB_ID, y: node.y + offset };
      if (node.type === 'plaid-webhook-in') {
        if (!webhookIn) {
          webhookIn = { ...copy, name: 'Plaid webhooks', wires: copy.wires.map((w) => [...w]) };
          flows.push(webhookIn);
        } else {
          copy.wires.forEach((targets, i) => webhookIn.wires[i].push(...targets));
        }
        continue;
      }
      flows.push(copy);
    }
    offset += height;
  }
  flows.push(config, ...notificationInbox(offset));
  const text = JSON.stringify(flows).split('http://127.0.0.1:1880').join(webhookBase);
  return { flows: JSON.parse(text), configId: config.id };
}

module.exports = { demoFlow, loadExamples };
