// The plaid-config dialog. The build injects the hosts of the named environments from src/plaid/environments.ts.

interface ConfigEditorConstants {
  /** Base URL per named environment (sandbox, production); `custom` has none. */
  hosts: Record<string, string>;
}

function plaidConfigEditor(constants: ConfigEditorConstants) {
  const BASE_URL = /^https?:\/\/[^\s/?#]+[^\s?#]*$/;

  function text(key: string, data?: Record<string, string>): string {
    return RED.nodes.getType('plaid-config')._(`plaid-config.${key}`, data);
  }

  /** A client ID and a secret, typed or kept (the editor shows a kept secret as has_secret). */
  const credentials = credentialCheck((c) => typeof c.clientId === 'string' && c.clientId.trim() !== '' && (c.has_secret === true || (typeof c.secret === 'string' && c.secret !== '')));

  /**
   * One of the named environments; and, since the credentials belong to the environment, a config node without a
   * client ID or secret is invalid here (its deploy asks first, and every node using it says why).
   */
  function validateEnvironment(node: EditorNodeState, value: unknown, opt: ValidatorOptions): boolean | string {
    if (value !== 'sandbox' && value !== 'production' && value !== 'custom') return false;
    if (credentials.satisfied(node)) return true;
    return opt ? text('errors.noCredentials') : false;
  }

  /** Only a custom environment uses a base URL (a local emulator, a proxy): then it must be an http(s) URL. */
  function validateBaseUrl(node: EditorNode, value: unknown, opt: ValidatorOptions): boolean | string {
    const environment = inputText('#node-config-input-environment') || node.environment;
    if (environment !== 'custom' || BASE_URL.test(settingText(value).trim())) return true;
    return opt ? text('errors.baseUrl') : false;
  }

  /** Empty (this Node-RED's own address) or an http(s) URL; ${ENV_VAR} is resolved by the runtime. */
  function validateWebhookUrl(value: unknown, opt: ValidatorOptions): boolean | string {
    const url = settingText(value).trim();
    if (url === '' || BASE_URL.test(url) || /^\$\{[^}]+\}$/.test(url)) return true;
    return opt ? text('errors.webhookUrl') : false;
  }

  function validateWholeNumber(min: number, errorKey: string) {
    return function (value: unknown, opt: ValidatorOptions): boolean | string {
      const n = String(value).trim();
      if (/^[0-9]+$/.test(n) && Number(n) >= min) return true;
      return opt ? text(`errors.${errorKey}`) : false;
    };
  }

  /** Where calls go with the dialog's values, as the runtime's baseUrlFor resolves it (src/plaid/environments.ts). */
  function target(environment: string, baseUrl: string): string {
    return constants.hosts[environment] ?? baseUrl.trim().replace(/\/+$/, '');
  }

  const dialogTarget = (): string => target(inputText('#node-config-input-environment'), inputText('#node-config-input-baseUrl'));

  /** The secret field holds a newly typed value (Node-RED shows a kept one as KEPT_CREDENTIAL). */
  const secretTyped = (): boolean => {
    const value = $('#node-config-input-secret').val();
    return value !== undefined && value !== KEPT_CREDENTIAL;
  };

  /**
   * Warns while the dialog points calls elsewhere than the kept secret is bound to (the runtime binds a newly typed
   * secret to where calls go, and records that in the `host` credential).
   */
  function showHostMismatch(node: EditorNode): void {
    const recorded = inputText('#node-config-input-host');
    const mismatch = recorded !== '' && !secretTyped() && recorded !== dialogTarget();
    $('#plaid-config-host-mismatch').toggle(mismatch);
    if (mismatch) $('#plaid-config-host-mismatch-text').text(node._('plaid-config.tip.hostMismatch', { host: recorded }));
  }

  /** The dialog closes: the node's credentials are judged again (a secret typed is bound by the runtime, not here). */
  function save(): void {
    credentials.editing(undefined);
  }

  function prepare(node: EditorNode): void {
    credentials.editing(node.id as string);
    migrateInEditor(node, 'plaid-config', 'node-config-input');
    const environment = $('#node-config-input-environment');
    if (!environment.val()) environment.val('sandbox');
    $('#node-config-input-baseUrl, #node-config-input-secret').on('change keyup', () => showHostMismatch(node));

    function showEnvironment(): void {
      const env = inputText('#node-config-input-environment');
      const host = constants.hosts[env];
      $('#plaid-config-baseUrl-row').toggle(env === 'custom');
      $('#plaid-config-host').text(host ? node._('plaid-config.tip.host', { url: host }) : node._('plaid-config.tip.custom'));
      $('#plaid-config-production').toggle(env === 'production');
      $('#node-config-input-baseUrl').trigger('change');
      showHostMismatch(node);
    }
    environment.on('change', showEnvironment);
    showEnvironment();
  }

  return {
    hosts: constants.hosts,
    validateEnvironment,
    validateBaseUrl,
    validateTimeout: validateWholeNumber(1, 'timeout'),
    validateRetries: validateWholeNumber(0, 'retries'),
    validateWebhookUrl,
    target,
    prepare,
    save,
    /** Cancel or delete: the dialog closes without a save. */
    close: () => credentials.editing(undefined),
  };
}
