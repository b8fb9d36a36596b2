'use strict';
// The editor's comms websocket, as the editor itself listens to it: every message published (debug, status/#,
// notification/#, event-log/#) is kept. node-red ships ws (Node 20 has no global WebSocket).
const path = require('node:path');
const { until } = require('./until');

const nodeRedDir = path.dirname(require.resolve('node-red/package.json'));
const WebSocket = require(require.resolve('ws', { paths: [require.resolve('@node-red/editor-api', { paths: [nodeRedDir] })] }));

/**
 * @param {string} url Node-RED's editor URL (http://host:port, no trailing slash)
 * @param {{accessToken?: string, topics?: string[]}} [options] with adminAuth on: the user's access token, sent first
 *   as the editor does (the runtime refuses anything else before it); topics to subscribe to besides the editor's own
 * @returns {Promise<{messages: Array<{topic: string, data: any}>, debug: (nodeId?: string) => any[], close: () => void}>}
 */
async function connectComms(url, { accessToken, topics = [] } = {}) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/comms`);
  const messages = [];
  ws.on('message', (data) => {
    const text = String(data);
    try {
      for (const m of [].concat(JSON.parse(text))) messages.push(m);
    } catch {
      messages.push({ topic: 'unparsed', data: text });
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  if (accessToken) {
    ws.send(JSON.stringify({ auth: accessToken }));
    await until('the comms login', () => messages.some((m) => m.auth === 'ok' || m.auth === 'fail'));
    if (!messages.some((m) => m.auth === 'ok')) throw new Error('the comms refused the access token');
  }
  // The runtime sends every message to every open connection (this one since it opened, or since its login was
  // acknowledged); a subscription only asks for the retained ones of its topics again. Nothing to wait for.
  for (const topic of ['debug', 'status/#', 'notification/#', 'event-log/#', ...topics]) ws.send(JSON.stringify({ subscribe: topic }));
  return {
    messages,
    /** The debug sidebar's messages (data: {id, name, msg, format}), of one debug node when given its id. */
    debug: (nodeId) => messages.filter((m) => m.topic === 'debug' && (nodeId === undefined || m.data.id === nodeId)).map((m) => m.data),
    close: () => ws.close(),
  };
}

module.exports = { connectComms };
