// Everything one emulator instance holds, shared by the Plaid endpoints, the control API and the programmatic API.
import { createClock, type Clock } from './model/clock';
import { newCounts, type Counts } from './model/counts';
import { FaultInjector } from './http/faults';
import { requestIdSource } from './model/ids';
import { LinkTokens } from './model/link-tokens';
import { KeyRing } from './webhooks/signing-keys';
import { resolveOptions, type EmulatorOptions, type ResolvedOptions } from './options';
import { FixedWindowLimiter } from './model/rate-limit';
import { EmulatorState } from './model/state';
import { WebhookDispatcher } from './webhooks/delivery';

export interface EmulatorCore {
  readonly options: ResolvedOptions;
  readonly clock: Clock;
  readonly counts: Counts;
  readonly state: EmulatorState;
  readonly linkTokens: LinkTokens;
  readonly keys: KeyRing;
  readonly webhooks: WebhookDispatcher;
  readonly faults: FaultInjector;
  readonly itemGetLimiter: FixedWindowLimiter;
  readonly nextRequestId: () => string;
  /** Timers of delayed (fault-injected) requests, cleared by stop(). */
  readonly delayTimers: Set<NodeJS.Timeout>;
  /** The emulator's own URL (hosted_link_url is under it); set by start() once the server listens. */
  baseUrl: string;
  /** The port the server listens on (the control API answers only requests addressed to it); set by start(). */
  port: number;
}

const MINUTE_MS = 60_000;

export function createCore(input: EmulatorOptions = {}): EmulatorCore {
  const options = resolveOptions(input);
  const clock = createClock(options.now);
  const counts = newCounts();
  const keys = new KeyRing(clock);
  return {
    options,
    clock,
    counts,
    state: new EmulatorState(clock, counts),
    linkTokens: new LinkTokens(clock),
    keys,
    webhooks: new WebhookDispatcher({
      counts,
      sign: (body) => keys.signWebhookBody(body),
      timeFactor: options.timeFactor,
      timeoutMs: options.webhookTimeoutMs,
      maxRecords: options.maxDeliveryRecords,
    }),
    faults: new FaultInjector(),
    itemGetLimiter: new FixedWindowLimiter(options.itemGetLimitPerMinute, MINUTE_MS, clock),
    nextRequestId: requestIdSource(),
    delayTimers: new Set(),
    baseUrl: '',
    port: 0,
  };
}
