// The repair cases of one plaid-item-repair node: opening a case on a webhook, sending its notice and reminders with
// a fresh Hosted Link each, closing it. Cases live in the Item store, so they outlast deploys and restarts and are
// shared by every instance on the store; a notice or reminder is sent by whichever instance claims it (the store's
// one claim mechanism), then recorded, so it goes out once. The node hands each delivery to the flow and says
// whether the flow got it; nothing here knows Node-RED.
import { randomUUID } from 'node:crypto';
import { channels, type RepairCaseStep } from '../channels';
import type { PlaidClient } from '../client';
import { CLAIM_LEASE_MS, CLAIM_RETENTION_MS, type ItemStore } from '../store/item-store';
import { ItemStoreError } from '../store/errors';
import type { ItemRecord } from '../store/record';
import type { ClosedBy, RepairCase, RepairReason } from '../store/repair-case';
import { closedCase, dueStep, openedCase, sameStep, withStepFailed, withStepSent, type RepairStep } from './case-steps';
import { closingOf, deadlineOf, reasonOf, readEvent } from './events';
import { createRepairLink, itemGone, type LinkSettings } from './hosted-link';
import { closedOutput, closingMessage, noticeMessage, type RepairClosing, type RepairNotice, type RepairOutput } from './outputs';

export interface RepairDeskOptions {
  store: ItemStore;
  client: PlaidClient;
  /** The node's id: the cases it opens are its own, and it follows no other's. */
  owner: string;
  /** What opens a case. */
  reasons: readonly RepairReason[];
  /** The reminders' delays after the first notice, in ms. */
  reminderDelaysMs: readonly number[];
  link: LinkSettings;
  /** The config node's environment: a webhook the node records itself is held to it (see ItemStore.applyWebhook). */
  environment: string | undefined;
  now?: () => number;
}

/** A notice, a reminder or a close, ready to be handed to the flow. */
export interface RepairDelivery {
  output: RepairOutput;
  repair: RepairNotice | RepairClosing;
  /** The Item's record as it is now (null when the store no longer has it). */
  item: ItemRecord | null;
  /** The flow has it: a notice or reminder is recorded and its claim confirmed (a close was recorded before). */
  delivered(): Promise<void>;
  /** The flow did not get it (a deploy stopped it): a notice or reminder is left to be sent again. */
  undelivered(): Promise<void>;
}

/** Due cases handled in one pass; more are taken in the next, at once. */
const DUE_BATCH = 100;
/** The claim of a step is renewed this often while its Hosted Link is being made. */
const RENEW_EVERY_MS = CLAIM_LEASE_MS / 3;

const nothing = (): Promise<void> => Promise.resolve();

export class RepairDesk {
  readonly #options: RepairDeskOptions;
  readonly #now: () => number;
  /** Cases whose due step another instance holds: not looked at again before then (case_id → ms). */
  readonly #busyElsewhere = new Map<string, number>();

