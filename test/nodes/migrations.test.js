'use strict';
// The settings migrations (dist/nodes/migrations.js): pure functions, tested on the real table and on a table with
// the kind of step a release would add (a routed webhook before "other", a renamed property).
const assert = require('node:assert/strict');
const { STEPS, SETTINGS_VERSION, settingsVersionOf, outputMoves, moveWires, migrate } = require('../../dist/nodes/migrations');
const { OUTPUT_COUNT, OTHER_OUTPUT } = require('../../dist/plaid/webhook/routing');

/** The released versions, then a next one that routes one more webhook before "other" and renames a property. */
const NEXT = [
  ...STEPS,
  {
    'plaid-webhook-in': { outputs: [...Array.from({ length: OTHER_OUTPUT }, (_, i) => i), OTHER_OUTPUT + 1] },
    'plaid-item-get': { settings: ({ token, tokenType, ...rest }) => ({ ...rest, access_token: token, access_tokenType: tokenType }) },
  },
];
const otherWires = (wires) => wires[wires.length - 1];

describe('settings migrations', function () {
  it('versions settings from the table: new nodes get the table\'s length', function () {
    assert.equal(SETTINGS_VERSION, STEPS.length);
    assert.ok(SETTINGS_VERSION >= 1);
  });

  it('reads a node saved before versions existed (or with junk) as version 0', function () {
    assert.equal(settingsVersionOf({}), 0);
    assert.equal(settingsVersionOf({ settingsVersion: '' }), 0);
    assert.equal(settingsVersionOf({ settingsVersion: 'x' }), 0);
    assert.equal(settingsVersionOf({ settingsVersion: -1 }), 0);
    assert.equal(settingsVersionOf({ settingsVersion: '1' }), 1);
    assert.equal(settingsVersionOf({ settingsVersion: 2 }), 2);
  });

  it('brings an unversioned node of every type to the current version, its settings otherwise unchanged', function () {
    for (const type of ['plaid-config', 'plaid-webhook-in', 'plaid-item-get', 'plaid-items']) {
      const saved = { id: 'n1', type, name: 'kept', dedupe: false, wires: [['a'], ['b']] };
      const migrated = migrate(type, saved);
      // Wires only move where a step says so (its own test below).
      const moves = outputMoves(type, 0);
      assert.deepEqual(migrated, { ...saved, wires: moves ? moveWires(saved.wires, moves) : saved.wires, settingsVersion: SETTINGS_VERSION }, type);
      assert.equal(saved.settingsVersion, undefined, 'the saved settings are not touched');
    }
  });

  it('keeps what the runtime hangs on the settings out of sight (Node-RED\'s _flow)', function () {
    const saved = { id: 'n1', type: 'plaid-item-get' };
    const flow = { id: 'tab' };
    Object.defineProperty(saved, '_flow', { value: flow, enumerable: false });
    const migrated = migrate('plaid-item-get', saved);
    assert.equal(migrated._flow, flow);
    assert.deepEqual(Object.keys(migrated), ['id', 'type', 'settingsVersion']);
  });

  it('leaves current and newer settings as they are', function () {
    const current = { settingsVersion: SETTINGS_VERSION, name: 'a' };
    assert.equal(migrate('plaid-webhook-in', current), current);
    const newer = { settingsVersion: SETTINGS_VERSION + 5, name: 'b', wires: [['x']] };
    assert.equal(migrate('plaid-webhook-in', newer), newer);
  });

  it('moves "other"\'s wires when a release routes a new webhook before it, so no deployed flow is rewired', function () {
    const wires = Array.from({ length: OUTPUT_COUNT }, (_, i) => [`n${i}`]);
    // Unversioned as well, while no released step has moved an output yet (a node of then had as many).
    for (const saved of [{ settingsVersion: SETTINGS_VERSION, wires }, ...(outputMoves('plaid-webhook-in', 0) ? [] : [{ wires }])]) {
      const migrated = migrate('plaid-webhook-in', saved, NEXT);
      assert.equal(migrated.settingsVersion, NEXT.length);
      assert.equal(migrated.wires.length, OUTPUT_COUNT + 1);
      assert.deepEqual(migrated.wires.slice(0, OTHER_OUTPUT), wires.slice(0, OTHER_OUTPUT), 'routed outputs stay where they were');
      assert.deepEqual(migrated.wires[OTHER_OUTPUT], [], 'the new output starts unwired');
      assert.deepEqual(otherWires(migrated.wires), [`n${OTHER_OUTPUT}`], '"other" keeps its wires at its new index');
    }
    assert.deepEqual(outputMoves('plaid-webhook-in', SETTINGS_VERSION, NEXT), NEXT[SETTINGS_VERSION]['plaid-webhook-in'].outputs);
    assert.equal(outputMoves('plaid-webhook-in', NEXT.length, NEXT), undefined, 'nothing moves for a current node');
    assert.equal(outputMoves('plaid-item-get', 0, NEXT), undefined);
  });

  it('composes the moves of several versions', function () {
    const steps = [{}, { t: { outputs: [0, 2] } }, { t: { outputs: [0, 1, 3] } }];
    assert.deepEqual(outputMoves('t', 0, steps), [0, 3]);
    assert.deepEqual(outputMoves('t', 2, steps), [0, 1, 3]);
    assert.deepEqual(moveWires([['a'], ['b']], [0, 3]), [['a'], [], [], ['b']]);
  });

  it('runs property changes in order, from the saved version only', function () {
    const migrated = migrate('plaid-item-get', { settingsVersion: SETTINGS_VERSION, token: 'payload.t', tokenType: 'msg', name: 'g' }, NEXT);
    assert.deepEqual(migrated, { name: 'g', access_token: 'payload.t', access_tokenType: 'msg', settingsVersion: NEXT.length });
    const already = { settingsVersion: NEXT.length, token: 'left alone' };
    assert.equal(migrate('plaid-item-get', already, NEXT), already);
  });
});

describe('settings migrations in the node constructors', function () {
  const fs = require('node:fs');
  const path = require('node:path');
  const pkg = require('../../package.json');

  it('runs in the constructor of every node set the package registers, before createNode', function () {
    for (const [name, file] of Object.entries(pkg['node-red'].nodes)) {
      const code = fs.readFileSync(path.join(__dirname, '..', '..', file), 'utf8');
      const migrateAt = code.search(/\(0, migrations_1\.migrate\)\(/);
      assert.ok(migrateAt > 0, `${name} migrates its settings`);
      assert.ok(migrateAt < code.indexOf('RED.nodes.createNode('), `${name}: before createNode`);
    }
  });
});
