// The behaviour every endpoint node's dialog shares (typedInputs, validation, labels). The build injects the
// endpoint table reduced to what the editor needs (src/plaid/endpoints.ts), keyed by node type.

type FieldProblem =
  | 'required' | 'json' | 'expression' | 'enum' | 'url' | 'needsJson' | 'stringArray' | 'object' | 'urlOrNull' | 'string'
  | 'boolean' | 'section' | 'integer';

const BASE_TYPES: TypedInputType[] = ['str', 'msg', 'flow', 'global', 'env', 'json'];
const EXPRESSION_TYPES: Record<string, boolean> = { msg: true, flow: true, global: true };

function plaidEndpointsEditor(table: EditorEndpointTable) {
  function field(type: string, name: string): EditorField {
    const mode = table[type].mode;
    const found = table[type].fields.find((f) => f.name === name) ?? storeField(type, name) ?? (mode?.name === name ? mode : undefined);
    if (!found) throw new Error(`plaid: ${type} has no field ${name}`);
    return found;
  }

  function storeField(type: string, name: string): EditorField | undefined {
    return table[type].storeFields.find((f) => f.name === name);
  }

  /** Whether an Item store is selected: the dialog's select while it is open (`_ADD_` is its "none"), else the node's. */
  function storeSelected(node: EditorNode): boolean {
    const input = $('#node-input-store');
    const value = input.length ? inputText('#node-input-store') : (node.store as string | undefined);
    return !!value && value !== '_ADD_';
  }

  /** A text from the locale file, through the node type's own translator (it knows the package's namespace). */
  function text(type: string, key: string, data?: Record<string, string>): string {
    return RED.nodes.getType(type)._(`plaid-endpoints.${key}`, data);
  }

  /** The field's typedInput type: the dialog's while it is open, else the node's. */
  function typeOf(node: EditorNode, spec: EditorField): string {
    return inputText(`#node-input-${spec.name}Type`) || (node[`${spec.name}Type`] as string | undefined) || spec.default.type;
  }

  /** Why a JSON value does not fit the field, or undefined. */
  function shapeProblem(spec: EditorField, value: unknown): FieldProblem | undefined {
    switch (spec.kind) {
      case 'string-array':
        return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : 'stringArray';
      case 'object':
        return value !== null && typeof value === 'object' && !Array.isArray(value) ? undefined : 'object';
      case 'nullable-url':
        return value === null || typeof value === 'string' ? undefined : 'urlOrNull';
      case 'boolean':
        return typeof value === 'boolean' ? undefined : 'boolean';
      case 'section':
        return typeof value === 'boolean' || (value !== null && typeof value === 'object' && !Array.isArray(value)) ? undefined : 'section';
      case 'integer':
        return Number.isInteger(value) ? undefined : 'integer';
      default:
        return typeof value === 'string' ? undefined : 'string';
    }
  }

  /** true, or the message key of what is wrong with `raw` as a `type` for this field. */
  function problem(spec: EditorField, raw: unknown, type: string): true | FieldProblem {
    const value = settingText(raw);
    if (/^\$\{[^}]+\}$/.test(value)) return true; // ${ENV_VAR}, resolved by the runtime
    if (type === 'json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return 'json';
      }
      return shapeProblem(spec, parsed) || true;
    }
    if (value === '') return spec.required ? 'required' : true;
    if (EXPRESSION_TYPES[type]) {
      const key = value.replace(/^#:\([^)]*\)::/, ''); // flow/global: a context store prefix
      return RED.utils.validatePropertyExpression(key) === true ? true : 'expression';
    }
    if (type === 'enum') return (spec.values ?? []).indexOf(value) === -1 ? 'enum' : true;
    if (type === 'num' && spec.kind === 'integer') return /^-?\d+$/.test(value.trim()) ? true : 'integer';
    // A path (/plaid/webhook) is sent with the config node's webhook base URL in front.
    if (type === 'str' && spec.kind === 'nullable-url' && !/^(https?:\/\/\S+|\/(?!\/)\S*)$/.test(value)) return 'url';
    if (type === 'str' && (spec.kind === 'string-array' || spec.kind === 'object')) return 'needsJson';
    return true;
  }

  function validator(type: string, name: string) {
    return function (this: EditorNode, value: unknown, opt: ValidatorOptions): boolean | string {
      // With a store the token comes from it; without one the store's settings are not read.
      if (storeSelected(this) ? name === 'access_token' : storeField(type, name)) return true;
      const spec = field(type, name);
      const result = problem(spec, value, typeOf(this, spec));
      if (result === true) return true;
      return opt ? `${name}: ${text(type, `errors.${result}`, { values: (spec.values ?? []).join(', ') })}` : false;
    };
  }

  function paletteLabel(def: Partial<EditorNodeDefinition>, type: string): string {
    const key = `plaid-endpoints.paletteLabel.${type}`;
    const label = def._ ? def._(key) : key;
    return label && label !== key ? label : table[type].label.replace(/^sandbox\//, '').replace(/[/_]/g, ' ');
  }

  /** A typedInput's value as the dialog holds it now. */
  function current(name: string): { value: string; type: string } {
    return { value: inputText(`#node-input-${name}`), type: inputText(`#node-input-${name}Type`) };
  }

  /**
   * Shows a field's row only where it is sent: in its mode (a mode read from msg could be either: shown), and in a
   * section that is on (a section read from msg could be: shown).
   */
  function showModeAndSectionRows(endpoint: EditorEndpoint): void {
    const mode = endpoint.mode ? current(endpoint.mode.name) : undefined;
    for (const spec of [...endpoint.fields, ...endpoint.storeFields]) {
      const inMode = !spec.mode || !mode || mode.type !== 'enum' || mode.value === spec.mode;
      const section = spec.in ? endpoint.fields.find((f) => f.name === spec.in && f.kind === 'section') : undefined;
      const sectionOn = !section || current(section.name).type !== 'bool' || current(section.name).value === 'true';
      $(`#plaid-endpoints-row-${spec.name}`).toggle(inMode && sectionOn);
    }
  }

  function prepare(node: EditorNode, type: string): void {
    migrateInEditor(node, type, 'node-input');
    const endpoint = table[type];
    for (const spec of [...(endpoint.mode ? [endpoint.mode] : []), ...endpoint.fields, ...endpoint.storeFields]) {
      // A node saved before the setting existed opens with the setting's default (as the runtime reads it).
      if (node[spec.name] === undefined && !$(`#node-input-${spec.name}`).val()) {
        $(`#node-input-${spec.name}`).val(spec.default.value);
        $(`#node-input-${spec.name}Type`).val(spec.default.type);
      }
      const types = BASE_TYPES.slice();
      // Plaid wants true/false and whole numbers there: the typedInput offers them as such.
      if (spec.kind === 'boolean' || spec.kind === 'section') types.unshift('bool');
      if (spec.kind === 'integer') types.unshift('num');
      if (spec.kind === 'enum') {
        types.unshift({ value: 'enum', label: text(type, 'typedInput.enum'), icon: 'fa fa-list', options: spec.values ? [...spec.values] : undefined });
      }
      $(`#node-input-${spec.name}`).typedInput({
        default: spec.default.type,
        types,
        typeField: `#node-input-${spec.name}Type`,
      });
      if (spec.name === 'access_token') {
        warnOnLiteralAccessToken('#node-input-access_token', '#node-input-access_tokenType', '#plaid-endpoints-literal-token');
      }
    }
    if (endpoint.mode || endpoint.fields.some((f) => f.kind === 'section')) {
      const watched = [...(endpoint.mode ? [endpoint.mode] : []), ...endpoint.fields.filter((f) => f.kind === 'section')];
      for (const spec of watched) $(`#node-input-${spec.name}, #node-input-${spec.name}Type`).on('change', () => showModeAndSectionRows(endpoint));
      showModeAndSectionRows(endpoint);
    }
    if (endpoint.storeFields.length > 0) {
      const showStoreRows = (): void => {
        const selected = storeSelected(node);
        $('#plaid-endpoints-store-fields').toggle(selected);
        $('#plaid-endpoints-token-rows').toggle(!selected);
      };
      $('#node-input-store').on('change', showStoreRows);
      showStoreRows();
    }
    if (endpoint.sandboxOnly) {
      const warn = (): void => {
        const config = configNode(inputText('#node-input-plaid'));
        $('#plaid-endpoints-production-warning').toggle(!!config && config.environment === 'production');
      };
      $('#node-input-plaid').on('change', warn);
      warn();
    }
  }

  return { table, problem, validator, paletteLabel, prepare };
}
