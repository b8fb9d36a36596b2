// Every running plaid-webhook-in node on an Item store, for the Admin API's replay (which node emits a delivery
// again) and for the log's pruning (whose entries belong to a node that no longer runs). A node adds itself when it
// starts; closing it takes it out again.
import type { EmittableDelivery } from '../../plaid/webhook/receiver';

export interface RunningReceiver {
  id: string;
  name: string;
  /** The plaid-item-store node its deliveries are recorded in. */
  storeId: string;
  /** 0: its log is off. */
  logRetentionDays: number;
  /** Emits a delivery from the event log again (DeliveryHandler.replay). */
  replay(delivery: EmittableDelivery): Promise<void>;
  /** Deliveries refused since it started (counted, never stored). */
  rejected(): number;
}

const running = new Map<string, RunningReceiver>();

/** Returns what takes it out again (only itself: after a redeploy its id may belong to its replacement). */
export function registerReceiver(receiver: RunningReceiver): () => void {
  running.set(receiver.id, receiver);
  return () => {
    if (running.get(receiver.id) === receiver) running.delete(receiver.id);
  };
}

export function runningReceiver(id: string): RunningReceiver | undefined {
  return running.get(id);
}

export function receiversOn(storeId: string): RunningReceiver[] {
  return [...running.values()].filter((receiver) => receiver.storeId === storeId);
}
