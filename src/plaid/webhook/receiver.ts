// One delivery from bytes to verdict, in the order that costs an attacker most and us least: the signature on the raw
// bytes (the token's claims, which the caller may have screened before reading the body, then the body's hash, the
// key fetched last), and only then the body's shape, then the recorder (seen-set, claims, event log). Nothing
// unverified is parsed. Transport concerns (route, media type, size, deadline) are the caller's.
import { parseDelivery, ParsedDelivery, sha256Hex } from './parse';
import type { DeliveryRecorder, Recording } from './recorder';
import { unavailable, WebhookRejection } from './rejection';
import { outputFor } from './routing';
import { ScreenedToken, screenToken, verifyScreened, VerifyOptions } from './verify';

export interface IncomingDelivery {
  rawBody: Buffer;
  /** The Plaid-Verification header. */
  signature: string | undefined;
  /** The header already screened (before the body was read); screened here when absent. */
  screened?: ScreenedToken;
}

export interface ReceiverOptions {
  /** Undefined turns verification off (local experiments only). */
  verification: VerifyOptions | undefined;
  /** De-duplication and the event log; undefined for neither. */
  recorder: DeliveryRecorder | undefined;
}

/** What a message is made from: a delivery as it arrives, or one replayed from the event log. */
export interface EmittableDelivery extends ParsedDelivery {
  bodySha256: string;
  verified: boolean;
  /** ISO 8601: when it arrived (for a replay, when it first did). */
  receivedAt: string;
  /** Its id in the event log; null when it is not logged. */
  deliveryId: string | null;
  replayed: boolean;
}

export interface AcceptedDelivery extends EmittableDelivery {
  /** Zero-based output index. */
  output: number;
  /** Seen within the dedupe window: answer 200, emit nothing. */
  duplicate: boolean;
  /** Dedupe is on but this body could not be remembered (bucket full): a re-delivery would be emitted again. */
  unrecorded: boolean;
  /** What the recorder recorded (to confirm or release), when there is one. */
  recording: Recording | undefined;
}

/** Resolves to the accepted delivery, or rejects with a WebhookRejection carrying the status to answer. */
export async function acceptDelivery(delivery: IncomingDelivery, options: ReceiverOptions): Promise<AcceptedDelivery> {
  const bodySha256 = options.verification
    ? await verifyScreened(delivery.screened ?? screenToken(delivery.signature, options.verification), delivery.rawBody, options.verification)
    : sha256Hex(delivery.rawBody);
  const parsed = parseDelivery(delivery.rawBody);
  const verified = options.verification !== undefined;
  let recording: Recording | undefined;
  if (options.recorder) {
    try {
      recording = await options.recorder.record({ ...parsed, rawBody: delivery.rawBody, bodySha256, verified });
    } catch (err) {
      if (err instanceof WebhookRejection) throw err;
      throw unavailable(`recording the delivery failed (dedupe or event log): ${(err as Error).message}`);
    }
  }
  return {
    ...parsed,
    output: outputFor(parsed.webhookType, parsed.webhookCode),
    bodySha256,
    verified,
    receivedAt: recording?.receivedAt ?? new Date().toISOString(),
    deliveryId: recording?.deliveryId ?? null,
    replayed: false,
    duplicate: recording?.duplicate ?? false,
    unrecorded: recording !== undefined && !recording.remembered,
    recording,
  };
}

/** `msg.plaid` of an emitted webhook. */
export interface WebhookMetadata {
  webhook_type: string;
  webhook_code: string;
  item_id: string | null;
  environment: string | null;
  verified: boolean;
  body_sha256: string;
  received_at: string;
  replayed: boolean;
  delivery_id: string | null;
}

/**
 * `environment` is the payload's own (every Plaid webhook names it); a payload without one takes the config node's
 * environment when that is a Plaid one, since its keys verified the delivery.
 */
export function webhookMetadata(delivery: EmittableDelivery, configEnvironment: string | undefined): WebhookMetadata {
  const { body } = delivery;
  const fallback = configEnvironment === 'sandbox' || configEnvironment === 'production' ? configEnvironment : null;
  return {
    webhook_type: delivery.webhookType,
    webhook_code: delivery.webhookCode,
    item_id: typeof body.item_id === 'string' ? body.item_id : null,
    environment: typeof body.environment === 'string' ? body.environment : fallback,
    verified: delivery.verified,
    body_sha256: delivery.bodySha256,
    received_at: delivery.receivedAt,
    replayed: delivery.replayed,
    delivery_id: delivery.deliveryId,
  };
}
