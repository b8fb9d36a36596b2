// Fault injection for reliability tests: a share of Plaid API calls answered 429 RATE_LIMIT (with Retry-After)
// or 500 INTERNAL_SERVER_ERROR, and a share delayed (for client timeout tests). A 500 can be made to come after
// the call took effect (serverErrorAfterEffect): the answer is lost, as when a response dies on the way back,
// which is how retried calls double their effects.
import { errors } from '../api/errors';

export interface FaultConfig {
  /** Share (0..1) of calls answered 429 RATE_LIMIT_EXCEEDED / RATE_LIMIT. */
  rateLimit: number;
  /** Share (0..1) of calls answered 500 API_ERROR / INTERNAL_SERVER_ERROR. */
  serverError: number;
  /** When true the 500 replaces the answer after the call has changed state; when false (default) before. */
  serverErrorAfterEffect: boolean;
  /** Share (0..1) of calls held for delayMs before being handled. */
  delay: number;
  delayMs: number;
  /** Retry-After header (seconds) on injected 429s. */
  retryAfterSeconds: number;
  /** Plaid paths the faults apply to (e.g. ["/item/get"]); null for all. */
  paths: string[] | null;
  /** Makes the draws repeatable; null uses Math.random. */
  seed: number | null;
}

export type FaultOutcome = 'rateLimit' | 'serverError' | 'serverErrorAfterEffect' | null;

export interface FaultDraw {
  delayMs: number;
  outcome: FaultOutcome;
}

const NO_FAULT: FaultDraw = { delayMs: 0, outcome: null };

export function noFaults(): FaultConfig {
  return {
    rateLimit: 0, serverError: 0, serverErrorAfterEffect: false, delay: 0, delayMs: 0, retryAfterSeconds: 1,
    paths: null, seed: null,
  };
}

export class FaultInjector {
  private config = noFaults();
  private active = false;
  private random: () => number = Math.random;

  get(): FaultConfig {
    return { ...this.config, paths: this.config.paths && [...this.config.paths] };
  }

  /**
   * Replaces the whole configuration: fields left out take their no-fault value, so set({}) clears. Values are
   * checked here (the control API passes them through unchecked), hence `unknown`.
   */
  set(input: { readonly [K in keyof FaultConfig]?: unknown }): FaultConfig {
    const config = noFaults();
    for (const key of Object.keys(input) as Array<keyof FaultConfig>) {
      if (input[key] !== undefined) Object.assign(config, { [key]: input[key] });
    }
    for (const share of ['rateLimit', 'serverError', 'delay'] as const) {
      if (typeof config[share] !== 'number' || !(config[share] >= 0 && config[share] <= 1)) {
        throw errors.invalidField(`${share} must be a number between 0 and 1`);
      }
    }
    if (config.rateLimit + config.serverError > 1) throw errors.invalidField('rateLimit + serverError must not exceed 1');
    for (const amount of ['delayMs', 'retryAfterSeconds'] as const) {
      if (!Number.isInteger(config[amount]) || config[amount] < 0) {
        throw errors.invalidField(`${amount} must be an integer >= 0`);
      }
    }
    if (typeof config.serverErrorAfterEffect !== 'boolean') throw errors.invalidField('serverErrorAfterEffect must be a boolean');
    if (config.paths !== null && (!Array.isArray(config.paths) || !config.paths.every((p) => typeof p === 'string'))) {
      throw errors.invalidField('paths must be an array of strings or null');
    }
    if (config.seed !== null && !Number.isInteger(config.seed)) throw errors.invalidField('seed must be an integer or null');
    this.config = config;
    this.random = config.seed === null ? Math.random : mulberry32(config.seed);
    this.active = config.rateLimit > 0 || config.serverError > 0 || (config.delay > 0 && config.delayMs > 0);
    return this.get();
  }

  draw(path: string): FaultDraw {
    if (!this.active) return NO_FAULT;
    const config = this.config;
    if (config.paths && !config.paths.includes(path)) return NO_FAULT;
    const delayMs = config.delay > 0 && this.random() < config.delay ? config.delayMs : 0;
    const roll = this.random();
    let outcome: FaultOutcome = null;
    if (roll < config.rateLimit) outcome = 'rateLimit';
    else if (roll < config.rateLimit + config.serverError) {
      outcome = config.serverErrorAfterEffect ? 'serverErrorAfterEffect' : 'serverError';
    }
    return { delayMs, outcome };
  }
}

/** Small seeded PRNG (public-domain mulberry32): repeatable fault sequences without a dependency. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
