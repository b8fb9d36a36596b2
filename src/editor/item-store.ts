// The plaid-item-store dialog: validation, label and the key generator. The build injects the backends and the default
// file name from src/nodes/item-store/backend.ts, and the postgres defaults from src/plaid/store/postgres-storage.ts.

interface ItemStoreEditorConstants {
  /** ITEM_STORE_BACKENDS: the backends a store may select. */
  backends: readonly string[];
  /** DEFAULT_SQLITE_FILE: the sqlite file a store without one uses (under Node-RED's user directory). */
  defaultFile: string;
  /** POSTGRES_DEFAULTS, keyed by the node's settings: what an empty pool or timeout setting means. */
  postgresDefaults: { poolMax: number; connectTimeout: number; queryTimeout: number };
}

function plaidItemStoreEditor(constants: ItemStoreEditorConstants) {
  /** The backend new stores get; the only one that uses a file. */
  const SQLITE = 'sqlite';
  /** The only backend that uses the pool and timeout settings. */
  const POSTGRES = 'postgres';

  /** The backend selected: the dialog's while it is open, else the node's. */
  const backendOf = (node: EditorNode): unknown => $('#node-config-input-backend').val() || node.backend;

  function validateBackend(value: unknown): boolean {
    return constants.backends.indexOf(value as string) !== -1;
  }

  /** A whole number above 0, or empty (the default); only the postgres backend uses these settings. */
  function validatePositive(node: EditorNode, value: unknown): boolean {
    if (backendOf(node) !== POSTGRES || value === '' || value === undefined || value === null) return true;
    return /^\s*[1-9][0-9]*\s*$/.test(settingText(value));
  }

  /** Only the sqlite backend uses a file: then a file name or path is needed. */
  function validateFile(node: EditorNode, value: unknown, opt: ValidatorOptions): boolean | string {
    if (backendOf(node) !== SQLITE || (typeof value === 'string' && value.trim() !== '')) return true;
    return opt ? RED.nodes.getType('plaid-item-store')._('plaid-item-store.errors.file') : false;
  }

  function label(node: EditorNode): string {
    return (node.name as string) || (node.backend === POSTGRES ? POSTGRES : (node.file as string) || constants.defaultFile);
  }

  /** 32 random bytes from the browser's CSPRNG, as base64: the format the runtime expects (hex works too). */
  function generateKey(): string {
    const bytes = new Uint8Array(32);
    window.crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode(...Array.from(bytes)));
  }

  function prepare(node: EditorNode): void {
    migrateInEditor(node, 'plaid-item-store', 'node-config-input');
    const backend = $('#node-config-input-backend');
    if (!backend.val()) backend.val(SQLITE);

    function showBackend(): void {
      const sqlite = backend.val() !== POSTGRES;
      $('#plaid-item-store-file-row, #plaid-item-store-file-tip').toggle(sqlite);
      $('#plaid-item-store-postgres-row, .plaid-item-store-postgres-setting').toggle(!sqlite);
      $('#node-config-input-file').trigger('change');
    }
    backend.on('change', showBackend);
    showBackend();
    for (const [setting, value] of Object.entries(constants.postgresDefaults)) $(`#node-config-input-${setting}`).attr('placeholder', String(value));

    $('#plaid-item-store-generate').on('click', (event) => {
      event.preventDefault();
      $('#node-config-input-encryptionKey').attr('type', 'text').val(generateKey()).trigger('change');
      $('#plaid-item-store-generated').show();
    });
    const credentials = node.credentials as { has_encryptionKey?: boolean } | undefined;
    $('#plaid-item-store-replace').toggle(!!(credentials && credentials.has_encryptionKey));
  }

  return {
    defaultBackend: SQLITE,
    defaultFile: constants.defaultFile,
    postgresDefaults: constants.postgresDefaults,
    validateBackend,
    validatePositive,
    validateFile,
    label,
    prepare,
    /** As prepare does first; `steps` lets a test try a future table. */
    migrate: (node: EditorNode, steps?: import('../nodes/migrations').MigrationTable) => migrateInEditor(node, 'plaid-item-store', 'node-config-input', steps),
  };
}
