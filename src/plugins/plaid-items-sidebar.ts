// The "Plaid Items" editor plugin, runtime side: the Admin API routes the sidebar reads (behind the
// `plaid-items.read` permission) and writes (replays, behind `plaid-items.write`), and the comms notices that keep
// it live. The sidebar itself is plaid-items-sidebar.html beside this file.
import type { NodeAPI } from 'node-red';
import { mountDeliveryRoutes } from './items-sidebar/delivery-routes';
import { publishItemChanges } from './items-sidebar/live-updates';
import { mountItemRoutes } from './items-sidebar/routes';
import { mountWriteRoutes, needsWritePermission, WRITE_PERMISSION } from './items-sidebar/write-routes';

export const PLUGIN_ID = 'plaid-items-sidebar';
export const PERMISSION = 'plaid-items.read';

/** One publisher per process: a runtime started again in the same process (tests, embedding) replaces it. */
let stopPublishing: (() => void) | undefined;

export default function (RED: NodeAPI): void {
  RED.plugins.registerPlugin(PLUGIN_ID, { type: PLUGIN_ID });
  mountItemRoutes(RED.httpAdmin, RED.auth.needsPermission(PERMISSION));
  mountDeliveryRoutes(RED.httpAdmin, RED.auth.needsPermission(PERMISSION));
  mountWriteRoutes(RED.httpAdmin, needsWritePermission((name) => RED.auth.needsPermission(name), WRITE_PERMISSION));
  stopPublishing?.();
  stopPublishing = publishItemChanges((topic, notice) => RED.comms.publish(topic, notice, false));
}
