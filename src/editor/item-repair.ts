// The plaid-item-repair dialog: the reasons as checkboxes, the reminders and the link settings checked as the runtime
// reads them. The build injects the reasons (REPAIR_REASONS, DEFAULT_REASONS) and the outputs (REPAIR_OUTPUTS), and
// inlines src/plaid/repair/schedule.ts as `repairSchedule`, so the dialog accepts exactly the reminders the node does.

interface ItemRepairEditorConstants {
  /** REPAIR_REASONS, in their order: the dialog offers exactly these. */
  reasons: readonly string[];
  /** DEFAULT_REASONS: what a new node opens cases for. */
  defaultReasons: readonly string[];
  /** REPAIR_OUTPUTS, in their order: the port labels. */
  outputs: readonly string[];
  /** DEFAULT_REMINDERS. */
  defaultReminders: string;
}

function plaidItemRepairEditor(constants: ItemRepairEditorConstants) {
  const TYPE = 'plaid-item-repair';
  const translate = (key: string): string => RED.nodes.getType(TYPE)._(`${TYPE}.${key}`);

  /** The reminders as the runtime reads them (src/plaid/repair/schedule.ts); the error in the dialog's tooltip. */
  function validateReminders(value: unknown, opt?: ValidatorOptions): boolean | string {
    try {
      repairSchedule.parseReminders(value);
      return true;
    } catch (err) {
      return opt ? (err as Error).message : false;
    }
  }

  /** Empty (Plaid's default) or a whole number of seconds from 1 to 21 days. */
  function validateLifetime(value: unknown): boolean {
    const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
    return text === '' || (/^[1-9][0-9]*$/.test(text) && Number(text) <= 21 * 24 * 60 * 60);
  }

  function validateReasons(value: unknown): boolean {
    return Array.isArray(value) && value.every((reason) => constants.reasons.indexOf(reason as string) !== -1);
  }

  function label(node: EditorNode): string {
    return (node.name as string) || translate('nodeLabel');
  }

  function outputLabel(index: number): string {
    return translate(`outputs.${constants.outputs[index]}`);
  }

  /** A checkbox per reason, checked for those the node opens cases for. */
  function prepare(node: EditorNode): void {
    migrateInEditor(node, TYPE, 'node-input');
    const chosen = Array.isArray(node.reasons) ? (node.reasons as unknown[]) : constants.defaultReasons;
    choiceCheckboxes('#plaid-item-repair-reasons', 'plaid-item-repair-reason', constants.reasons, chosen, true);
  }

  function save(node: EditorNode): void {
    node.reasons = checkedChoices('#plaid-item-repair-reasons');
  }

  return {
    defaultReasons: constants.defaultReasons.slice(),
    defaultReminders: constants.defaultReminders,
    validateReminders,
    validateLifetime,
    validateReasons,
    label,
    outputLabel,
    prepare,
    save,
  };
}
