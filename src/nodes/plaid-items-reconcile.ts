// plaid-items-reconcile: a message in starts one sweep of an Item store (src/plaid/reconcile/sweep.ts); output 1
// gets each status change as the webhook it stands in for, output 2 the sweep's summary.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { callsPerMinuteOf, DEFAULT_CALLS_PER_MINUTE, DEFAULT_RECONCILE_STATUSES, MAX_CALLS_PER_MINUTE } from '../plaid/reconcile/defaults';
import { runSweep, SweepStopped, type SweepSummary } from '../plaid/reconcile/sweep';
import { channels } from '../plaid/channels';
import { ItemStoreError } from '../plaid/store/errors';
import { isItemStatus, type ItemStatus } from '../plaid/store/record';
import { SweepRing } from './items-reconcile/status';
import { migrate } from './migrations';
import type { PlaidConfigNode, PlaidItemStoreNode } from './types';

interface ReconcileDef extends NodeDef {
  plaid: string;
  store: string;
  callsPerMinute?: string | number;
  /** The statuses whose Items are checked; absent or empty: DEFAULT_RECONCILE_STATUSES. */
  statuses?: unknown;
  linkSessions?: boolean;
}

/**
 * Node-RED settings (settings.js) for tests and emulators with a scaled clock: the window the rate counts in and
 * the lease of a sweep's claim. Production leaves them unset (a minute each).
 */
interface ReconcileSettings {
  plaidReconcile?: { windowMs?: number; leaseMs?: number };
}

interface ReconcileMessage extends NodeMessageInFlow {
  item_id?: unknown;
}

function statusesOf(value: unknown): ItemStatus[] {
  const chosen = Array.isArray(value) ? value.filter(isItemStatus) : [];
  return chosen.length > 0 ? chosen : [...DEFAULT_RECONCILE_STATUSES];
}

export = function (RED: NodeAPI): void {
  const text = (key: string, values?: Record<string, string>): string => RED._(`plaid-items-reconcile.${key}`, values);
  const tuning = (RED.settings as unknown as ReconcileSettings).plaidReconcile ?? {};

  function PlaidItemsReconcile(this: Node, saved: ReconcileDef): void {
    const def = migrate('plaid-items-reconcile', saved); // older settings brought up to date (src/nodes/migrations.ts)
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(def.plaid) as PlaidConfigNode | null;
    const storeNode = RED.nodes.getNode(def.store) as PlaidItemStoreNode | null;
    const callsPerMinute = callsPerMinuteOf(def.callsPerMinute ?? DEFAULT_CALLS_PER_MINUTE);
    const statuses = statusesOf(def.statuses);
    const linkSessions = def.linkSessions !== false;
    const ring = new SweepRing(node, text);
    const closing = new AbortController();
    const running = new Set<Promise<void>>();

    const problem = (): string | undefined => {
      if (!config) return text('errors.noConfig');
      if (!config.client) return text('errors.config', { problem: config.problem ?? '' });
      if (!storeNode) return text('errors.noStore');
      if (callsPerMinute === undefined) return text('errors.callsPerMinute', { max: MAX_CALLS_PER_MINUTE.toLocaleString('en-US') });
      return undefined;
    };

    node.on('input', (msg: ReconcileMessage, send, done) => {
      const refused = problem();
      const itemId = msg.item_id;
      if (refused || (itemId !== undefined && (typeof itemId !== 'string' || itemId === ''))) {
        ring.failed(undefined);
        done(new Error(refused ?? text('errors.itemId')));
        return;
      }
      const storeId = (storeNode as PlaidItemStoreNode).id;
      // A sweep of the whole store that ran is one the exporter counts (src/plaid/channels.ts); one of a single
      // Item, or one that found another instance's sweep running, is not.
      const ended = (completed: boolean, counts: SweepSummary | undefined): void => {
        if (itemId !== undefined) return;
        channels.reconcileSweepEnded.publish({ store: storeId, completed, checked: counts?.checked ?? 0, changed: counts?.changed ?? 0, rateLimited: counts?.rate_limited ?? 0 });
      };
      const sweep = (storeNode as PlaidItemStoreNode).usableStore().then((store) => runSweep({
        store,
        client: (config as PlaidConfigNode).client as NonNullable<PlaidConfigNode['client']>,
        callsPerMinute: callsPerMinute as number,
        statuses,
        linkSessions,
        itemId,
        environment: (config as PlaidConfigNode).environment,
        windowMs: tuning.windowMs,
        leaseMs: tuning.leaseMs,
        signal: closing.signal,
        onProgress: (doneCount, total, pausedUntil) => ring.progress(doneCount, total, pausedUntil),
        onChange: (change) => send([{ topic: change.topic, payload: change.payload, plaid: change.plaid }, null]),
        onItemFailed: (failedId, reason) => node.warn(text('errors.itemFailed', { item_id: failedId, reason })),
      })).then(
        (result) => {
          if (result.alreadyRunning) {
            ring.alreadyRunning();
          } else {
            ring.summary(result.summary);
            ended(true, result.summary);
          }
          msg.payload = result.alreadyRunning ? { already_running: true, ...result.summary } : result.summary;
          send([null, msg]);
          done();
        },
        (err: Error) => {
          ended(false, err instanceof SweepStopped ? err.summary : undefined);
          ring.failed(err instanceof SweepStopped || err instanceof ItemStoreError ? err.code : undefined);
          if (err instanceof SweepStopped) {
            err.message = text('errors.stopped', { reason: err.reason.message, done: String(err.done), total: String(err.total) });
          }
          done(err);
        },
      );
      const tracked = sweep.finally(() => running.delete(tracked));
      running.add(tracked);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      // A sweep under way starts no more calls, records those already made, releases its claim and ends.
      closing.abort(new Error(text('errors.closed')));
      void Promise.all(running).finally(() => {
        ring.clear();
        done();
      });
    });
  }

  RED.nodes.registerType('plaid-items-reconcile', PlaidItemsReconcile);
};