  constructor(options: RepairDeskOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * What a message from plaid-webhook-in or a reconcile does: opens a case and resolves to its notice, closes the
   * open case and resolves to the close, or resolves to undefined (any other message, a case already open, another
   * node's case). Rejects when a notice could not be made: the case stays open and its notice is tried again.
   */
  async handle(msg: { plaid?: unknown; payload?: unknown }): Promise<RepairDelivery | undefined> {
    const event = readEvent(msg);
    if (!event) return undefined;
    const { store, owner } = this.#options;
    // Without a store of its own the sender recorded nothing: the node records the webhook (the store's rules hold).
    const applied = event.item === undefined ? await store.applyWebhook(event.payload, { environment: this.#options.environment }) : undefined;
    const itemId = event.itemId ?? applied?.item_id ?? null;
    if (itemId === null) return undefined;
    const record = (await store.get(itemId)) ?? null;
    const current = await store.repairCase(itemId);
    if (current && current.closed_at === null) {
      if (current.owner !== owner) return undefined;
      const closedBy = closingOf(record, current, event);
      return closedBy ? this.#close(current, closedBy, record) : undefined;
    }
    const reason = reasonOf(event);
    if (!reason || !this.#options.reasons.includes(reason)) return undefined;
    if (record === null) throw new ItemStoreError('ITEM_NOT_IN_STORE', `Item ${itemId} is not in the Item store: no repair case opened for its ${reason}`, itemId);
    if (record.status === 'removed' || record.status === 'revoked') return undefined;
    const opened = await this.#open(itemId, reason, deadlineOf(event.payload));
    return opened && this.#runStep(opened, { kind: 'notice', label: 'notice' });
  }

  /**
   * Hands every step now due to `deliver`, one after another; a step that fails is reported with its case (and
   * tried again later). Steps another instance is doing are left to it.
   */
  async runDue(deliver: (delivery: RepairDelivery) => Promise<void>, report: (err: Error, repairCase: RepairCase) => void): Promise<void> {
    const now = this.#now();
    const due = await this.#options.store.repairCases({ owner: this.#options.owner, open: true, dueBy: now, limit: DUE_BATCH });
    for (const repairCase of due) {
      if ((this.#busyElsewhere.get(repairCase.case_id) ?? 0) > now) continue;
      try {
        const delivery = await this.#dueDelivery(repairCase);
        if (delivery) await deliver(delivery);
      } catch (err) {
        report(err as Error, repairCase);
      }
    }
  }

  /** When a step of this node's open cases falls due next (ms since the epoch), or undefined when none is open. */
  async nextDue(): Promise<number | undefined> {
    const now = this.#now();
    for (const [caseId, until] of this.#busyElsewhere) if (until <= now) this.#busyElsewhere.delete(caseId);
    const soonest = await this.#options.store.repairCases({ owner: this.#options.owner, open: true, limit: this.#busyElsewhere.size + 1 });
    const next = soonest.find((c) => !this.#busyElsewhere.has(c.case_id) && c.next_due !== null);
    const times = [...this.#busyElsewhere.values(), ...(next?.next_due ? [Date.parse(next.next_due)] : [])];
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** The due step of a case from the scan: a close, or a notice or reminder. */
  async #dueDelivery(repairCase: RepairCase): Promise<RepairDelivery | undefined> {
    const now = this.#now();
    const record = (await this.#options.store.get(repairCase.item_id)) ?? null;
    const settled = closingOf(record, repairCase);
    if (settled) return this.#close(repairCase, settled, record);
    const step = dueStep(repairCase, now);
    if (!step) return undefined;
    if (step.kind === 'close') return this.#close(repairCase, step.closedBy, record);
    return this.#runStep(repairCase, step);
  }

  /** Opens a case unless the Item has an open one (any node's): resolves to it, or undefined. */
  async #open(itemId: string, reason: RepairReason, deadline: string | null): Promise<RepairCase | undefined> {
    const { store, owner, reminderDelaysMs } = this.#options;
    const caseId = randomUUID();
    const stored = await store.updateRepairCase(itemId, (current) =>
      current && current.closed_at === null
        ? undefined
        : openedCase({ case_id: caseId, item_id: itemId, owner, reason, deadline, reminder_delays_ms: reminderDelaysMs }, this.#now()),
    );
    if (stored?.case_id !== caseId) return undefined;
    this.#stepped('opened');
    return stored;
  }

  /** Tells the exporter (src/plaid/channels.ts) a step this instance took. */
  #stepped(step: RepairCaseStep['step']): void {
    channels.repairCaseStep.publish({ store: this.#options.store.name, step });
  }

  /** Closes the case if it is still open (once, across instances): resolves to its close, or undefined. */
  async #close(repairCase: RepairCase, closedBy: ClosedBy, record: ItemRecord | null): Promise<RepairDelivery | undefined> {
    let closedHere = false;
    const closed = await this.#options.store.updateRepairCase(repairCase.item_id, (current) => {
      closedHere = current?.case_id === repairCase.case_id && current.closed_at === null;
      return closedHere ? closedCase(current as RepairCase, closedBy, this.#now()) : undefined;
    });
    if (!closedHere || !closed) return undefined;
    const output = closedOutput(closedBy);
    this.#stepped(output === 'fixed' ? 'fixed' : 'closed_unrepaired');
    return { output, repair: closingMessage(closed, record), item: record, delivered: nothing, undelivered: nothing };
  }

  /**
   * A notice or reminder: claimed for this instance (renewed while the Hosted Link is made), the case read again,
   * the link made. The claim is confirmed once the flow has it and the step is recorded; until then another
   * instance takes the step over only when this one died (its lease ran out).
   */
  async #runStep(repairCase: RepairCase, step: Exclude<RepairStep, { kind: 'close' }>): Promise<RepairDelivery | undefined> {
    const { store } = this.#options;
    const key = `repair:${repairCase.case_id}:${step.label}`;
    const claimed = await store.claim(key, CLAIM_LEASE_MS);
    if (claimed !== 'claimed') {
      if (claimed === 'in_progress') this.#busyElsewhere.set(repairCase.case_id, this.#now() + CLAIM_LEASE_MS);
      return undefined;
    }
    const hold = holdClaim(store, key);
    try {
      const current = await store.repairCase(repairCase.item_id);
      if (!sameStep(current, repairCase)) {
        await hold.release();
        return undefined;
      }
      const record = (await store.get(current.item_id)) ?? null;
      const link = await this.#link(current, record);
      if (!hold.held()) {
        hold.stop();
        return undefined;
      }
      // Closed meanwhile (the user fixed it through an earlier link while this one was being made): nothing to send.
      if (!sameStep(await store.repairCase(current.item_id), current)) {
        await hold.release();
        return undefined;
      }
      const item = link.item ?? record;
      const reminder = step.kind === 'reminder' ? step.reminder : 0;
      return {
        output: step.kind === 'reminder' ? 'remind' : 'notify',
        repair: noticeMessage(current, item, link, reminder),
        item,
        delivered: async () => {
          this.#stepped(step.kind === 'reminder' ? 'reminder' : 'notice');
          hold.stop();
          await store.updateRepairCase(current.item_id, (latest) => (sameStep(latest, current) ? withStepSent(latest, step, link, this.#now()) : undefined));
          await store.confirmClaim(key, CLAIM_RETENTION_MS);
        },
        undelivered: () => hold.release(),
      };
    } catch (err) {
      await hold.release();
      if (!itemGone(err)) {
        await store.updateRepairCase(repairCase.item_id, (latest) => (sameStep(latest, repairCase) ? withStepFailed(latest, this.#now()) : undefined));
        throw err;
      }
      const record = (await store.get(repairCase.item_id).catch(() => undefined)) ?? null;
      return this.#close(repairCase, 'removed', record);
    }
  }

  async #link(repairCase: RepairCase, record: ItemRecord | null) {
    if (!record) throw new ItemStoreError('ITEM_NOT_IN_STORE', `Item ${repairCase.item_id} is not in the Item store`, repairCase.item_id);
    return createRepairLink(this.#options.client, this.#options.store, record, repairCase.reason, this.#options.link);
  }
}

/** A claim this instance holds, renewed until stopped; `held()` turns false once a renewal finds it lost. */
function holdClaim(store: ItemStore, key: string) {
  let held = true;
  const renewal = setInterval(() => {
    store.renewClaim(key, CLAIM_LEASE_MS).then(
      (renewed) => {
        held &&= renewed;
      },
      () => {
        held = false;
      },
    );
  }, RENEW_EVERY_MS);
  renewal.unref();
  const stop = (): void => clearInterval(renewal);
  return {
    held: () => held,
    stop,
    async release(): Promise<void> {
      stop();
      await store.releaseClaim(key).catch(() => undefined);
    },
  };
}
