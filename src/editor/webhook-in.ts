// The plaid-webhook-in dialog and port labels. The build injects the routed (type, code) pairs in output order from
// src/plaid/webhook/routing.ts (ROUTED_WEBHOOKS); the last output, "other", follows them.

interface WebhookInEditorConstants {
  routed: ReadonlyArray<readonly [type: string, code: string]>;
}

function plaidWebhookInEditor(constants: WebhookInEditorConstants) {
  const outputCount = constants.routed.length + 1;

  /** A routed output is labelled by Plaid's own names; the last one, "other", from the locale. */
  function outputLabel(node: EditorNode, index: number): string {
    const pair = constants.routed[index];
    return pair ? `${pair[0]} ${pair[1]}` : node._('plaid-webhook-in.outputs.other');
  }

  function prepareStores(node: EditorNode): void {
    const stores = RED.settings.context?.stores ?? [];
    const selected = (node.dedupeStore as string | undefined) || '';
    const select = $('#node-input-dedupeStore');
    select.append($('<option>').val('').text(node._('plaid-webhook-in.label.defaultStore')));
    for (const store of stores) select.append($('<option>').val(store).text(store));
    if (selected && stores.indexOf(selected) === -1) select.append($('<option>').val(selected).text(selected));
    select.val(selected);
  }

  function showRoute(node: EditorNode): void {
    const root = RED.settings.httpNodeRoot;
    if (root === false) {
      $('#plaid-webhook-in-route').text(node._('plaid-webhook-in.tip.noRoutes'));
      return;
    }
    let path = inputText('#node-input-url').trim();
    if (path && path.charAt(0) !== '/') path = `/${path}`;
    $('#plaid-webhook-in-route').text(`${node._('plaid-webhook-in.tip.route')}: https://<host>${(root || '/').replace(/\/$/, '')}${path}`);
  }

  function showVerifyWarning(node: EditorNode): void {
    const verify = $('#node-input-verify').is(':checked');
    const config = configNode(inputText('#node-input-plaid'));
    const production = !!config && config.environment === 'production';
    $('#plaid-webhook-in-verify-warning-row').toggle(!verify);
    $('#plaid-webhook-in-verify-warning')
      .toggleClass('plaid-webhook-in-danger', production)
      .text(node._(production ? 'plaid-webhook-in.tip.verifyOffProduction' : 'plaid-webhook-in.tip.verifyOff'));
  }

  function prepare(node: EditorNode): void {
    migrateInEditor(node, 'plaid-webhook-in', 'node-input');
    // Saved before the event log existed: it has none, as the runtime reads it.
    if (node.logRetentionDays === undefined) $('#node-input-logRetentionDays').val('0');
    prepareStores(node);
    $('#node-input-url').on('change keyup', () => showRoute(node));
    $('#node-input-verify, #node-input-plaid').on('change', () => showVerifyWarning(node));
    // With an Item store the seen-set is the store's (the context store choice only matters without one), and the
    // store keeps the event log.
    const showStores = (): void => {
      const itemStore = inputText('#node-input-store');
      const withItemStore = !!itemStore && itemStore !== '_ADD_';
      $('#plaid-webhook-in-item-store-tip').toggle(withItemStore);
      $('#plaid-webhook-in-log-row').toggle(withItemStore);
      $('#plaid-webhook-in-store-row').toggle($('#node-input-dedupe').is(':checked') && !withItemStore);
    };
    $('#node-input-dedupe, #node-input-store').on('change', showStores);
    showStores();
    showRoute(node);
    showVerifyWarning(node);
  }

  return {
    outputCount,
    outputLabel,
    prepare,
    /** As prepare does first; `steps` lets a test try a future table. */
    migrate: (node: EditorNode, steps?: import('../nodes/migrations').MigrationTable) => migrateInEditor(node, 'plaid-webhook-in', 'node-input', steps),
  };
}
