'use strict';
// Helper node types for the benchmarks, loaded through Node-RED's nodesDir in the benchmark's child runtime only.
//   bench-driver: sends the messages the benchmark injects (no input).
//   bench-sink:   hands every message it receives back to the benchmark harness (the driver's loop).
//   bench-count:  counts the messages it receives, per node id, and does nothing else.
// The harness (nodered-child.js) reaches them through globalThis.__plaidBench.
const bench = (globalThis.__plaidBench ??= { drivers: new Map(), onSink: new Map(), counts: new Map() });

module.exports = function (RED) {
  function BenchDriver(config) {
    RED.nodes.createNode(this, config);
    bench.drivers.set(this.id, this);
    this.on('close', (_removed, done) => {
      bench.drivers.delete(this.id);
      done();
    });
  }

  function BenchSink(config) {
    RED.nodes.createNode(this, config);
    const role = config.role || 'ok';
    this.on('input', (msg, _send, done) => {
      const handler = bench.onSink.get(config.driver);
      if (handler) handler(msg, role);
      done();
    });
  }

  function BenchCount(config) {
    RED.nodes.createNode(this, config);
    bench.counts.set(this.id, 0);
    this.on('input', (_msg, _send, done) => {
      bench.counts.set(this.id, bench.counts.get(this.id) + 1);
      done();
    });
  }

  RED.nodes.registerType('bench-driver', BenchDriver);
  RED.nodes.registerType('bench-sink', BenchSink);
  RED.nodes.registerType('bench-count', BenchCount);
};
