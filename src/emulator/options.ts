// start() options and their defaults.

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the emulator is for local tests, not for a network. */
  host?: string;
  /** Credentials the emulator accepts; defaults DEFAULT_CLIENT_ID / DEFAULT_SECRET. */
  clientId?: string;
  secret?: string;
  /**
   * Multiplies webhook retry delays (Plaid: 30 s, ×4 each time) and the lifetimes of link tokens and Hosted Link
   * URLs; e.g. 0.001 in tests. Default 1.
   */
  timeFactor?: number;
  /** The emulator's clock (ms since the epoch); default Date.now. */
  now?: () => number;
  /** /item/get calls allowed per Item per minute (Plaid sandbox: 40); 0 turns the limit off. */
  itemGetLimitPerMinute?: number;
  /** How long a webhook receiver may take to answer before the attempt counts as failed. Default 10 000 ms. */
  webhookTimeoutMs?: number;
  /** Delivery records kept for inspection (oldest dropped first). Default 1000. */
  maxDeliveryRecords?: number;
}

export type ResolvedOptions = Required<EmulatorOptions>;

export const DEFAULT_CLIENT_ID = 'emulator-client-id';
export const DEFAULT_SECRET = 'emulator-secret';
export const SANDBOX_ITEM_GET_LIMIT = 40;

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const timeFactor = options.timeFactor ?? 1;
  if (!(timeFactor >= 0) || !Number.isFinite(timeFactor)) throw new RangeError('timeFactor must be a finite number >= 0');
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    secret: options.secret ?? DEFAULT_SECRET,
    timeFactor,
    now: options.now ?? Date.now,
    itemGetLimitPerMinute: options.itemGetLimitPerMinute ?? SANDBOX_ITEM_GET_LIMIT,
    webhookTimeoutMs: options.webhookTimeoutMs ?? 10_000,
    maxDeliveryRecords: options.maxDeliveryRecords ?? 1000,
  };
}
