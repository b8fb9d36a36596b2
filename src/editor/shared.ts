// Helpers every node set's browser code may use. scripts/build-editor.js inlines this file ahead of each node set's
// own file, inside one function scope per <script> block, so nothing here becomes a global of the editor.

/** A Plaid access token as Plaid issues them: access-<environment>-<uuid>. */
const ACCESS_TOKEN_PATTERN = /^\s*access-[a-z]+-[0-9a-f-]{8,}/i;

/**
 * Whether a typedInput value is a literal access token: a `str` value that looks like one. Such a value is saved in
 * the flow, so an export (or a copy to the clipboard) carries it; the token belongs in context or the Item store.
 */
function isLiteralAccessToken(type: string | undefined, value: string | undefined): boolean {
  return type === 'str' && ACCESS_TOKEN_PATTERN.test(value ?? '');
}

/** A setting as an input shows it: text as it is, a number or boolean as written, an object or array as JSON. */
function settingText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/** The value of the dialog's input `selector` as text ('' when the dialog has no such input). */
function inputText(selector: string): string {
  return settingText($(selector).val());
}

/** A config node as the editor holds it, or null (the package's types call every node an object). */
function configNode(id: string): { environment?: string } | null {
  return RED.nodes.node(id);
}

/** Shows `row` while the typedInput `input` (with its hidden `typeField`) holds a literal access token. */
function warnOnLiteralAccessToken(input: string, typeField: string, row: string): void {
  const show = (): void => {
    $(row).toggle(isLiteralAccessToken(inputText(typeField), inputText(input)));
  };
  $(input).on('change keyup', show);
  show();
}

/** Calls `handler` with `input`'s value once typing has paused for `delayMs` (a search box: one read per pause). */
function onTypingPause(input: HTMLInputElement, delayMs: number, handler: (value: string) => void): void {
  let typing: number | undefined;
  input.addEventListener('input', () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => handler(input.value), delayMs);
  });
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
    else input.val(settingText(value));
  }
  const moves = migrations.outputMoves(type, from, steps);
  if (moves) {
    // The editor's links; the package's types call them objects.
    const links = RED.nodes.filterLinks({ source: node }) as Array<{ sourcePort: number }>;
    for (const link of links) link.sourcePort = moves[link.sourcePort] ?? link.sourcePort;
  }
}

/** A checkbox per status in `box` (ids `idPrefix`-<status>), ticked for those in `chosen`. */
function statusCheckboxes(box: string, idPrefix: string, statuses: readonly string[], chosen: readonly unknown[]): void {
  for (const status of statuses) {
    const id = `${idPrefix}-${status}`;
    $('<label>', { for: id, style: 'display: inline-block; width: auto; margin-right: 12px;' })
      .append($('<input>', { type: 'checkbox', id, value: status, style: 'width: auto; margin: 0 4px 0 0;' }).prop('checked', chosen.indexOf(status) !== -1))
      .append($('<code>').text(status))
      .appendTo($(box));
  }
}

/** The statuses ticked in `box`, in their order. */
function checkedStatuses(box: string): string[] {
  return $(`${box} input:checked`).map(function () { return (this as HTMLInputElement).value; }).get();
}
