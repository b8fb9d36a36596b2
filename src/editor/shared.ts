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

/** A config node's credentials as the editor sees them: text fields in clear, password fields as has_<name>. */
type CredentialView = Record<string, unknown>;

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
    const node = RED.nodes.node(id);
    if (!node) return;
    RED.editor.validateNode(node);
    for (const user of node.users ?? []) RED.editor.validateNode(user);
    RED.view.redraw(true);
    RED.sidebar.config.refresh();
  }

  /** false when the node lacks credentials; true when it has them or while that is not known yet. */
  function satisfied(node: EditorNodeState): boolean {
    if (node.id === editing) return true;
    if (node.credentials) known.set(node.id, node.credentials);
    else if (!known.has(node.id)) {
      known.set(node.id, undefined);
      $.ajax<CredentialView>({ url: `credentials/${node.type}/${encodeURIComponent(node.id)}`, dataType: 'json', cache: false }).then(
        (credentials) => {
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
  const config = RED.nodes.node(String(value));
  if (!config) return opt ? text('missing') : false;
  if (config.valid === undefined) RED.editor.validateNode(config);
  if (config.valid !== false) return true;
  // The config's messages; a bare property name (a validator that gave no text) says nothing to a person.
  const reasons = (config.validationErrors ?? []).filter((reason): reason is string => typeof reason === 'string' && reason.includes(' '));
  return opt ? text('unusable', { name: RED.utils.getNodeLabel(config, type), reasons: reasons.join('; ') || text('settings') }) : false;
}
