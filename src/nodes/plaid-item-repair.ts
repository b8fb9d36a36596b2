// plaid-item-repair: repair cases for the Items of a store, kept in the store (src/plaid/repair/). The constructor
// reads the settings and wires the input, the due-time scheduler and the close to a RepairDesk; this file only hands
// its deliveries to the flow and says whether the flow got them.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { DueScheduler } from '../plaid/repair/due-scheduler';
import { outputIndex, REPAIR_OUTPUTS } from '../plaid/repair/outputs';
import { RepairDesk, type RepairDelivery } from '../plaid/repair/repair-desk';
import { readRepairSettings, type RepairNodeSettings, type RepairSettings } from '../plaid/repair/settings';
import type { PlaidClient } from '../plaid/client';
import { ItemStoreError } from '../plaid/store/errors';
import type { RepairCase } from '../plaid/store/repair-case';
import { PlaidRequestError } from '../plaid/errors';
import { handedOff, wiredTargets } from './hand-off';
import { migrate } from './migrations';
import type { PlaidConfigNode, PlaidItemStoreNode } from './types';

interface RepairDef extends NodeDef, RepairNodeSettings {
  plaid: string;
  store: string;
}

type RepairMessage = NodeMessageInFlow & { repair?: unknown; plaid?: Record<string, unknown> };
type Send = (msg: Array<NodeMessage | null>) => void;

export = function (RED: NodeAPI): void {
  const text = (key: string, data?: Record<string, string | number>): string => RED._(`plaid-item-repair.${key}`, data);

  function PlaidItemRepair(this: Node, saved: RepairDef): void {
    const def = migrate('plaid-item-repair', saved); // older settings brought up to date (src/nodes/migrations.ts)
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(def.plaid) as PlaidConfigNode | null;
    const storeNode = RED.nodes.getNode(def.store) as PlaidItemStoreNode | null;
    let closed = false;

    // The node's settings and config are read once; a node that cannot work says why, and so does each message.
    let problem: Error | undefined;
    let settings: RepairSettings | undefined;
    try {
      settings = readRepairSettings(def);
      if (!config) throw new Error(text('errors.noConfig'));
      if (!config.client) throw new Error(text('errors.configUnusable', { problem: config.problem ?? '' }));
      if (!storeNode) throw new Error(text('errors.noStore'));
    } catch (err) {
      problem = err as Error;
      node.error(text('errors.notReady', { problem: problem.message }));
      node.status({ fill: 'red', shape: 'ring', text: text('status.invalid') });
    }

    // The desk once the store is usable; a store that is not yet (PostgreSQL down at start) is asked again next time.
    let desk: Promise<RepairDesk> | undefined;
    function currentDesk(): Promise<RepairDesk> {
      if (problem) return Promise.reject(problem);
      desk ??= (storeNode as PlaidItemStoreNode).usableStore().then(
        (store) => new RepairDesk({ store, client: (config as PlaidConfigNode).client as PlaidClient, owner: node.id, environment: config?.environment, ...(settings as RepairSettings) }),
        (err: Error) => {
          desk = undefined;
          throw err;
        },
      );
      return desk;
    }

    /** Sends the delivery out of its output on `msg`, then tells the desk whether the flow got it. */
    async function deliver(send: Send, delivery: RepairDelivery, msg: RepairMessage): Promise<void> {
      if (closed) {
        await delivery.undelivered();
        return;
      }
      const output = outputIndex(delivery.output);
      msg.repair = delivery.repair;
      msg.plaid = { ...(msg.plaid ?? {}), item_id: delivery.repair.item_id, item: delivery.item };
      const outputs: Array<NodeMessage | null> = REPAIR_OUTPUTS.map(() => null);
      outputs[output] = msg;
      const targets = wiredTargets(node, output, (id) => RED.nodes.getNode(id));
      send(outputs);
      const reached = await handedOff(targets, (id) => RED.nodes.getNode(id));
      try {
        await (reached ? delivery.delivered() : delivery.undelivered());
      } catch (err) {
        // The message is out: it is not failed as well. Unrecorded, a notice or reminder may be sent again.
        failed(err as Error);
        node.warn(text('errors.record', { item_id: delivery.repair.item_id, problem: (err as Error).message }));
        return;
      }
      if (reached) node.status({ fill: delivery.output === 'closed' ? 'grey' : 'green', shape: 'dot', text: statusText(delivery) });
    }

    function statusText(delivery: RepairDelivery): string {
      const { repair } = delivery;
      if ('closed_by' in repair) return text(`status.closedBy.${repair.closed_by}`);
      return repair.reminder === 0 ? text('status.notified') : text('status.reminded', { reminder: repair.reminder });
    }

    function failed(err: Error): void {
      const code = err instanceof PlaidRequestError || err instanceof ItemStoreError ? err.code : text('status.error');
      node.status({ fill: 'red', shape: 'ring', text: code });
    }

    /** A due step's message: no message came in, so one is made (its payload is the Item's record). */
    const scheduledMessage = (delivery: RepairDelivery): RepairMessage =>
      ({ topic: delivery.repair.item_id, payload: delivery.item, plaid: {} }) as unknown as RepairMessage;

    let lastScanProblem: string | undefined;
    const scheduler = new DueScheduler({
      run: async () => {
        const current = await currentDesk();
        lastScanProblem = undefined;
        await current.runDue(
          (delivery) => deliver((outputs) => node.send(outputs), delivery, scheduledMessage(delivery)),
          (err, repairCase: RepairCase) => {
            failed(err);
            // To Catch nodes, with the case's Item: a step that failed is tried again later by itself.
            node.error(err, { topic: repairCase.item_id, payload: null, repair: { item_id: repairCase.item_id, reason: repairCase.reason } });
          },
        );
      },
      nextDue: async () => (await currentDesk()).nextDue(),
      onError: (err) => {
        failed(err);
        // Said once, not at every look while the store stays down.
        if (err.message !== lastScanProblem) node.warn(text('errors.scan', { problem: err.message }));
        lastScanProblem = err.message;
      },
    });
    if (!problem) {
      scheduler.start();
      node.status({ fill: 'green', shape: 'ring', text: text('status.ready') });
    }

    node.on('input', (msg: RepairMessage, send: Send, done: (err?: Error) => void) => {
      currentDesk()
        .then((d) => d.handle(msg))
        .then(async (delivery) => {
          if (delivery) {
            await deliver(send, delivery, msg);
            // A case opened here: its next step may come before the scheduler's next look.
            scheduler.poke();
          }
          done();
        })
        .catch((err: Error) => {
          failed(err);
          done(err);
        });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      void scheduler.stop().finally(() => {
        node.status({});
        done();
      });
    });
  }

  RED.nodes.registerType('plaid-item-repair', PlaidItemRepair);
};
