// What plaid-webhook-in does with each request on its route: screen it on its headers, accept it (body read raw,
// verified, parsed, deduped and logged, recorded in the Item store), emit it, answer Plaid, and release its dedupe
// claim and log entry when it is not acknowledged after all; and a delivery from the event log, emitted again (a
// replay). The node's constructor wires the settings, the route and the close to it.
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import type { Node } from 'node-red';
import { channels } from '../../plaid/channels';
import type { ItemStore } from '../../plaid/store/item-store';
import type { ItemRecord } from '../../plaid/store/record';
import { unsupportedMediaType } from '../../plaid/webhook/parse';
import { acceptDelivery, AcceptedDelivery, EmittableDelivery, ReceiverOptions, webhookMetadata } from '../../plaid/webhook/receiver';
import { unavailable, WebhookRejection } from '../../plaid/webhook/rejection';
import { OUTPUT_COUNT, outputFor } from '../../plaid/webhook/routing';
import { ScreenedToken, screenToken } from '../../plaid/webhook/verify';
import { handedOff, wiredTargets } from '../hand-off';
import { declaredTooLarge } from './raw-body';
import { rawBodyOf } from './route';
import type { DeliveryStatus, WebhookInText } from './status';

export interface DeliveryHandlerOptions {
  /** The node: what it sends, logs and is wired to. */
  node: Node;
  /** The running node of an id (RED.nodes.getNode): a wire's target, to tell whether a deploy replaced it. */
  runningNode: (id: string) => unknown;
  status: DeliveryStatus;
  text: WebhookInText;
  receiver: ReceiverOptions;
  /** Why deliveries cannot be verified now (no usable config node): each is answered 503, unread. */
  configProblem: string | undefined;
  /**
   * The config node's environment, for `msg.plaid.environment` when a payload names none, and for the store's
   * SESSION_FINISHED rules (a session from another environment is refused).
   */
  environment: string | undefined;
  /** The Item store once it is usable (rejects with a 503 while it is not); undefined without a store. */
  usableStore: (() => Promise<ItemStore>) | undefined;
  limitBytes: number;
}

