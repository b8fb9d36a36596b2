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

/**
 * A checkbox per choice (a status, a repair reason) in `box`, ids `idPrefix`-<choice>, ticked for those in `chosen`:
 * side by side, or one per line (`stacked`) for a list read down.
 */
function choiceCheckboxes(box: string, idPrefix: string, choices: readonly string[], chosen: readonly unknown[], stacked = false): void {
  const labelStyle = stacked ? 'display: block; width: auto; margin: 0 0 2px 0;' : 'display: inline-block; width: auto; margin-right: 12px;';
  const inputStyle = stacked ? 'width: auto; margin: 0 6px 0 0;' : 'width: auto; margin: 0 4px 0 0;';
  for (const choice of choices) {
    const id = `${idPrefix}-${choice}`;
    $('<label>', { for: id, style: labelStyle })
      .append($('<input>', { type: 'checkbox', id, value: choice, style: inputStyle }).prop('checked', chosen.indexOf(choice) !== -1))
      .append($('<code>').text(choice))
      .appendTo($(box));
  }
}

/** The choices ticked in `box`, in their order. */
function checkedChoices(box: string): string[] {
  return $(`${box} input:checked`).map(function () { return (this as HTMLInputElement).value; }).get();
}

/** A config node's credentials as the editor sees them: text fields in clear, password fields as has_<name>. */
type CredentialView = Record<string, unknown>;

/** The node of `id` as the editor holds it (the editor's types call it an object). */
function editorNode(id: string): EditorNodeState | null {
  return RED.nodes.node(id) as EditorNodeState | null;
}

/** Node-RED's own calls on a node take its node instances: what RED.nodes.node gives is one. */
type EditorNodeInstance = Parameters<typeof RED.utils.getNodeLabel>[0];
const asInstance = (node: EditorNodeState): EditorNodeInstance => node as unknown as EditorNodeInstance;

/**
 * Whether the config nodes of one type have the credentials they need, as far as the editor can tell. Node-RED
 * validates a node's `credentials: {required: true}` only inside its dialog, so a config node imported without its
 * credentials would deploy with no warning; this lets one of its settings' validators say what is missing. What the
 * editor knows: the credentials the dialog loaded or was given (node.credentials, until the next deploy); else what
 * the runtime answers to Node-RED's own GET credentials/<type>/<id> (as the dialog reads them), asked once per node;
 * when that answer comes, the node and its users are validated again, so the red triangles appear without a click.
 * `complete` says whether a view is enough for the node; while its own dialog is open the dialog marks its empty
 * credential fields itself, so the node counts as complete.
 */
function credentialCheck(complete: (credentials: CredentialView, node: EditorNodeState) => boolean) {
  const known = new Map<string, CredentialView | undefined>();
  let editing: string | undefined;

  function revalidate(id: string): void {
    const node = editorNode(id);
    if (!node) return;
    RED.editor.validateNode(asInstance(node));
    for (const user of node.users ?? []) RED.editor.validateNode(asInstance(user));
    RED.view.redraw(true);
    RED.sidebar.config.refresh();
  }

  /** false when the node lacks credentials; true when it has them or while that is not known yet. */
  function satisfied(node: EditorNodeState): boolean {
    if (node.id === editing) return true;
    if (node.credentials) known.set(node.id, node.credentials);
    else if (!known.has(node.id)) {
      known.set(node.id, undefined);
      $.ajax({ url: `credentials/${node.type}/${encodeURIComponent(node.id)}`, dataType: 'json', cache: false }).then(
        (credentials: CredentialView) => {
          known.set(node.id, credentials);
          revalidate(node.id);
        },
        // Not known (no permission, an older runtime): the node is not flagged.
        () => undefined,
      );
    }
    const view = known.get(node.id);
    return view === undefined || complete(view, node);
  }

  return {
    satisfied,
    /** Called as the node's dialog opens (its id) and closes (undefined). */
    editing(id: string | undefined): void {
      editing = id;
    },
  };
}

/**
 * A node's reference to a config node (`plaid`, `store`): set when `required`, to a config node that exists and is
 * valid. An invalid one's own reasons are given, so the node says why it cannot deploy as it is. (Node-RED's own
 * check of a config reference, skipped for a property with a validator, says only that the config is invalid.)
 * The texts are the config node type's: `<type>.errors.none`, `missing` and `unusable`.
 */
function validateConfigReference(type: string, value: unknown, opt: ValidatorOptions, required: boolean): boolean | string {
  const text = (key: string, data?: Record<string, string>): string => RED.nodes.getType(type)._(`${type}.errors.${key}`, data);
  if (!value || value === '_ADD_') return required ? (opt ? text('none') : false) : true;
  const config = typeof value === 'string' ? editorNode(value) : null;
  if (!config) return opt ? text('missing') : false;
  if (config.valid === undefined) RED.editor.validateNode(asInstance(config));
  if (config.valid !== false) return true;
  // The config's messages; a bare property name (a validator that gave no text) says nothing to a person.
  const reasons = (config.validationErrors ?? []).filter((reason): reason is string => typeof reason === 'string' && reason.includes(' '));
  return opt ? text('unusable', { name: RED.utils.getNodeLabel(asInstance(config), type), reasons: reasons.join('; ') || text('settings') }) : false;
}
