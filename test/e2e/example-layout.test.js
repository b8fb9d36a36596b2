'use strict';
// No node overlaps another in any example (every file in examples/, those added later included) or on the npm start
// demo tab, by the layout rules of scripts/lib/flow-layout.js (the editor's own box sizes, and where Node-RED 5 puts
// an imported node; the browser suite checks them against what Chromium draws), and the demo tab fits a 1,920 px wide
// screen zoomed out, the repair loop first.
const assert = require('node:assert/strict');
const { demoFlow, loadExamples } = require('../../scripts/demo-flow');
const layout = require('../../scripts/lib/flow-layout');

describe('example and demo layout', function () {
  const examples = loadExamples();

  it('has examples to check (control)', () => {
    assert.ok(examples.length >= 8);
  });

  for (const { file, nodes } of examples) {
    it(`${file}: no node overlaps another, none lies on its comment, every node in its group, imported into 4.1 or 5`, () => {
      assert.deepEqual(layout.overlaps(nodes), [], 'as Node-RED 4.1 draws it');
      assert.deepEqual(layout.overlaps(nodes, { imported: true }), [], 'as Node-RED 5 draws it once imported');
      const group = nodes.find((n) => n.type === 'group');
      const drawn = nodes.filter((n) => n.type !== 'group' && typeof n.x === 'number');
      assert.deepEqual(drawn.filter((n) => n.g !== group.id).map((n) => n.id), [], 'nodes outside the group');
    });
  }

  it('finds an overlap where there is one (control)', () => {
    const inject = { id: 'a', type: 'inject', name: 'Press', x: 200, y: 100, wires: [[]] };
    const webhook = { id: 'b', type: 'plaid-webhook-in', name: 'Plaid webhooks', x: 200, y: 160, wires: Array.from({ length: 10 }, () => []) };
    assert.equal(layout.overlaps([inject, webhook]).length, 1, 'the 150 px tall webhook node reaches the inject node');
    assert.deepEqual(layout.overlaps([inject, { ...webhook, y: 220 }]), []);
    assert.equal(layout.overlaps([inject, { ...inject, id: 'c', x: 330 }]).length, 1, 'a button reaches the node before it');
    const long = { id: 'd', type: 'change', name: 'a long label that needs room', x: 300, y: 300, wires: [[]] };
    const after = { id: 'e', type: 'change', name: 'short', x: 300 + layout.nodeSize(long).w / 2 + 90, y: 300, wires: [[]] };
    assert.deepEqual(layout.overlaps([long, after]), [], 'apart where x is the centre');
    assert.equal(layout.overlaps([long, after], { imported: true }).length, 1, 'but Node-RED 5 grows an imported node to the right');
  });

  describe('the npm start demo tab', function () {
    const { flows } = demoFlow({ environment: 'custom', baseUrl: 'http://127.0.0.1:7878', webhookBase: 'http://127.0.0.1:1880' });
    const groups = flows.filter((n) => n.type === 'group');
    const box = (g) => layout.groupBox(g, flows.filter((n) => n.g === g.id));

    it('no node overlaps another, no group another', () => {
      assert.deepEqual(layout.overlaps(flows), []);
    });

    it('fits 1,920 px wide at the editor\'s smallest zoom, the repair loop at the top left', () => {
      const right = Math.max(...groups.map((g) => box(g).right));
      const bottom = Math.max(...groups.map((g) => box(g).bottom));
      const { chart, zoom } = layout.SMALLEST_VIEW;
      assert.ok(right * zoom <= chart.width && bottom * zoom <= chart.height, `${right} × ${bottom} px at ${zoom}`);
      const repair = box(groups.find((g) => g.name.startsWith('08')));
      assert.ok(groups.every((g) => box(g).top >= repair.top && (box(g).left >= repair.left)), 'nothing above or left of the repair loop');
      assert.ok(repair.right * zoom <= chart.width && repair.bottom <= 1000, 'in view zoomed out, its top in view at full size');
    });
  });
});
