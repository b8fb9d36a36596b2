// What the package's core tells whoever listens (the Prometheus exporter in src/plugins/metrics/, or an operator's
// own tracing), on Node's diagnostics_channel: one named channel per kind of event, each with the type of its
// messages. This module is the one list of them; the README's monitoring section has the same table for users.
//
// Publishing is free when nobody subscribes (a flag is read, nothing is sent), so the core publishes unconditionally
// and a runtime with metrics off pays nothing. Messages carry no secret and no free text: ids of nodes and stores,
// Plaid's names (endpoints, webhook types and codes, error codes) and counts. A subscriber must not throw.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { PlaidRequestError } from './errors';
import type { RejectionReason, RejectionStatus } from './webhook/rejection';

export interface TypedChannel<T> {
  readonly name: string;
  publish(message: T): void;
  /** Calls `onMessage` with every message from now on; returns the function that stops it. */
  subscribe(onMessage: (message: T) => void): () => void;
}

function typedChannel<T extends object>(name: string): TypedChannel<T> {
  // Held here: a channel object nobody references may be collected, and its subscribers with it, on older Nodes.
  const channel = diagnosticsChannel.channel(name);
  return {
    name,
    publish(message) {
      if (channel.hasSubscribers) channel.publish(message);
    },
    subscribe(onMessage) {
      const listener = (message: unknown) => onMessage(message as T);
      diagnosticsChannel.subscribe(name, listener);
      return () => {
        diagnosticsChannel.unsubscribe(name, listener);
      };
    },
  };
}

/** How plaid-webhook-in answered a delivery 200. */
export type DeliveryOutcome = 'emitted' | 'duplicate' | 'replayed';

/** A delivery answered 200 by plaid-webhook-in (`replayed`: sent to the flow again from the Item store's log). */
export interface WebhookDelivered {
  /** The plaid-webhook-in node's id. */
  node: string;
  webhookType: string;
  webhookCode: string;
  /** The signature was checked (verification on); an unverified delivery's type and code are anyone's words. */
  verified: boolean;
  outcome: DeliveryOutcome;
}

/** A delivery refused by plaid-webhook-in, with the status it was answered. */
export interface WebhookRejected {
  node: string;
  reason: RejectionReason;
  status: RejectionStatus;
}

/**
 * One fetch of a webhook verification key from Plaid: `ok`, `rejected` (Plaid knows no such kid, or the key has
 * expired) or `failed` (no usable answer: network, 429, 5xx, a malformed key).
 */
export interface VerificationKeyFetched {
  result: 'ok' | 'rejected' | 'failed';
}

/** One attempt of a call to Plaid's API. */
export interface PlaidAttempted {
  /** The endpoint table's label, e.g. `item/get`. */
  endpoint: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** From sending the request to its answer or failure. */
  seconds: number;
  /** No further attempt follows: this one's result is the call's. */
  final: boolean;
  /** Why the attempt failed; undefined when Plaid answered 2xx. */
  error: PlaidRequestError | undefined;
}

/** An operation of an Item store that its backend failed (the operation did not happen). */
export interface ItemStoreFailed {
  /** The store's name: the plaid-item-store node's id. */
  store: string;
  /** The store's own words for the operation, e.g. `record a webhook on`, `save`, `list`. */
  operation: string;
  code: 'STORE_UNAVAILABLE' | 'STORE_REFUSED';
}

/**
 * A reconcile sweep of a whole store ended, with its summary's counts (published once, at its end: a sweep paced to
 * Plaid's rate limit takes minutes to hours). Not for a sweep of one Item, nor one that did not run because another
 * instance's sweep held the store: the time from one sweep's end to the next is the period the sweeps run at.
 */
export interface ReconcileSweepEnded {
  store: string;
  /** Every Item due was done; false when the sweep stopped early (store or Plaid failing, node closed). */
  completed: boolean;
  /** Items compared with Plaid's /item/get. */
  checked: number;
  /** Items whose record had to change (status, error code) to match Plaid. */
  changed: number;
  /** Calls of the sweep Plaid answered 429. */
  rateLimited: number;
}

/** A step of a repair case (an Item that needs its user: login required, consent expiring, ...). */
export interface RepairCaseStep {
  store: string;
  step: 'opened' | 'notice' | 'reminder' | 'fixed' | 'closed_unrepaired';
}

const PREFIX = 'node-red-plaid';

/** Every channel, by what it tells. */
export const channels = {
  webhookDelivered: typedChannel<WebhookDelivered>(`${PREFIX}:webhook:delivered`),
  webhookRejected: typedChannel<WebhookRejected>(`${PREFIX}:webhook:rejected`),
  verificationKeyFetched: typedChannel<VerificationKeyFetched>(`${PREFIX}:webhook:key-fetched`),
  plaidAttempted: typedChannel<PlaidAttempted>(`${PREFIX}:plaid:attempted`),
  itemStoreFailed: typedChannel<ItemStoreFailed>(`${PREFIX}:store:failed`),
  reconcileSweepEnded: typedChannel<ReconcileSweepEnded>(`${PREFIX}:reconcile:sweep-ended`),
  repairCaseStep: typedChannel<RepairCaseStep>(`${PREFIX}:repair:case-step`),
} as const;
