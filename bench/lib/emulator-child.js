'use strict';
// The package's Plaid emulator (dist/emulator) in a process of its own, with the /item/get rate limit off (Plaid's
// sandbox allows 40 per Item per minute; this measures throughput) and one Item to ask about.
const path = require('node:path');
const { serveChild } = require('./child');

let emulator;

serveChild({
  async init({ packageRoot = path.join(__dirname, '..', '..') }) {
    emulator = await require(path.join(packageRoot, 'dist', 'emulator')).start({ port: 0, host: '127.0.0.1', itemGetLimitPerMinute: 0 });
    const item = emulator.createItem();
    return { url: emulator.url, clientId: emulator.clientId, secret: emulator.secret, accessToken: item.access_token };
  },
  commands: {
    counts: () => ({ ...emulator.counts }),
  },
  async stop() {
    await emulator?.stop();
  },
});