/** A delivery with the record the store updated for it (`undefined` without a store, null for an unknown Item). */
type StoredDelivery = EmittableDelivery & { output: number; item?: ItemRecord | null };

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
        // Closed by a deploy since accept() looked: the wires are gone.
        if (this.closed) {
          void this.release(delivery).then(() => this.refuse(res, unavailable(this.options.text('errors.closedWhileVerifying'))));
          return;
        }
        // Node-RED hands the message over on the next turn of the event loop and drops it if a deploy stopped the
        // next nodes in between (hand-off.ts). So the answer waits for that turn: 200 if they are still the running
        // ones, else 503 and Plaid delivers again. It still comes before any downstream asynchronous work (Plaid
        // allows 10 s).
        const { node, runningNode } = this.options;
        const targets = wiredTargets(node, delivery.output, runningNode);
        this.emit(delivery);
        void handedOff(targets, runningNode).then((reached) => {
          if (reached) {
            // Confirmed once the next nodes have the message, not before: a delivery answered 503 must keep a
            // pending claim even when its release cannot reach the store (a deploy stops the store with the flow),
            // so that Plaid's retry is emitted (after the claim's lease at worst), never taken for a duplicate of a
            // message the flow did not get. An instance killed in this one turn leaves the claim pending: its retry
            // is emitted again once the lease is over (at least once, as Plaid's own re-deliveries are).
            this.confirm(delivery);
            this.acknowledge(res, delivery);
            return;
          }
          void this.release(delivery).then(() => this.refuse(res, unavailable(this.options.text('errors.deployStopped'))));
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

  /**
   * Emits a delivery from the event log again, on the output for its code, after the store's webhook rules have
   * recorded it as on arrival. Rejects when the node has closed or the store cannot record it.
   */
  async replay(delivery: EmittableDelivery): Promise<void> {
    if (this.closed) throw new Error(this.options.text('errors.replayClosed'));
    const replayed: StoredDelivery = { ...delivery, output: outputFor(delivery.webhookType, delivery.webhookCode) };
    const store = await this.options.usableStore?.();
    if (store) replayed.item = await this.applyStoreRules(store, delivery.body);
    this.emit(replayed);
    channels.webhookDelivered.publish({ node: this.options.node.id, webhookType: delivery.webhookType, webhookCode: delivery.webhookCode, verified: delivery.verified, outcome: 'replayed' });
  }

  /**
   * The store's webhook rules, the one call for a delivery on arrival and on replay: whatever they are told about
   * where a delivery came from, a replay is told the same (a SESSION_FINISHED replayed meets the link token's rules).
   */
  private applyStoreRules(store: ItemStore, body: Record<string, unknown>): Promise<ItemRecord | null> {
    return store.applyWebhook(body, { environment: this.options.environment });
  }

  private async accept(req: Request): Promise<AcceptedDelivery & StoredDelivery> {
    const screened = this.screen(req);
    const body = await rawBodyOf(req, this.options.limitBytes);
    if (!body) throw unavailable(this.options.text('errors.bodyParsed'));
    if ('refused' in body) throw new UnreadBody(body.refused);
    const store = await this.options.usableStore?.();
    const delivery: AcceptedDelivery & StoredDelivery = await acceptDelivery(
      { rawBody: body.bytes, signature: req.get('plaid-verification'), screened },
      this.options.receiver,
    );
    if (store && !delivery.duplicate) {
      try {
        delivery.item = await this.applyStoreRules(store, delivery.body);
      } catch (err) {
        await this.release(delivery);
        throw unavailable(this.options.text('errors.storeRecord', { error: (err as Error).message }), 'store_unavailable');
      }
    }
    // Redeployed while verifying: the new node's route gets Plaid's retry, this one's wires are gone.
    if (this.closed) {
      await this.release(delivery);
      throw unavailable(this.options.text('errors.closedWhileVerifying'));
    }
    return delivery;
  }

  /**
   * Undoes the dedupe claim and the log entry of a delivery that is not acknowledged after all: Plaid's retry must
   * be emitted.
   */
  private async release(delivery: AcceptedDelivery): Promise<void> {
    const { recorder } = this.options.receiver;
    if (!recorder || !delivery.recording || delivery.duplicate) return;
    try {
      await recorder.release(delivery.recording);
    } catch {
      // The store failed: the retry may be taken for a duplicate; nothing more can be done here.
      this.options.node.warn(this.options.text('errors.releaseFailed'));
    }
  }

  /** The delivery was emitted: its claim is confirmed (not awaited: nothing waits for it). */
  private confirm(delivery: AcceptedDelivery): void {
    const { recorder } = this.options.receiver;
    if (!recorder || delivery.recording?.claimKey == null) return;
    recorder.confirm(delivery.recording).catch(() => {
      // The claim stays pending and expires with its lease: a later re-delivery would be emitted again.
      this.options.status.warn(this.options.text('errors.confirmFailed'));
    });
  }

  private emit(delivery: StoredDelivery): void {
    const outputs: Array<Record<string, unknown> | null> = Array.from({ length: OUTPUT_COUNT }, () => null);
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
    const { status, text } = this.options;
    answer(res, 200);
    channels.webhookDelivered.publish({ node: this.options.node.id, webhookType: delivery.webhookType, webhookCode: delivery.webhookCode, verified: delivery.verified, outcome: delivery.duplicate ? 'duplicate' : 'emitted' });
    status.accepted();
    if (delivery.unrecorded) status.warn(text('errors.seenSetFull'));
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
    const line = this.options.text('errors.answered', { status: rejection.status, reason: rejection.message });
    this.options.node.debug(line);
    this.options.status.warn(line);
  }
}
