// Every way a delivery can be refused, as the HTTP status Plaid gets back. 4xx: Plaid sent something we will never
// accept (or someone else did; 408: its body did not arrive in time). 503: we could not decide now (verification
// key unreachable or being fetched too often, dedupe store down), so Plaid must deliver it again later.

export type RejectionStatus = 400 | 401 | 408 | 413 | 415 | 503;

export class WebhookRejection extends Error {
  readonly status: RejectionStatus;

  constructor(status: RejectionStatus, reason: string) {
    super(reason);
    this.name = 'WebhookRejection';
    this.status = status;
  }
}

/** A failure that is ours or Plaid's API's, not the sender's: Plaid should retry. */
export const unavailable = (reason: string): WebhookRejection => new WebhookRejection(503, reason);
/** The delivery does not prove it comes from Plaid. */
export const unverified = (reason: string): WebhookRejection => new WebhookRejection(401, reason);
