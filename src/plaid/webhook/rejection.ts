// Every way a delivery can be refused, as the HTTP status Plaid gets back and a reason from a short fixed list (what
// an operator counts and alerts on; the message says the rest). 4xx: Plaid sent something we will never accept (or
// someone else did; 408: its body did not arrive in time). 503: we could not decide now (verification key
// unreachable or being fetched too often, dedupe store down), so Plaid must deliver it again later.

export type RejectionStatus = 400 | 401 | 408 | 413 | 415 | 503;

/** Why a delivery was refused; each reason belongs to one status. */
export const REJECTION_REASONS = {
  /** 400: the verified body is not a JSON object with a webhook_type and a webhook_code. */
  malformed_body: 400,
  /** 401: no Plaid-Verification header. */
  unsigned: 401,
  /** 401: the header is not a valid ES256 JWT over this body (forged, altered, or not Plaid's). */
  bad_signature: 401,
  /** 401: the JWT's iat is outside the accepted window (a replay, or a clock far off). */
  stale: 401,
  /** 401: Plaid knows no key with that kid, or the key has expired. */
  unknown_key: 401,
  /** 408: the body did not arrive in time. */
  body_timeout: 408,
  /** 413: the body is larger than the limit. */
  too_large: 413,
  /** 415: not application/json. */
  media_type: 415,
  /** 503: the verification key could not be had now (Plaid failing, fetches rate-limited, no answer in time). */
  key_unavailable: 503,
  /** 503: the Item store or the dedupe store could not be used. */
  store_unavailable: 503,
  /** 503: another instance is handling the same delivery. */
  in_progress: 503,
  /** 503: the node cannot take deliveries now (no usable config node, closing, redeployed while sending). */
  not_ready: 503,
} as const satisfies Record<string, RejectionStatus>;

export type RejectionReason = keyof typeof REJECTION_REASONS;

/** The reason a rejection has when its maker names none. */
const DEFAULT_REASONS: Readonly<Record<RejectionStatus, RejectionReason>> = {
  400: 'malformed_body',
  401: 'bad_signature',
  408: 'body_timeout',
  413: 'too_large',
  415: 'media_type',
  503: 'not_ready',
};

export class WebhookRejection extends Error {
  readonly status: RejectionStatus;
  readonly reason: RejectionReason;

  constructor(status: RejectionStatus, message: string, reason: RejectionReason = DEFAULT_REASONS[status]) {
    super(message);
    this.name = 'WebhookRejection';
    this.status = status;
    this.reason = reason;
  }
}

/** A failure that is ours or Plaid's API's, not the sender's: Plaid should retry. */
export const unavailable = (message: string, reason: RejectionReason = 'not_ready'): WebhookRejection => new WebhookRejection(503, message, reason);
/** The delivery does not prove it comes from Plaid. */
export const unverified = (message: string, reason: RejectionReason = 'bad_signature'): WebhookRejection => new WebhookRejection(401, message, reason);
