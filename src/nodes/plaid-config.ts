import type { NodeAPI } from 'node-red';
import { PlaidClient } from '../plaid/client';
import { WEBHOOK_VERIFICATION_KEY_GET } from '../plaid/endpoints';
import { baseUrlFor, isEnvironment } from '../plaid/environments';
import { VerificationKeyCache } from '../plaid/webhook/key-cache';
import { migrate } from './migrations';
import type { ConfigProblemKind, PlaidConfigDef, PlaidConfigNode, PlaidCredentials } from './types';
import { webhookBaseOf, type ListenSettings } from './webhook-base';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 2;

function numberOr(value: string | number | undefined, fallback: number, min: number): number {
  const n = typeof value === 'number' ? value : Number.parseInt(String(value ?? ''), 10);
  return Number.isFinite(n) && n >= min ? n : fallback;
}

/**
 * The secret may go only where it was entered for. `host` is the base URL the editor saw when the secret was last
 * typed (src/editor/config.ts); a config node whose environment or base URL changed since then calls nothing until
 * the secret is entered again. Credentials from before `host` existed are bound to the first base URL they run with.
 */
function hostProblem(recorded: string | undefined, target: string): string | undefined {
  if (recorded === undefined || recorded === target) return undefined;
  return `the secret was entered for ${recorded}, but this config node now calls ${target}: enter the secret again (nothing is sent until then)`;
}

/** A problem the config node reports, with its kind for the status of the nodes using it. */
class ConfigProblem extends Error {
  constructor(readonly kind: ConfigProblemKind, message: string) {
    super(message);
  }
}

export = function (RED: NodeAPI): void {
  function PlaidConfig(this: PlaidConfigNode, saved: PlaidConfigDef): void {
    const def = migrate('plaid-config', saved); // older settings brought up to date (src/nodes/migrations.ts)
    RED.nodes.createNode(this, def);
    this.environment = isEnvironment(def.environment) ? def.environment : 'sandbox';
    const credentials = this.credentials ?? {};
    const { clientId, secret } = credentials;
    const name = `"${def.name || this.id}"`;
    try {
      // The first words say what to do: the debug sidebar shows an error's first 80 characters.
      if (!clientId || !secret) throw new ConfigProblem('noCredentials', `no client ID or secret: enter them in the Plaid config node ${name}`);
      const baseUrl = baseUrlFor(this.environment, def.baseUrl);
      try {
        this.webhookBase = webhookBaseOf(def.webhookUrl, RED.settings as unknown as ListenSettings);
      } catch (err) {
        throw new ConfigProblem('badWebhookUrl', (err as Error).message);
      }
      const problem = hostProblem(credentials.host || undefined, baseUrl);
      if (problem) throw new ConfigProblem('secretElsewhere', problem);
      if (!credentials.host) void RED.nodes.addCredentials(this.id, { ...credentials, host: baseUrl });
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
      this.problem = (err as Error).message;
      this.problemKind = err instanceof ConfigProblem ? err.kind : undefined;
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
      // Not secret: the base URL the secret was entered for (see hostProblem).
      host: { type: 'text' },
    },
  });
};
