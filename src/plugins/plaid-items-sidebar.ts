// The "Plaid Items" editor plugin, runtime side: the Admin API routes the sidebar reads (behind the
// `plaid-items.read` permission) and its writes (a rewrap, replays: behind `plaid-items.write`), and the comms notices
// that keep it live. The sidebar itself is plaid-items-sidebar.html beside this file.
//
// Node-RED's needsPermission grants `<anything>.read` to a user with `read` or `*.read`, `<anything>.write` to one
// with `write` or `*.write`, and everything to `*` (@node-red/editor-api auth/permissions.js): so its `read` and
// `write` users get these as they get flows.read and flows.write.
import type { NodeAPI } from 'node-red';
import { mountDeliveryRoutes } from './items-sidebar/delivery-routes';
import { publishItemChanges } from './items-sidebar/live-updates';
import { mountKeyRoutes } from './items-sidebar/key-routes';
import { mountCaseRoutes } from './items-sidebar/case-routes';
import { mountItemRoutes } from './items-sidebar/routes';
import { mountWriteRoutes, needsWritePermission, WRITE_PERMISSION } from './items-sidebar/write-routes';

export const PLUGIN_ID = 'plaid-items-sidebar';
export const PERMISSION = 'plaid-items.read';

/** One publisher per process: a runtime started again in the same process (tests, embedding) replaces it. */
let stopPublishing: (() => void) | undefined;

export default function (RED: NodeAPI): void {
  RED.plugins.registerPlugin(PLUGIN_ID, { type: PLUGIN_ID });
  const read = RED.auth.needsPermission(PERMISSION);
  const write = needsWritePermission((name) => RED.auth.needsPermission(name), WRITE_PERMISSION);
  mountItemRoutes(RED.httpAdmin, read);
  mountKeyRoutes(RED.httpAdmin, read, write);
  mountCaseRoutes(RED.httpAdmin, read);
  mountDeliveryRoutes(RED.httpAdmin, read);
  mountWriteRoutes(RED.httpAdmin, write);
  stopPublishing?.();
  stopPublishing = publishItemChanges((topic, notice) => RED.comms.publish(topic, notice, false));
}
