// Globals of Node-RED's editor page, used inside Playwright's page.evaluate callbacks (they run in the browser).
// Node-RED publishes no typings for its editor API, so they are declared loosely here.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const RED: any;
declare const $: any;
interface Window {
  RED: any;
  PlaidEndpointsEditor: unknown;
  /** Set by the sidebar test: gone after a page reload. */
  plaidNoReload?: boolean;
  /** Set by the key rotation test: every value the rewrap's progress bar took. */
  plaidProgress?: string[];
  /** Set by the demo tab test: the zoom it read last, to see when an animated zoom has stopped. */
  plaidLastScale?: number;
}
