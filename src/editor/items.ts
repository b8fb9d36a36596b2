// The plaid-items dialog: validation, label, the operation's rows and tip, and the list's status filter. The build
// injects the statuses, in their order, from src/plaid/store/record.ts (ITEM_STATUSES) and the operations from
// src/nodes/items/operations.ts (the template's <option>s are tested against them).

interface ItemsEditorConstants {
  /** ITEM_STATUSES, in their order: the filter offers exactly these. */
  statuses: readonly string[];
  /** ITEMS_OPERATIONS (src/nodes/items/operations.ts): the operations a node may select. */
  operations: readonly string[];
}

function plaidItemsEditor(constants: ItemsEditorConstants) {
  function validateOperation(value: unknown): boolean {
    return constants.operations.indexOf(value as string) !== -1;
  }

  function label(node: EditorNode): string {
    return (node.name as string) || node._(`plaid-items.operation.${(node.operation as string) || 'get'}`);
  }

  function prepare(node: EditorNode): void {
    migrateInEditor(node, 'plaid-items', 'node-input');
    // A checkbox per status, checked for those the node filters on.
    choiceCheckboxes('#plaid-items-statuses', 'plaid-items-status', constants.statuses, Array.isArray(node.statuses) ? (node.statuses as unknown[]) : []);
    $('#node-input-item_id').typedInput({ default: 'msg', typeField: '#node-input-item_idType', types: ['msg', 'flow', 'global', 'str', 'env'] });
    $('#node-input-operation').on('change', function () {
      const operation = inputText('#node-input-operation');
      $('#plaid-items-item-row').toggle(operation === 'get' || operation === 'delete');
      $('#plaid-items-statuses-row').toggle(operation === 'list');
      $('#plaid-items-tip').text(node._(`plaid-items.tip.${operation}`));
    }).trigger('change');
  }

  /** The filter is the statuses checked; none checked: every status. */
  function save(node: EditorNode): void {
    node.statuses = checkedChoices('#plaid-items-statuses');
  }

  return {
    /** A reference to a config node: set (when required), existing and valid, or why not (src/editor/shared.ts). */
    validateConfig: validateConfigReference,
    validateOperation,
    label,
    prepare,
    save,
    /** As prepare does first; `steps` lets a test try a future table. */
    migrate: (node: EditorNode, steps?: import('../nodes/migrations').MigrationTable) => migrateInEditor(node, 'plaid-items', 'node-input', steps),
  };
}
