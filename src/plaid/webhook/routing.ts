// Which output a webhook leaves by. Routing is on the (webhook_type, webhook_code) pair: ERROR exists under ITEM and
// ASSETS, and an ASSETS ERROR is not an Item error. Anything not listed, unknown pairs included, goes to "other":
// Plaid adds codes (and once sent UPDATE_ACKNOWLEDGED for a week), and none may vanish.

/**
 * The node's outputs in order, then "other"; the editor's output count, port labels and help ports are built from
 * this list. Deployed flows are wired by output index, so new pairs are APPENDED, never inserted or reordered
 * (test/editor/webhook-in-editor.test.js pins the released order). A new pair also needs a step in
 * src/nodes/migrations.ts that moves the wires of "other", and a row in the README's table of outputs.
 */
export const ROUTED_WEBHOOKS: ReadonlyArray<readonly [type: string, code: string]> = [
  ['ITEM', 'ERROR'],
  ['ITEM', 'LOGIN_REPAIRED'],
  ['ITEM', 'NEW_ACCOUNTS_AVAILABLE'],
  ['ITEM', 'PENDING_EXPIRATION'],
  ['ITEM', 'PENDING_DISCONNECT'],
  ['ITEM', 'USER_PERMISSION_REVOKED'],
  ['ITEM', 'USER_ACCOUNT_REVOKED'],
  ['ITEM', 'WEBHOOK_UPDATE_ACKNOWLEDGED'],
  ['LINK', 'SESSION_FINISHED'],
];

export const OTHER_OUTPUT = ROUTED_WEBHOOKS.length;
export const OUTPUT_COUNT = ROUTED_WEBHOOKS.length + 1;

const outputByPair = new Map(ROUTED_WEBHOOKS.map(([type, code], index) => [`${type}/${code}`, index]));

/** Zero-based output index for a webhook. Plaid's names are upper case; a differently cased pair is "other". */
export function outputFor(webhookType: string, webhookCode: string): number {
  return outputByPair.get(`${webhookType}/${webhookCode}`) ?? OTHER_OUTPUT;
}
