// The "Plaid Items" editor plugin, runtime side: the Admin API routes the sidebar reads (behind the
// `plaid-items.read` permission) and the comms notices that keep it live. The sidebar itself is
// plaid-items-sidebar.html beside this file.
import type { NodeAPI } from 'node-red';
import { publishItemChanges } from './items-sidebar/live-updates';
import { mountCaseRoutes } from './items-sidebar/case-routes';
import { mountItemRoutes } from './items-sidebar/routes';

export const PLUGIN_ID = 'plaid-items-sidebar';
export const PERMISSION = 'plaid-items.read';

/** One publisher per process: a runtime started again in the same process (tests, embedding) replaces it. */
let stopPublishing: (() => void) | undefined;

export default function (RED: NodeAPI): void {
  RED.plugins.registerPlugin(PLUGIN_ID, { type: PLUGIN_ID });
  mountItemRoutes(RED.httpAdmin, RED.auth.needsPermission(PERMISSION));
  mountCaseRoutes(RED.httpAdmin, RED.auth.needsPermission(PERMISSION));
  stopPublishing?.();
  stopPublishing = publishItemChanges((topic, notice) => RED.comms.publish(topic, notice, false));
}
