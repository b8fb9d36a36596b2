'use strict';
// Writes the endpoint nodes' help (dist/nodes/locales/en-US/plaid-endpoints.html) from the endpoint table and the
// hand-written parts in nodes/locales/en-US/plaid-endpoints.html. The sections every endpoint repeats come from the
// table row: Outputs, the Details paragraphs on fields, sandbox-only refusal, errors, retries and literal tokens,
// and References. What is particular to an endpoint stays hand-written (see the comment atop the source file).
const HELP_BLOCK = /<script type="text\/html" data-help-name="([^"]+)">([\S\s]*?)<\/script>/g;
const PART = (name) => new RegExp(`\\s*<plaid-${name}>([\\S\\s]*?)</plaid-${name}>`);

/** Plaid's reference page for an endpoint: /item/access_token/invalidate → items/#itemaccess_tokeninvalidate. */
function docsLink(endpoint) {
  const first = endpoint.path.split('/')[1];
  const page = { item: 'items' }[first] ?? first;
  return `https://plaid.com/docs/api/${page}/#${endpoint.path.replace(/\//g, '')}`;
}

function outputsSection(endpoint, response) {
  return `  <h3>Outputs</h3>
  <dl class="message-properties">
    <dt>payload <span class="property-type">object</span></dt>
    <dd>Plaid's response body, untouched: ${response}</dd>
    <dt>plaid <span class="property-type">object</span></dt>
    <dd><code>endpoint</code> (<code>${endpoint.path}</code>), <code>request_id</code>, <code>status</code> (the
      HTTP status) and <code>attempts</code>.</dd>
  </dl>
  <p>The incoming message is reused: its other properties, <code>topic</code> included, pass through.</p>`;
}

function fieldsParagraph(endpoint) {
  const select = endpoint.fields.some((f) => f.kind === 'enum') ? ' or a select of Plaid\'s values' : '';
  const optional = endpoint.fields.some((f) => !f.required) ? ' An empty optional setting is not sent.' : '';
  return `  <p>Each request field is taken from <code>msg.payload</code> when the message carries it; a field absent from
    <code>msg.payload</code> falls back to the node's setting (a fixed value${select}, or one read from
    <code>msg</code>, flow or global context, an environment variable or JSON).${optional} Other properties of
    <code>msg.payload</code> are never sent.</p>`;
}

const LITERAL_TOKEN = `  <p><b>Access tokens</b> belong in <code>msg</code>, flow or global context, not in the node's settings: a
    value typed into <b>access_token</b> is saved with the node, so every export of the flow (and every copy of
    the node) carries it in clear. The dialog warns when the value looks like a token (<code>access-…</code>).</p>`;

const SANDBOX_ONLY = `  <p><b>Sandbox only</b>: with a config node whose environment is production, the node refuses the message
    locally (red <i>refused</i> status, error to the Catch node) and sends nothing.</p>`;

const ERRORS = `  <p><b>Errors</b> go to a <i>Catch</i> node: for an error answer, <code>msg.plaid.error</code> holds Plaid's
    error object (<code>error_type</code>, <code>error_code</code>, <code>error_message</code>,
    <code>display_message</code>, <code>request_id</code>) and <code>msg.plaid.status</code> the HTTP status;
    the node's status shows the <code>error_code</code>. A missing required field or an unusable config node is
    reported the same way with <code>msg.plaid.attempts</code> 0: nothing was sent.</p>`;

/** The retry paragraph for the row's policy (src/plaid/endpoints.ts, RetryPolicy) with the endpoint's reason. */
function retriesParagraph(endpoint, reason) {
  switch (endpoint.retry) {
    case 'idempotent':
      return `  <p><b>Retries</b>: <i>${endpoint.label}</i> is retried, up to the config node's <b>Retries</b>, on HTTP 429, 5xx,
    timeouts and connection failures. ${reason}</p>`;
    case 'refused-only':
      return `  <p><b>Retries</b>: only on HTTP 429 (Plaid did nothing) or a refused connection (nothing was sent), up to the
    config node's <b>Retries</b>. ${reason} So timeouts, 5xx answers and lost answers go to the Catch node at once.</p>`;
    default:
      throw new Error(`${endpoint.type}: no help for the retry policy ${endpoint.retry}`);
  }
}

function referencesSection(endpoint, more) {
  return `  <h3>References</h3>
  <ul>
    <li><a href="${docsLink(endpoint)}">Plaid API: ${endpoint.path}</a></li>
    ${more || '<li><a href="https://plaid.com/docs/errors/">Plaid errors</a></li>'}
  </ul>`;
}

/** One node type's help from its hand-written block. */
function helpBlock(endpoint, source) {
  const part = (name, required) => {
    const m = source.match(PART(name));
    if (!m && required) throw new Error(`help for ${endpoint.type} lacks <plaid-${name}>`);
    return m ? m[1].trim() : '';
  };
  const head = source.split(/\s*<plaid-/)[0];
  const details = [
    fieldsParagraph(endpoint),
    part('details') && `  ${part('details')}`,
    endpoint.fields.some((f) => f.name === 'access_token') && LITERAL_TOKEN,
    endpoint.sandboxOnly && SANDBOX_ONLY,
    ERRORS,
    retriesParagraph(endpoint, part('retry', true)),
  ].filter(Boolean);
  return `<script type="text/html" data-help-name="${endpoint.type}">${head}

${outputsSection(endpoint, part('response', true))}

  <h3>Details</h3>
${details.join('\n')}

${referencesSection(endpoint, part('references'))}
</script>`;
}

/** The full help text for `endpoints` from the hand-written source text; every row needs its block. */
function renderEndpointHelp(endpoints, sourceHtml) {
  const sources = new Map([...sourceHtml.matchAll(HELP_BLOCK)].map((m) => [m[1], m[2]]));
  const blocks = endpoints.map((endpoint) => {
    const source = sources.get(endpoint.type);
    if (source === undefined) throw new Error(`nodes/locales/en-US/plaid-endpoints.html has no help for ${endpoint.type}`);
    return helpBlock(endpoint, source);
  });
  const header = '<!-- Generated by scripts/lib/endpoint-help.js from src/plaid/endpoints.ts and nodes/locales/en-US/plaid-endpoints.html. -->';
  return `${header}\n\n${blocks.join('\n\n')}\n`;
}

module.exports = { renderEndpointHelp, docsLink };
