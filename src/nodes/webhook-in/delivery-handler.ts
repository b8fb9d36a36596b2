// What plaid-webhook-in does with each request on its route: screen it on its headers, accept it (body read raw,
// verified, parsed, deduped, recorded in the Item store), emit it, answer Plaid, and release its dedupe claim when it
// is not acknowledged after all. The node's constructor wires the settings, the route and the close to it.
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import type { Node } from 'node-red';
import { channels } from '../../plaid/channels';
import type { ItemStore } from '../../plaid/store/item-store';
import type { ItemRecord } from '../../plaid/store/record';
import { unsupportedMediaType } from '../../plaid/webhook/parse';
import { acceptDelivery, AcceptedDelivery, ReceiverOptions, webhookMetadata } from '../../plaid/webhook/receiver';
import { unavailable, WebhookRejection } from '../../plaid/webhook/rejection';
import { OUTPUT_COUNT } from '../../plaid/webhook/routing';
import { ScreenedToken, screenToken } from '../../plaid/webhook/verify';
import { declaredTooLarge } from './raw-body';
import { rawBodyOf } from './route';
import type { DeliveryStatus } from './status';

export interface DeliveryHandlerOptions {
  /** The node: what it sends, logs and is wired to. */
  node: Node;
  /** The running node of an id (RED.nodes.getNode): a wire's target, to tell whether a deploy replaced it. */
  runningNode: (id: string) => unknown;
  status: DeliveryStatus;
  receiver: ReceiverOptions;
  /** Why deliveries cannot be verified now (no usable config node): each is answered 503, unread. */
  configProblem: string | undefined;
  /** The config node's environment, for `msg.plaid.environment` when a payload names none. */
  environment: string | undefined;
  /** The Item store once it is usable (rejects with a 503 while it is not); undefined without a store. */
  usableStore: (() => Promise<ItemStore>) | undefined;
  limitBytes: number;
}

/** A delivery with the record the store updated for it (`undefined` without a store, null for an unknown Item). */
type StoredDelivery = AcceptedDelivery & { item?: ItemRecord | null };

/**
 * Answers `status` with its reason phrase as the body, as express's res.sendStatus would, but straight on the
 * response: sendStatus goes through res.send, which hashes every body for an ETag and checks request freshness, a
 * measurable share of a delivery's cost under load (bench/). Headers set before (Connection: close on a 413) are kept.
 */
