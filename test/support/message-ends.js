'use strict';
// When the nodes under test are done with their messages. Node-RED reports each message a node receives (the
// onReceive hook) and each it finishes (onComplete: done(), with or without an error), and hands what a node sends,
// and an error to the Catch nodes, on to the next node on a later turn of the event loop. So once every message
// the nodes received is finished and those turns have run, every outcome of those messages has arrived: a test can
// then assert "exactly one outcome per message" without waiting a fixed time for a second one.
const { until } = require('./until');

const { hooks } = require(require.resolve('@node-red/util', { paths: [require.resolve('node-red')] }));

const LABEL = 'plaidMessageEnds';

/** Counts from now on what the nodes `ids` receive and finish; replaces the counting of any earlier call. */
function trackMessages(ids) {
  const watched = new Set(ids);
  const counts = { received: 0, finished: 0 };
  hooks.remove(`*.${LABEL}`);
  hooks.add(`onReceive.${LABEL}`, (event) => {
    if (watched.has(event.destination.id)) counts.received++;
  });
  hooks.add(`onComplete.${LABEL}`, (event) => {
    if (watched.has(event.node.id)) counts.finished++;
  });
  return {
    counts,
    /** Resolves once the nodes finished every message they received, and what followed from them arrived. */
    async idle(timeoutMs = 15000) {
      await until(`the nodes to finish their messages (${counts.finished} of ${counts.received})`, () => counts.finished >= counts.received, timeoutMs);
      // Sends and Catch deliveries of those messages are queued with setImmediate (one hop to the node after them,
      // one more through a Catch node): two turns see them delivered.
      for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    },
    stop: () => hooks.remove(`*.${LABEL}`),
  };
}

module.exports = { trackMessages };
