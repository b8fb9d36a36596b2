'use strict';
// The flow the webhook benchmarks run in nodered-child.js: plaid-webhook-in (verification on) on a config node
// whose base URL is the loopback key server, every one of its outputs wired to a counter node.

/**
 * @param {{label: string, keyServerUrl: string, dedupe: boolean}} options
 * @returns {{flows: object[], credentials: object, waitFor: string[]}} the `init` fields nodered-child.js takes
 */
function countingWebhookFlow({ label, keyServerUrl, dedupe }) {
  return {
    flows: [
      { id: 'tab', type: 'tab', label },
      { id: 'cfg', type: 'plaid-config', name: '', environment: 'custom', baseUrl: keyServerUrl, timeout: 30000, retries: 2 },
      { id: 'hook', type: 'plaid-webhook-in', z: 'tab', name: '', url: '/plaid/webhook', plaid: 'cfg', verify: true, dedupe, dedupeStore: '', wires: Array.from({ length: 10 }, () => ['hook-count']) },
      { id: 'hook-count', type: 'bench-count', z: 'tab', name: '', wires: [] },
    ],
    credentials: { cfg: { clientId: 'bench-client', secret: 'bench-secret' } },
    waitFor: ['hook', 'hook-count'],
  };
}

module.exports = { countingWebhookFlow };
