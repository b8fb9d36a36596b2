// The plaid-items-reconcile dialog: the rate's bounds, the statuses to check and the port labels. The build injects
// the statuses (ITEM_STATUSES), the default ones and the rate's bounds from src/plaid/reconcile/defaults.ts.

interface ItemsReconcileEditorConstants {
  statuses: readonly string[];
  defaultStatuses: readonly string[];
  maxCallsPerMinute: number;
}

function plaidItemsReconcileEditor(constants: ItemsReconcileEditorConstants) {
  const OUTPUTS = ['changed', 'done'];

  function validateCallsPerMinute(value: unknown): boolean {
    const rate = Number(value);
    return String(value).trim() !== '' && rate % 1 === 0 && rate >= 1 && rate <= constants.maxCallsPerMinute;
  }

  function outputLabel(node: EditorNode, index: number): string {
    return node._(`plaid-items-reconcile.outputs.${OUTPUTS[index]}`);
  }

  function prepare(node: EditorNode): void {
    migrateInEditor(node, 'plaid-items-reconcile', 'node-input');
    const chosen = Array.isArray(node.statuses) && node.statuses.length > 0 ? (node.statuses as unknown[]) : constants.defaultStatuses;
    choiceCheckboxes('#plaid-items-reconcile-statuses', 'plaid-items-reconcile-status', constants.statuses, chosen);
  }

  /** The statuses ticked; none ticked saves none, which the runtime reads as the default ones. */
  function save(node: EditorNode): void {
    node.statuses = checkedChoices('#plaid-items-reconcile-statuses');
  }

  return {
    validateCallsPerMinute,
    outputLabel,
    prepare,
    save,
    migrate: (node: EditorNode, steps?: import('../nodes/migrations').MigrationTable) => migrateInEditor(node, 'plaid-items-reconcile', 'node-input', steps),
  };
}