function answer(res: Response, status: number): void {
  const body = STATUS_CODES[status] ?? String(status);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** A request whose body was refused unread: the answer closes the connection. */
class UnreadBody extends Error {
  constructor(readonly rejection: WebhookRejection) {
    super(rejection.message);
  }
}

export class DeliveryHandler {
  private closed = false;

  constructor(private readonly options: DeliveryHandlerOptions) {}

  /** The route's handler: every request ends in exactly one answer. */
  readonly receive = (req: Request, res: Response): void => {
    this.accept(req).then(
      (delivery) => {
        if (delivery.duplicate) {
          this.acknowledge(res, delivery);
          return;
        }
        // Node-RED hands the message to the next nodes on the next turn of the event loop (setImmediate, queued
        // by send() ahead of the check below), and drops it if a deploy stopped them in between. So the answer
        // waits for that turn: 200 if the nodes it went to are still the running ones, else 503 and Plaid
        // delivers again. It still comes before any downstream asynchronous work (Plaid allows 10 s).
        // (A target not found at all, e.g. under an id the lookup does not know, is not judged.)
        const { node, runningNode } = this.options;
        const wires = (node as unknown as { wires?: string[][] }).wires ?? [];
        const targets = (wires[delivery.output] ?? []).map((id) => [id, runningNode(id)] as const);
        this.emit(delivery);
        // Confirmed as it is handed to the runtime: the statement is on its way to the store before the next
        // nodes run, so an instance killed from here on leaves a confirmed claim (its retry is a duplicate).
        this.confirm(delivery);
        setImmediate(() => {
          if (targets.every(([id, target]) => !target || runningNode(id) === target)) {
            this.acknowledge(res, delivery);
            return;
          }
          void this.release(delivery).then(() => this.refuse(res, unavailable('a deploy stopped the flow before the webhook reached the next node')));
        });
      },
      (err: unknown) => this.refuse(res, err),
    );
  };

  /** The node is closing (a redeploy): deliveries still being verified are answered 503, so Plaid sends them again. */
  close(): void {
    this.closed = true;
  }

  /** What the headers alone decide, before a byte of the body is read: media type, declared size, the token. */
  private screen(req: Request): ScreenedToken | undefined {
    const { configProblem, limitBytes, receiver } = this.options;
    const refusal = unsupportedMediaType(req.get('content-type')) ?? (configProblem ? unavailable(configProblem) : undefined)
      ?? declaredTooLarge(req, limitBytes);
    if (refusal) throw new UnreadBody(refusal);
    try {
      return receiver.verification ? screenToken(req.get('plaid-verification'), receiver.verification) : undefined;
    } catch (err) {
      throw err instanceof WebhookRejection ? new UnreadBody(err) : err;
    }
  }

  private async accept(req: Request): Promise<StoredDelivery> {
    const screened = this.screen(req);
    const body = await rawBodyOf(req, this.options.limitBytes);
    if (!body) throw unavailable('the request body was parsed before this node could read its raw bytes');
    if ('refused' in body) throw new UnreadBody(body.refused);
    const store = await this.options.usableStore?.();
    const delivery: StoredDelivery = await acceptDelivery({ rawBody: body.bytes, signature: req.get('plaid-verification'), screened }, this.options.receiver);
    if (store && !delivery.duplicate) {
      try {
        delivery.item = await store.applyWebhook(delivery.body);
      } catch (err) {
        await this.release(delivery);
        throw unavailable(`the Item store could not record the webhook: ${(err as Error).message}`, 'store_unavailable');
      }
    }
    // Redeployed while verifying: the new node's route gets Plaid's retry, this one's wires are gone.
    if (this.closed) {
      await this.release(delivery);
      throw unavailable('node closed while the delivery was being verified');
    }
    return delivery;
  }

  /** Undoes the dedupe claim of a delivery that is not acknowledged after all: Plaid's retry must be emitted. */
  private async release(delivery: AcceptedDelivery): Promise<void> {
    const { deduper } = this.options.receiver;
    if (!deduper || delivery.duplicate || delivery.unrecorded) return;
    try {
      await deduper.release(delivery.bodySha256);
    } catch {
      // The store failed: the retry may be taken for a duplicate; nothing more can be done here.
      this.options.node.warn('dedupe store failed while forgetting a delivery answered 503: its retry may be dropped as a duplicate');
    }
  }

  /** The delivery was emitted: its claim is confirmed (not awaited: nothing waits for it). */
  private confirm(delivery: AcceptedDelivery): void {
    const { deduper } = this.options.receiver;
    if (!deduper?.confirm || delivery.unrecorded) return;
    deduper.confirm(delivery.bodySha256).catch(() => {
      // The claim stays pending and expires with its lease: a later re-delivery would be emitted again.
      this.options.status.warn('dedupe store failed while confirming a delivery: a re-delivery of it may be emitted again');
    });
  }

  private emit(delivery: StoredDelivery): void {
    const outputs: Array<Record<string, unknown> | null> = new Array(OUTPUT_COUNT).fill(null);
    const plaid: Record<string, unknown> = { ...webhookMetadata(delivery, this.options.environment) };
    if (delivery.item !== undefined) {
      plaid.item = delivery.item;
      // LINK webhooks name no item_id: the store found the Item by its link token.
      plaid.item_id ??= delivery.item?.item_id ?? null;
    }
    outputs[delivery.output] = { payload: delivery.body, topic: delivery.webhookCode, plaid };
    this.options.node.send(outputs);
  }

  private acknowledge(res: Response, delivery: AcceptedDelivery): void {
    const { status } = this.options;
    answer(res, 200);
    channels.webhookDelivered.publish({ node: this.options.node.id, webhookType: delivery.webhookType, webhookCode: delivery.webhookCode, verified: delivery.verified, outcome: delivery.duplicate ? 'duplicate' : 'emitted' });
    status.accepted();
    if (delivery.unrecorded) status.warn('dedupe: this hour\'s seen-set is full; a re-delivery of this webhook would be emitted again');
  }

  private refuse(res: Response, err: unknown): void {
    const rejection = err instanceof UnreadBody ? err.rejection : err instanceof WebhookRejection ? err : unavailable((err as Error).message);
    // A body refused before or while it was read (media type, token, size, deadline) is not read any further: the
    // answer ends the connection, so the sender cannot go on sending it.
    if (err instanceof UnreadBody) res.set('Connection', 'close');
    answer(res, rejection.status);
    channels.webhookRejected.publish({ node: this.options.node.id, reason: rejection.reason, status: rejection.status });
    this.options.status.rejectedDelivery();
    // Every rejection at debug level (for an operator tracing one); warnings are throttled.
    const line = `webhook delivery answered ${rejection.status}: ${rejection.message}`;
    this.options.node.debug(line);
    this.options.status.warn(line);
  }
}
