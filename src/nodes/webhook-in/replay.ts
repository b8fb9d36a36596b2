// A replay: the deliveries a request selects from a store's event log, emitted again in the order they arrived,
// each by the plaid-webhook-in node that received it (or the one the request names), through the store's webhook
// rules as on arrival. Each delivery is claimed in the store for the request first, so with several instances (or
// the same request sent twice) each is emitted by exactly one.
import type { DeliveryFilter } from '../../plaid/store/delivery-record';
import type { ItemStore } from '../../plaid/store/item-store';
import { receiversOn, runningReceiver, type RunningReceiver } from './registry';

/** Why a selected delivery was not emitted. */
export type NotReplayedReason = 'pruned' | 'node_gone' | 'already_replayed' | 'in_progress' | 'unreadable' | 'failed';

export interface ReplayRequest {
  storeId: string;
  filter: DeliveryFilter;
  /** The plaid-webhook-in node that emits every delivery, instead of the one that received it. */
  node?: RunningReceiver;
  /** The request's identity: the same id sent again replays nothing twice. */
  replayId: string;
}

export interface ReplaySummary {
  replay_id: string;
  replayed: number;
  not_replayed: Array<{ id: string; reason: NotReplayedReason; detail?: string }>;
  /** Set when the deliveries were emitted but the store could not record that they were. */
  problem?: string;
}

const DETAIL: Record<NotReplayedReason, string> = {
  pruned: 'not in the event log (pruned, or never logged)',
  node_gone: 'the plaid-webhook-in node that received it no longer runs here: name another with `node`',
  already_replayed: 'this replay request already emitted it',
  in_progress: 'another instance is emitting it for this replay request now',
  unreadable: 'its body cannot be decrypted (altered, or written under another key)',
  failed: 'it could not be emitted',
};

export async function replayDeliveries(store: ItemStore, request: ReplayRequest): Promise<ReplaySummary> {
  const { replayId } = request;
  const summary: ReplaySummary = { replay_id: replayId, replayed: 0, not_replayed: [] };
  const skip = (id: string, reason: NotReplayedReason, detail = DETAIL[reason]) => summary.not_replayed.push({ id, reason, detail });
  const selected = await store.deliveries.replayable(request.filter);
  const found = new Set(selected.map((delivery) => delivery.id));
  for (const id of request.filter.ids ?? []) if (!found.has(id)) skip(id, 'pruned');

  const onStore = new Set(receiversOn(request.storeId).map((receiver) => receiver.id));
  const emitterOf = (nodeId: string) => request.node ?? (onStore.has(nodeId) ? runningReceiver(nodeId) : undefined);
  const candidates = selected.filter((delivery) => {
    if (emitterOf(delivery.nodeId)) return true;
    skip(delivery.id, 'node_gone');
    return false;
  });
  const claims = await store.deliveries.claimReplay(replayId, candidates.map((delivery) => delivery.id));

  const emitted: string[] = [];
  const abandoned: string[] = [];
  for (const [i, delivery] of candidates.entries()) {
    if (claims[i] !== 'claimed') {
      skip(delivery.id, claims[i] === 'duplicate' ? 'already_replayed' : 'in_progress');
      continue;
    }
    let body: Record<string, unknown>;
    try {
      body = delivery.body();
    } catch {
      skip(delivery.id, 'unreadable');
      abandoned.push(delivery.id);
      continue;
    }
    try {
      await (emitterOf(delivery.nodeId) as RunningReceiver).replay({
        body,
        webhookType: delivery.webhookType,
        webhookCode: delivery.webhookCode,
        bodySha256: delivery.bodySha256,
        // The log holds verified deliveries only.
        verified: true,
        receivedAt: delivery.receivedAt,
        deliveryId: delivery.id,
        replayed: true,
      });
      emitted.push(delivery.id);
    } catch (err) {
      skip(delivery.id, 'failed', `${DETAIL.failed}: ${(err as Error).message}`);
      abandoned.push(delivery.id);
    }
  }
  summary.replayed = emitted.length;
  try {
    await store.deliveries.finishReplay(replayId, emitted);
    await store.deliveries.abandonReplay(replayId, abandoned);
  } catch (err) {
    summary.problem = `emitted, but the store could not record the replay: ${(err as Error).message}`;
  }
  return summary;
}
