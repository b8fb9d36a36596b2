// Helpers every node set's browser code may use. scripts/build-editor.js inlines this file ahead of each node set's
// own file, inside one function scope per <script> block, so nothing here becomes a global of the editor.

/** What Node-RED puts in a dialog's password field for a credential it keeps (the value itself never comes back). */
const KEPT_CREDENTIAL = '__PWRD__';

/** A Plaid access token as Plaid issues them: access-<environment>-<uuid>. */
const ACCESS_TOKEN_PATTERN = /^\s*access-[a-z]+-[0-9a-f-]{8,}/i;

/**
 * Whether a typedInput value is a literal access token: a `str` value that looks like one. Such a value is saved in
 * the flow, so an export (or a copy to the clipboard) carries it; the token belongs in context or the Item store.
 */
function isLiteralAccessToken(type: string | undefined, value: string | undefined): boolean {
  return type === 'str' && ACCESS_TOKEN_PATTERN.test(value ?? '');
}

/** Shows `row` while the typedInput `input` (with its hidden `typeField`) holds a literal access token. */
function warnOnLiteralAccessToken(input: string, typeField: string, row: string): void {
  const show = (): void => {
    $(row).toggle(isLiteralAccessToken($(typeField).val(), $(input).val()));
  };
  $(input).on('change keyup', show);
  show();
}

/**
 * Brings a node saved at an older settings version up to the current one, as its runtime constructor does: the
 * changed properties go into the open dialog's inputs (`prefix`-<name>), and the wires of outputs a step moved are
 * moved with them. Called first thing in oneditprepare.
 */
function migrateInEditor(node: EditorNode, type: string, prefix: string, steps = migrations.STEPS): void {
  const from = migrations.settingsVersionOf(node);
  const migrated: Record<string, unknown> = { ...migrations.migrate(type, node, steps) };
  for (const key of Object.keys(migrated)) {
    const value = migrated[key];
    if (key === 'wires' || value === node[key]) continue;
    node[key] = value;
    const input = $(`#${prefix}-${key}`);
    if (typeof value === 'boolean') input.prop('checked', value);
    else input.val(value === undefined || value === null ? '' : String(value));
  }
  const moves = migrations.outputMoves(type, from, steps);
  if (moves) {
    for (const link of RED.nodes.filterLinks({ source: node })) link.sourcePort = moves[link.sourcePort] ?? link.sourcePort;
  }
}
