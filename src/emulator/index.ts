// A local Plaid emulator for tests and demos: the Item API subset over plain node:http, stateful, Plaid-shaped
// errors, signed webhooks with Plaid's retry schedule, Hosted Link pages, fault injection and a control API
// (control/routes.ts).
//
//   const emulator = await start({ timeFactor: 0.001 });
//   // ... point a Plaid client at emulator.url with emulator.clientId / emulator.secret ...
//   await emulator.stop();
import type { AddressInfo } from 'node:net';
import {
  createItem, fireWebhook, itemSnapshot, repairItem, resetEmulator, snapshot,
  type CreateItemRequest, type CreatedItem, type EmulatorSnapshot, type FireRequest, type FireResult, type ItemSnapshot,
} from './control/operations';
import { changeItemSilently, type SilentChangeRequest } from './control/silent-changes';
import { createCore } from './core';
import type { Counts } from './model/counts';
import type { FaultConfig } from './http/faults';
import type { KeyRotation } from './webhooks/signing-keys';
import type { EmulatorOptions } from './options';
import { createServer } from './http/server';
import type { DeliveryRecord, DropRule } from './webhooks/delivery';

export interface Emulator {
  /** Base URL, e.g. http://127.0.0.1:53211 (no trailing slash): a Plaid client's basePath. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  readonly secret: string;
  /** Every webhook sent (live array, newest last), with its attempts. */
  readonly deliveries: readonly DeliveryRecord[];
  /** Counters of state changes (live object). */
  readonly counts: Readonly<Counts>;
  /** Closes the server and its keep-alive sockets, cancels pending webhook retries and delayed requests. */
  stop(): Promise<void>;
  state(): EmulatorSnapshot;
  item(itemId: string): ItemSnapshot | undefined;
  createItem(request?: CreateItemRequest): CreatedItem;
  fireWebhook(request: FireRequest): FireResult;
  repairItem(itemId: string): ItemSnapshot;
  /** Changes the Item as its webhook would say, without sending the webhook (a delivery lost for good). */
  changeItemSilently(request: SilentChangeRequest): ItemSnapshot;
  /** The next `count` (default 1) webhooks of this type and code (default any) are dropped instead of sent. */
  dropNextWebhooks(match?: { webhook_type?: string; webhook_code?: string; count?: number }): DropRule[];
  /** Replaces the fault configuration; setFaults({}) clears it. */
  setFaults(faults: Partial<FaultConfig>): FaultConfig;
  /** New signing key; the old stays servable, with expired_at set now if `expireOld`. */
  rotateKey(options?: { expireOld?: boolean }): KeyRotation;
  /** Marks a key expired (expired_at = now, or `atSeconds`); false for an unknown kid. */
  expireKey(kid: string, atSeconds?: number): boolean;
  currentKeyId(): string;
  /** Moves the emulator clock (token expiry, rate-limit windows, iat of webhook JWTs). */
  advanceClock(ms: number): void;
  /** Resolves when no webhook is in flight or waiting for a retry. */
  deliveriesSettled(): Promise<void>;
  /** Forgets Items, tokens, counts, faults and deliveries; keys stay. */
  reset(): void;
}

export async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  const core = createCore(options);
  const server = createServer(core);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(core.options.port, core.options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = core.options.host;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  core.baseUrl = `http://${urlHost}:${port}`;
  core.port = port;
  let stopping: Promise<void> | undefined;

  return {
    url: core.baseUrl,
    host,
    port,
    clientId: core.options.clientId,
    secret: core.options.secret,
    deliveries: core.webhooks.records,
    counts: core.counts,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        core.webhooks.close();
        for (const timer of core.delayTimers) clearTimeout(timer);
        core.delayTimers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
    state: () => snapshot(core),
    item(itemId) {
      const item = core.state.findById(itemId);
      return item && itemSnapshot(item);
    },
    createItem: (request) => createItem(core, request),
    fireWebhook: (request) => fireWebhook(core, request),
    repairItem: (itemId) => repairItem(core, itemId),
    changeItemSilently: (request) => changeItemSilently(core, request),
    dropNextWebhooks: (match = {}) => core.webhooks.dropNext(match.webhook_type ?? null, match.webhook_code ?? null, match.count ?? 1),
    setFaults: (faults) => core.faults.set(faults),
    rotateKey: (rotation) => core.keys.rotate(rotation),
    expireKey: (kid, atSeconds) => core.keys.expire(kid, atSeconds),
    currentKeyId: () => core.keys.currentKid,
    advanceClock: (ms) => core.clock.advance(ms),
    deliveriesSettled: () => core.webhooks.settled(),
    reset: () => resetEmulator(core),
  };
}

export { DEFAULT_CLIENT_ID, DEFAULT_SECRET } from './options';
export { CONTROL_PREFIX } from './control/routes';
export { RETRY_SCHEDULE_MS } from './webhooks/delivery';
export { PlaidApiError } from './api/errors';
export type { EmulatorOptions } from './options';
export type { Counts } from './model/counts';
export type { FaultConfig } from './http/faults';
export type { KeyRotation, WebhookVerificationJwk } from './webhooks/signing-keys';
export type { DeliveryAttempt, DeliveryRecord, DropRule } from './webhooks/delivery';
export type {
  AccountSnapshot, CreateItemRequest, CreatedItem, EmulatorSnapshot, FireRequest, FireResult, ItemSnapshot,
  LinkTokenSnapshot,
} from './control/operations';
export type { SilentChange, SilentChangeRequest } from './control/silent-changes';
