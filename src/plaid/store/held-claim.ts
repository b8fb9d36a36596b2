// A claim held for as long as its work runs (a reconcile sweep, later other scheduled work): taken once across every
// instance sharing the store (ItemStore.claim), renewed every third of its lease, and reported lost when it cannot
// be renewed before its lease runs out, since another instance may then take the work over.
import { REAL_TIMERS, type Timers } from '../timers';
import type { ItemStore } from './item-store';

export interface HoldOptions {
  /** How long the claim outlives its holder: another instance takes the work over this long after a crash. */
  leaseMs: number;
  timers?: Timers;
}

export class HeldClaim {
  readonly #store: ItemStore;
  readonly #key: string;
  readonly #leaseMs: number;
  readonly #timers: Timers;
  #renewedAt: number;
  #timer: unknown;
  #done = false;
  #lost: Error | undefined;
  readonly #lostListeners: Array<(reason: Error) => void> = [];

  private constructor(store: ItemStore, key: string, options: HoldOptions, claimedAt: number) {
    this.#store = store;
    this.#key = key;
    this.#leaseMs = options.leaseMs;
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#renewedAt = claimedAt;
    this.#schedule();
  }

  /** The claim of `key`, held; undefined when another holder (or this one, for other work) has it. */
  static async take(store: ItemStore, key: string, options: HoldOptions): Promise<HeldClaim | undefined> {
    const at = (options.timers ?? REAL_TIMERS).now();
    const result = await store.claim(key, options.leaseMs);
    return result === 'claimed' ? new HeldClaim(store, key, options, at) : undefined;
  }

  /** Why the claim was lost; undefined while it is held. */
  get lost(): Error | undefined {
    return this.#lost;
  }

  /** `listener` is called once, when the claim is lost (at once if it already is). */
  onLost(listener: (reason: Error) => void): void {
    if (this.#lost) listener(this.#lost);
    else this.#lostListeners.push(listener);
  }

  /** Gives the claim up, so the next claim of the key succeeds. Never rejects: a claim not released expires. */
  async release(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#timers.clearTimeout(this.#timer);
    if (this.#lost) return;
    await this.#store.releaseClaim(this.#key).catch(() => undefined);
  }

  #schedule(): void {
    this.#timer = this.#timers.setTimeout(() => void this.#renew(), this.#leaseMs / 3);
  }

  async #renew(): Promise<void> {
    const at = this.#timers.now();
    let renewed: boolean;
    try {
      renewed = await this.#store.renewClaim(this.#key, this.#leaseMs);
    } catch (err) {
      if (this.#done) return;
      // The store may be back by the next attempt, unless the lease would run out before it.
      if (this.#timers.now() + this.#leaseMs / 3 < this.#renewedAt + this.#leaseMs) this.#schedule();
      else this.#lose(new Error(`its lease could not be renewed in time (${(err as Error).message})`));
      return;
    }
    if (this.#done) return;
    if (!renewed) {
      this.#lose(new Error('its lease ran out and another holder took it over'));
      return;
    }
    this.#renewedAt = at;
    this.#schedule();
  }

  #lose(reason: Error): void {
    this.#done = true;
    this.#lost = reason;
    for (const listener of this.#lostListeners.splice(0)) listener(reason);
  }
}
