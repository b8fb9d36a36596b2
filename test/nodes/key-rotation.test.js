'use strict';
// A key rotation of a SQLite Item store under load in one Node-RED (a process of its own), through the README's four
// steps: lookups by item_id, exchanges and token rotations keep working (paused only while the one instance is being
// deployed: a deploy restarts the store node), the emulator's signed webhooks keep arriving, and at the end every
// Item is under the new key. Removing the old key before the rewrap is refused; after it, accepted.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { start: startEmulator } = require('../../dist/emulator');
const { RedChild } = require('../reliability/support/child');
const { WEBHOOK_PATH } = require('../support/instance-flows');
const { KeyRotation } = require('../support/key-rotation');

describe('key rotation under load: one Node-RED on a SQLite store', function () {
  this.timeout(300000);
  let emulator;
  let child;
  let dir;

  before(async () => {
    // Plaid's retry schedule at 1/200: a delivery answered 404 or 503 during a deploy comes again within seconds.
    emulator = await startEmulator({ timeFactor: 0.005, itemGetLimitPerMinute: 0, maxDeliveryRecords: 100000 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-rotation-'));
    child = await RedChild.start({ label: 'rotation', recordFile: path.join(dir, 'red-a.jsonl'), env: { PLAID_INSTANCE: 'red-a' }, logLevel: 'warn' });
  });

  after(async () => {
    await child?.stop();
    await emulator?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('through the four steps: 0 failed lookups, 0 rejected webhooks, every Item under the new key; removal refused before the rewrap', async () => {
    const rig = new KeyRotation({
      emulator,
      instances: [{ name: 'red-a', child, recordFile: path.join(dir, 'red-a.jsonl') }],
      store: { backend: 'sqlite', file: 'plaid-items.db' },
      webhookUrl: `${child.url}${WEBHOOK_PATH}`,
    });
    await rig.start(40);
    const seen = await rig.rotate();
    console.log(`      rotation (sqlite, 1 instance): ${await rig.assertRotated(seen)}`);
  });
});
