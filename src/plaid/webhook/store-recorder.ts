// De-duplication and the event log in the Item store (store/delivery-log.ts): a delivery's body hash is claimed
// there, scoped to its Item, and the delivery logged with its body encrypted, in one round trip before it is
// answered, so instances sharing the store dedupe together and nothing of it lives in context. A claim is pending
// until the delivery is emitted (confirm), so an instance that dies in between does not turn Plaid's retries into
// duplicates.
import { ItemStoreError } from '../store/errors';
import type { ItemStore } from '../store/item-store';
import type { DeliveryRecorder, Recording, VerifiedDelivery } from './recorder';
import { unavailable } from './rejection';

export interface StoreRecorderOptions {
  /** The store once it is usable (it rejects while it is not). */
  store: () => Promise<ItemStore>;
  /** The plaid-webhook-in node the deliveries arrive at. */
  nodeId: string;
  dedupe: boolean;
  log: boolean;
}

export class StoreRecorder implements DeliveryRecorder {
  constructor(private readonly options: StoreRecorderOptions) {}

  /**
   * A copy of a delivery another instance has claimed but not emitted yet is answered 503: Plaid delivers it again,
   * and by then it is a duplicate, or, if that instance died, taken over once the claim's lease is over.
   */
  async record(delivery: VerifiedDelivery): Promise<Recording> {
    const { store, nodeId, dedupe, log } = this.options;
    const { body } = delivery;
    try {
      const recorded = await (await store()).deliveries.record(
        {
          nodeId,
          raw: delivery.rawBody,
          bodySha256: delivery.bodySha256,
          webhookType: delivery.webhookType,
          webhookCode: delivery.webhookCode,
          itemId: typeof body.item_id === 'string' && body.item_id ? body.item_id : null,
          environment: typeof body.environment === 'string' ? body.environment : null,
        },
        // The log holds verified deliveries only: with verification off nothing proves where one came from.
        { dedupe, log: log && delivery.verified },
      );
      return { ...recorded, remembered: true };
    } catch (err) {
      if (err instanceof ItemStoreError && err.code === 'DELIVERY_IN_PROGRESS') throw unavailable(err.message);
      throw err;
    }
  }

  async confirm(recording: Recording): Promise<void> {
    await (await this.options.store()).deliveries.confirm(recording);
  }

  async release(recording: Recording): Promise<void> {
    await (await this.options.store()).deliveries.release(recording);
  }
}
