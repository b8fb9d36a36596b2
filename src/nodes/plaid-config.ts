import type { NodeAPI } from 'node-red';
import { PlaidClient } from '../plaid/client';
import { WEBHOOK_VERIFICATION_KEY_GET } from '../plaid/endpoints';
import { baseUrlFor, isEnvironment } from '../plaid/environments';
import { VerificationKeyCache } from '../plaid/webhook/key-cache';
import { migrate } from './migrations';
import { bindingProblem, bindSecret, readSecret } from './plaid-config/secret-binding';
import type { PlaidConfigDef, PlaidConfigNode, PlaidCredentials } from './types';
import { WebhookBaseError, webhookBaseOf } from './webhook-base';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 2;

function numberOr(value: string | number | undefined, fallback: number, min: number): number {
  const n = typeof value === 'number' ? value : Number.parseInt(String(value ?? ''), 10);
  return Number.isFinite(n) && n >= min ? n : fallback;
}

export = function (RED: NodeAPI): void {
  const text = (key: string, data?: Record<string, string>): string => RED._(`plaid-config.${key}`, data);

  function PlaidConfig(this: PlaidConfigNode, saved: PlaidConfigDef): void {
    const def = migrate('plaid-config', saved); // older settings brought up to date (src/nodes/migrations.ts)
    RED.nodes.createNode(this, def);
    this.environment = isEnvironment(def.environment) ? def.environment : 'sandbox';
    const credentials = this.credentials ?? {};
    const { clientId } = credentials;
    try {
      if (!clientId || !credentials.secret) throw new Error(text('errors.noCredentials'));
      const baseUrl = baseUrlFor(this.environment, def.baseUrl);
      this.webhookBase = webhookBaseOf(def.webhookUrl, RED.settings);
      // The secret goes only where it was supplied for (plaid-config/secret-binding.ts); a newly supplied one is
      // bound here, and `host` tells the editor where.
      const stored = readSecret(credentials.secret);
      const problem = bindingProblem(stored, baseUrl);
      if (problem) throw new Error(problem);
      const { secret } = stored;
      if (stored.boundTo === undefined || credentials.host !== baseUrl) {
        void RED.nodes.addCredentials(this.id, { ...credentials, secret: bindSecret(secret, baseUrl), host: baseUrl });
      }
      const client = new PlaidClient({
        baseUrl,
        clientId,
        secret,
        timeout: numberOr(def.timeout, DEFAULT_TIMEOUT_MS, 1),
        retries: numberOr(def.retries, DEFAULT_RETRIES, 0),
      });
      this.client = client;
      // One attempt per fetch: a forged delivery must cost at most one call, and the key cache spaces out fetches
      // after a failure itself (Plaid retries the delivery, not us the fetch).
      this.verificationKeys = new VerificationKeyCache(
        async (kid) => (await client.request(WEBHOOK_VERIFICATION_KEY_GET, { key_id: kid }, { retries: 0 })).body.key,
      );
    } catch (err) {
      this.problem = err instanceof WebhookBaseError ? text('errors.webhookBase', { url: err.url }) : (err as Error).message;
      this.warn(this.problem);
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      this.client?.close();
      done();
    });
  }

  RED.nodes.registerType<PlaidConfigNode, PlaidConfigDef, object, PlaidCredentials>('plaid-config', PlaidConfig, {
    credentials: {
      clientId: { type: 'text' },
      secret: { type: 'password' },
      // Not secret: the base URL the secret is bound to, for the editor (plaid-config/secret-binding.ts).
      host: { type: 'text' },
    },
  });
};
