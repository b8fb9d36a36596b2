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

  /** Only a custom environment uses a base URL (a local emulator, a proxy): then it must be an http(s) URL. */
  function validateBaseUrl(node: EditorNode, value: unknown, opt: ValidatorOptions): boolean | string {
    const environment = $('#node-config-input-environment').val() || node.environment;
    if (environment !== 'custom' || BASE_URL.test(String(value ?? '').trim())) return true;
    return opt ? text('errors.baseUrl') : false;
  }

  function validateWholeNumber(min: number, errorKey: string) {
    return function (value: unknown, opt: ValidatorOptions): boolean | string {
      const n = String(value).trim();
      if (/^[0-9]+$/.test(n) && Number(n) >= min) return true;
      return opt ? text(`errors.${errorKey}`) : false;
    };
  }

  function prepare(node: EditorNode): void {
    const environment = $('#node-config-input-environment');
    if (!environment.val()) environment.val('sandbox');

    function showEnvironment(): void {
      const env = environment.val() ?? '';
      const host = constants.hosts[env];
      $('#plaid-config-baseUrl-row').toggle(env === 'custom');
      $('#plaid-config-host').text(host ? node._('plaid-config.tip.host', { url: host }) : node._('plaid-config.tip.custom'));
      $('#plaid-config-production').toggle(env === 'production');
      $('#node-config-input-baseUrl').trigger('change');
    }
    environment.on('change', showEnvironment);
    showEnvironment();
  }

  return {
    hosts: constants.hosts,
    validateBaseUrl,
    validateTimeout: validateWholeNumber(1, 'timeout'),
    validateRetries: validateWholeNumber(0, 'retries'),
    prepare,
  };
}
