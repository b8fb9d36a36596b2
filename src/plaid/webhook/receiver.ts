// One delivery from bytes to verdict, in the order that costs an attacker most and us least: the signature on the raw
// bytes (the token's claims, which the caller may have screened before reading the body, then the body's hash, the
// key fetched last), and only then the body's shape, then the seen-set. Nothing unverified is parsed. Transport
// concerns (route, media type, size, deadline) are the caller's.
import type { Deduper } from './dedupe';
import { parseDelivery, ParsedDelivery, sha256Hex } from './parse';
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
  /** Undefined turns de-duplication off. */
  deduper: Deduper | undefined;
}

export interface AcceptedDelivery extends ParsedDelivery {
  /** Zero-based output index. */
  output: number;
  bodySha256: string;
  verified: boolean;
  /** Seen within the dedupe window: answer 200, emit nothing. */
  duplicate: boolean;
  /** Dedupe is on but this body could not be remembered (bucket full): a re-delivery would be emitted again. */
  unrecorded: boolean;
}

/** Resolves to the accepted delivery, or rejects with a WebhookRejection carrying the status to answer. */
export async function acceptDelivery(delivery: IncomingDelivery, options: ReceiverOptions): Promise<AcceptedDelivery> {
  const bodySha256 = options.verification
    ? await verifyScreened(delivery.screened ?? screenToken(delivery.signature, options.verification), delivery.rawBody, options.verification)
    : sha256Hex(delivery.rawBody);
  const parsed = parseDelivery(delivery.rawBody);
  let duplicate = false;
  let unrecorded = false;
  if (options.deduper) {
    try {
      const claim = await options.deduper.claim(bodySha256);
      duplicate = claim.duplicate;
      unrecorded = !claim.duplicate && !claim.recorded;
    } catch (err) {
      if (err instanceof WebhookRejection) throw err;
      throw unavailable(`dedupe store failed: ${(err as Error).message}`, 'store_unavailable');
    }
  }
  const output = outputFor(parsed.webhookType, parsed.webhookCode);
  return { ...parsed, output, bodySha256, verified: options.verification !== undefined, duplicate, unrecorded };
}

/** `msg.plaid` of an emitted webhook. */
export interface WebhookMetadata {
  webhook_type: string;
  webhook_code: string;
  item_id: string | null;
  environment: string | null;
  verified: boolean;
  body_sha256: string;
}

/**
 * `environment` is the payload's own (every Plaid webhook names it); a payload without one takes the config node's
 * environment when that is a Plaid one, since its keys verified the delivery.
 */
export function webhookMetadata(delivery: AcceptedDelivery, configEnvironment: string | undefined): WebhookMetadata {
  const { body } = delivery;
  const fallback = configEnvironment === 'sandbox' || configEnvironment === 'production' ? configEnvironment : null;
  return {
    webhook_type: delivery.webhookType,
    webhook_code: delivery.webhookCode,
    item_id: typeof body.item_id === 'string' ? body.item_id : null,
    environment: typeof body.environment === 'string' ? body.environment : fallback,
    verified: delivery.verified,
    body_sha256: delivery.bodySha256,
  };
}
