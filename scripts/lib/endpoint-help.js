'use strict';
// Writes the endpoint nodes' help (dist/nodes/locales/en-US/plaid-endpoints.html) from the endpoint table and the
// hand-written parts in nodes/locales/en-US/plaid-endpoints.html. The sections every endpoint repeats come from the
// table row: Outputs, the Details paragraphs on fields, sandbox-only refusal, errors, retries and literal tokens,
// and References. What is particular to an endpoint stays hand-written (see the comment atop the source file).
const path = require('node:path');

/** The compiled endpoint table's helpers (dist/plaid/endpoints.js). */
const table = () => require(path.join(__dirname, '..', '..', 'dist', 'plaid', 'endpoints.js'));

const HELP_BLOCK = /<script type="text\/html" data-help-name="([^"]+)">([\S\s]*?)<\/script>/g;
const PART = (name) => new RegExp(`\\s*<plaid-${name}>([\\S\\s]*?)</plaid-${name}>`);

/** Plaid's reference page for an endpoint: /item/access_token/invalidate → items/#itemaccess_tokeninvalidate. */
function docsLink(endpoint) {
  const first = endpoint.path.split('/')[1];
  const page = { item: 'items' }[first] ?? first;
  return `https://plaid.com/docs/api/${page}/#${endpoint.path.replace(/\//g, '')}`;
}

function outputsSection(endpoint, response) {
  const tokens = endpoint.recordFallback && !endpoint.storeEffect ? '' : `; and a token in
      Plaid's answer is not in <code>payload</code>: it went into the store`;
  const store = table().offersStore(endpoint)
    ? ` With an <b>Item store</b>, also <code>item</code>: the Item's record (never its token)${tokens}.`
    : '';
  return `  <h3>Outputs</h3>
  <dl class="message-properties">
    <dt>payload <span class="property-type">object</span></dt>
    <dd>Plaid's response body, untouched: ${response}</dd>
    <dt>plaid <span class="property-type">object</span></dt>
    <dd><code>endpoint</code> (<code>${endpoint.path}</code>), <code>request_id</code>, <code>status</code> (the
      HTTP status) and <code>attempts</code>.${store}</dd>
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

/** What the node does with an Item store: resolve the token by item_id, and the row's store effect. */
const STORE_EFFECTS = {
  'save-item': `The new Item is saved, its token encrypted, <i>before</i> the output is sent, with
    <b>client_user_id</b> and <b>institution_id</b> (each from <code>msg.payload</code>, else the node's setting,
    by default <code>msg.client_user_id</code> and <code>msg.institution_id</code>: Plaid's exchange answer names
    no institution, Link's <code>onSuccess</code> metadata does). <code>msg.payload</code> keeps
    <code>item_id</code> and <code>request_id</code>, not the token. If the Item cannot be saved, it is removed at
    Plaid (so it is not left billed and unreachable) and the error says the user must link again.`,
  'replace-token': `The new token replaces the old one in the store, in one transaction, before the output is
    sent; <code>msg.payload</code> keeps only <code>request_id</code>.`,
  'keep-link-token': `In update mode the record keeps the new <code>link_token</code> and its expiration, so
    that the session's LINK <code>SESSION_FINISHED</code> webhook finds the Item.`,
  'mark-removed': `On success the record becomes <code>removed</code> and its token is wiped. When an attempt's
    answer was lost (a timeout, a dropped connection, a 5xx) and the retry is answered
    <code>INVALID_ACCESS_TOKEN</code> or <code>ITEM_NOT_FOUND</code>, the first attempt most likely removed the
    Item: the record is marked <code>removed</code> too, and the error (to the Catch node) says so.`,
};

/** The Inputs list (hand-written, the first one of the block) with the store's settings appended. */
function withStoreInputs(endpoint, head) {
  const itemId = endpoint.recordFallback
    ? `the Item whose newest ${endpoint.recordFallback.join(' and ')} the store keeps is used when none is given`
    : 'which Item\'s token to use';
  const entries = table().storeFieldsOf(endpoint).map((f) => `    <dt class="optional">payload.${f.name} <span class="property-type">string</span></dt>
    <dd>with an Item store: ${f.name === 'item_id' ? itemId : 'kept on the new Item\'s record'}. Without it in
      <code>msg.payload</code>, the node's <b>${f.name}</b> setting (by default <code>msg.${f.default.value}</code>).</dd>`);
  if (!entries.length) return head;
  const end = head.indexOf('</dl>');
  if (end === -1) throw new Error(`help for ${endpoint.type} has no Inputs list`);
  return `${head.slice(0, end)}${entries.join('\n')}\n  ${head.slice(end)}`;
}

function storeParagraph(endpoint) {
  if (!table().offersStore(endpoint)) return '';
  const token = table().takesAccessToken(endpoint)
    ? ` the node takes the Item's <code>item_id</code> (<code>msg.payload.item_id</code>, else its <b>item_id</b>
    setting, by default <code>msg.item_id</code>) and finds the access token in the store itself. The token is
    sent to Plaid and nowhere else: an <code>access_token</code> in <code>msg.payload</code> is dropped, and no
    output or Catch message carries one. An item_id the store does not hold, or holds as removed, is an error
    before any call, naming the item_id. An <code>ITEM_LOGIN_REQUIRED</code> answer marks the record
    <code>login_required</code> (as the ITEM <code>ERROR</code> webhook would) before the error reaches the Catch
    node.`
    : '';
  const fromRecord = endpoint.recordFallback
    ? ` when neither <code>msg.payload</code> nor the node's setting gives a ${endpoint.recordFallback.join(' or ')}, the
    node takes the Item's <code>item_id</code> (<code>msg.payload.item_id</code>, else its <b>item_id</b> setting, by
    default <code>msg.item_id</code>) and uses the newest one the store keeps for the Item (made by
    <i>link/token/create</i> or <i>plaid-item-repair</i> with the store). An Item the store does not hold, or holds
    without one, is an error before any call.`
    : '';
  const effect = STORE_EFFECTS[endpoint.storeEffect] ? ` ${STORE_EFFECTS[endpoint.storeEffect]}` : '';
  return `  <p><b>Item store</b> (optional, a <i>plaid-item-store</i> config node): with one selected,${token}${fromRecord}${effect}
    <code>msg.plaid.item</code> is the Item's record. Without a store the node works on tokens from
    <code>msg</code>, flow or global context as set above.</p>`;
}

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
  const head = withStoreInputs(endpoint, source.split(/\s*<plaid-/)[0]);
  const details = [
    fieldsParagraph(endpoint),
    part('details') && `  ${part('details')}`,
    storeParagraph(endpoint),
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
