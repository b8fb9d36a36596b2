// What the receiver asks of whatever remembers deliveries before they are answered: de-duplication (the context
// seen-set in dedupe.ts, or the Item store's claims) and, with a store, the event log (store-recorder.ts).
import type { ParsedDelivery } from './parse';

/** A delivery whose signature held (or verification is off), parsed. */
export interface VerifiedDelivery extends ParsedDelivery {
  rawBody: Buffer;
  bodySha256: string;
  verified: boolean;
}

/** What recording found; the recorder gets it back to confirm or release the delivery. */
export interface Recording {
  /** A copy of a delivery already emitted: answer 200, emit nothing. */
  duplicate: boolean;
  /** False when de-duplication could not remember a new body (the seen-set's hour is full). */
  remembered: boolean;
  /** The claim to confirm once emitted, or to release when answered 503 after all; null when there is none. */
  claimKey: string | null;
  /** The event log's id for it; null without a log. */
  deliveryId: string | null;
  /** ISO 8601. */
  receivedAt: string;
}

export interface DeliveryRecorder {
  /** Before the answer. Rejects with a WebhookRejection carrying the status to answer (503: cannot tell now). */
  record(delivery: VerifiedDelivery): Promise<Recording>;
  /** The delivery was emitted. */
  confirm(recording: Recording): Promise<void>;
  /** The delivery is answered 503 after all: Plaid's retry of it must not be taken for a duplicate. */
  release(recording: Recording): Promise<void>;
}
