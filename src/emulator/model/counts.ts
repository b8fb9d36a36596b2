// Counters of state changes, read through the control API so a reliability test can check that a retried call
// did not double its effect (two Items, two rotations, two webhooks, ...).

export interface Counts {
  apiRequests: number;
  itemsCreated: number;
  itemsRemoved: number;
  publicTokensCreated: number;
  publicTokensExchanged: number;
  accessTokensRotated: number;
  webhookUrlsUpdated: number;
  loginResets: number;
  loginRepairs: number;
  /** Items repaired by a user finishing Link in update mode (Hosted Link Continue). */
  updateModeRepairs: number;
  linkTokensCreated: number;
  /** Hosted Link sessions that ended, with SUCCESS or EXITED. */
  linkSessionsFinished: number;
  verificationStatusesSet: number;
  /** Webhook payloads the emulator decided to send (one per event, however many attempts it takes). */
  webhooksFired: number;
  webhookAttempts: number;
  webhooksDelivered: number;
  /** Webhooks that exhausted the retry schedule without a 2xx. */
  webhooksAbandoned: number;
  /** Webhooks never sent because a drop was asked for (control API webhooks/drop-next). */
  webhooksDropped: number;
  /** Item states changed without their webhook (control API items/silently). */
  silentChanges: number;
  faultsRateLimited: number;
  faultsServerErrors: number;
  faultsDelayed: number;
  /** Requests the emulator failed on by its own bug (answered 500); should stay 0. */
  unexpectedErrors: number;
}

export function newCounts(): Counts {
  return {
    apiRequests: 0,
    itemsCreated: 0,
    itemsRemoved: 0,
    publicTokensCreated: 0,
    publicTokensExchanged: 0,
    accessTokensRotated: 0,
    webhookUrlsUpdated: 0,
    loginResets: 0,
    loginRepairs: 0,
    updateModeRepairs: 0,
    linkTokensCreated: 0,
    linkSessionsFinished: 0,
    verificationStatusesSet: 0,
    webhooksFired: 0,
    webhookAttempts: 0,
    webhooksDelivered: 0,
    webhooksAbandoned: 0,
    webhooksDropped: 0,
    silentChanges: 0,
    faultsRateLimited: 0,
    faultsServerErrors: 0,
    faultsDelayed: 0,
    unexpectedErrors: 0,
  };
}

export function zeroCounts(counts: Counts): void {
  Object.assign(counts, newCounts());
}
