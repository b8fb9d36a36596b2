'use strict';
// `npm run test:durability` (after a build): processes saving Items are killed with SIGKILL at random moments, and
// every Item they had reported saved must resolve after the restart; a reconcile sweep killed halfway is continued
// by the next one; Node-RED processes with repair cases pending are stopped and killed, and each reminder still
// comes once. About 7 minutes on two cores.
module.exports = {
  spec: ['test/durability/kill-restart.test.js', 'test/durability/create-kill.test.js', 'test/durability/rewrap-kill.test.js', 'test/durability/reconcile-kill.test.js', 'test/durability/repair-restart.test.js'],
  timeout: 300000,
  slow: 120000,
  exit: true,
};
