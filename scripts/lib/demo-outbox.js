'use strict';
// The demo's outbox: a group of core nodes that stands in for a notification service. The examples POST their
// notifications to NOTIFY_URL (here NOTIFY_PATH on the same Node-RED); GET OUTBOX_PATH shows them, newest first,
// each with its link, beside the Items the store holds (records only: the store never gives out a token).
// `?format=json` answers the same as JSON, for tests.

const NOTIFY_PATH = '/demo/notify';
const OUTBOX_PATH = '/demo/outbox';
/** Flow context key of the notifications kept (at most KEEP, newest first): URLs and user ids, never a token. */
const CONTEXT_KEY = 'demo_outbox';
const KEEP = 100;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Demo outbox</title>
<style>
 body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 56rem; padding: 0 1rem; color: #222; }
 h1 { font-size: 1.4rem; } h2 { font-size: 1.05rem; margin: 0 0 .25rem; }
 ol { list-style: none; padding: 0; } li { border: 1px solid #ddd; border-left: 5px solid #888; border-radius: 4px; padding: .6rem .9rem; margin: .6rem 0; }
 li.kind-repair { border-left-color: #d9822b; } li.kind-reminder { border-left-color: #c23030; } li.kind-fixed { border-left-color: #0f9960; }
 .meta { color: #666; font-size: .85rem; } a.link { font-weight: 600; word-break: break-all; }
 table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eee; }
 .status-healthy { color: #0f9960; } .status-login_required, .status-error, .status-revoked { color: #c23030; }
</style></head>
<body>
<h1>Demo outbox</h1>
<p>What the demo's flows sent to users, newest first (this page reloads every 5 s). A repair link opens the Hosted Link page.</p>
{{^outbox}}<p class="empty">Nothing sent yet: click <em>Break the login</em> on the Plaid demo tab.</p>{{/outbox}}
<ol id="notifications">
{{#outbox}}<li class="notification kind-{{kind}}" data-kind="{{kind}}" data-item="{{item_id}}">
 <div class="meta">{{at}} · to <b>{{to}}</b> · Item {{item_id}}</div>
 <h2>{{subject}}</h2><p>{{message}}</p>
 {{#url}}<p><a class="link" href="{{url}}">Fix it now</a> <span class="meta">(link valid until {{expires}})</span></p>{{/url}}
 {{#deadline}}<p class="meta">Plaid's deadline: {{deadline}}</p>{{/deadline}}
</li>{{/outbox}}
</ol>
<h1>Items in the store</h1>
<table id="items"><tr><th>item_id</th><th>user</th><th>institution</th><th>status</th><th>error</th><th>updated</th></tr>
{{#items}}<tr data-item="{{item_id}}"><td>{{item_id}}</td><td>{{client_user_id}}</td><td>{{institution_id}}</td><td class="status-{{status}}">{{status}}</td><td>{{error_code}}</td><td>{{updated_at}}</td></tr>{{/items}}
</table>
</body></html>
`;

/**
 * Who may notify: the flows' own posts (Node-RED's http request sends no Origin) and pages of this Node-RED, with a
 * JSON object whose link, if any, is an http(s) URL. A page on another site can post here (the route is a flow's,
 * open to webhooks under any host name); without this it could put a javascript: link in the outbox, which runs in
 * the editor's origin when clicked. OWN_ORIGIN is the examples' address, which the demo replaces with its own.
 */
const GUARD_FUNCTION = (ownOrigin) => `const OWN_ORIGIN = '${ownOrigin}';
function refuse(statusCode, text) {
  Object.assign(msg, { statusCode, payload: text, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return [null, msg];
}
const headers = msg.req.headers;
if (headers.origin !== undefined && headers.origin !== OWN_ORIGIN) return refuse(403, 'Forbidden: notifications come from this Node-RED only\\n');
const type = String(headers['content-type'] || '').split(';')[0].trim().toLowerCase();
if (type !== 'application/json') return refuse(415, 'A notification is JSON (Content-Type: application/json)\\n');
const note = msg.payload;
if (note === null || typeof note !== 'object' || Array.isArray(note)) return refuse(400, 'A notification is a JSON object\\n');
if (note.url !== undefined && note.url !== null && !(typeof note.url === 'string' && /^https?:\\/\\/\\S+$/i.test(note.url))) {
  return refuse(400, 'A notification\\'s url must be an http(s) URL\\n');
}
return [msg, null];`;

const KEEP_FUNCTION = `// Newest first; a notification is what the flows posted (to, item_id, subject, message, url, ...).
const outbox = flow.get('${CONTEXT_KEY}') || [];
outbox.unshift({ at: new Date().toISOString(), ...msg.payload });
flow.set('${CONTEXT_KEY}', outbox.slice(0, ${KEEP}));
msg.payload = '';
return msg;`;

/**
 * @param {{tabId: string, storeId: string, outboxUrl: string}} options
 * @returns {object[]} the group and its nodes, the group's top-left corner at (20, 20)
 */
function outboxGroup({ tabId, storeId, outboxUrl }) {
  const id = (n) => `de70de70de70ad${String(n).padStart(2, '0')}`;
  const z = tabId;
  const nodes = [
    { id: id(1), type: 'comment', z, name: `Outbox: open ${outboxUrl}`, info: `Stands in for your notification service: the flows post to \`NOTIFY_URL\` (${NOTIFY_PATH} here), and [the outbox](${outboxUrl}) shows every notification with its link, and the Items the store holds.`, x: 240, y: 60, wires: [] },
    { id: id(2), type: 'http in', z, name: 'notifications', url: NOTIFY_PATH, method: 'post', upload: false, swaggerDoc: '', x: 110, y: 110, wires: [[id(17)]] },
    { id: id(17), type: 'function', z, name: 'from this Node-RED?', func: GUARD_FUNCTION(new URL(outboxUrl).origin), outputs: 2, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 290, y: 110, wires: [[id(3)], [id(18)]] },
    { id: id(3), type: 'function', z, name: 'keep it in the outbox', func: KEEP_FUNCTION, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 480, y: 110, wires: [[id(4)]] },
    { id: id(4), type: 'http response', z, name: '204', statusCode: '204', headers: {}, x: 490, y: 150, wires: [] },
    { id: id(18), type: 'http response', z, name: 'refused', statusCode: '', headers: {}, x: 290, y: 150, wires: [] },
    { id: id(5), type: 'http in', z, name: 'the outbox page', url: OUTBOX_PATH, method: 'get', upload: false, swaggerDoc: '', x: 140, y: 210, wires: [[id(6)]] },
    { id: id(6), type: 'plaid-items', z, name: 'every Item', operation: 'list', store: storeId, item_id: 'item_id', item_idType: 'msg', statuses: [], x: 320, y: 210, wires: [[id(7)]] },
    {
      id: id(7), type: 'change', z, name: 'page data', rules: [
        { t: 'set', p: 'items', pt: 'msg', to: 'payload', tot: 'msg' },
        { t: 'set', p: 'outbox', pt: 'msg', to: CONTEXT_KEY, tot: 'flow' },
      ], action: '', property: '', from: '', to: '', reg: false, x: 480, y: 210, wires: [[id(8)]],
    },
    { id: id(8), type: 'switch', z, name: 'as JSON?', property: 'req.query.format', propertyType: 'msg', rules: [{ t: 'eq', v: 'json', vt: 'str' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2, x: 160, y: 270, wires: [[id(9)], [id(11)]] },
    {
      id: id(9), type: 'change', z, name: 'JSON', rules: [
        { t: 'set', p: 'payload', pt: 'msg', to: '{"notifications": outbox ? outbox : [], "items": items}', tot: 'jsonata' },
      ], action: '', property: '', from: '', to: '', reg: false, x: 320, y: 250, wires: [[id(10)]],
    },
    { id: id(10), type: 'http response', z, name: 'JSON', statusCode: '200', headers: {}, x: 480, y: 250, wires: [] },
    { id: id(11), type: 'template', z, name: 'HTML page', field: 'payload', fieldType: 'msg', format: 'html', syntax: 'mustache', template: PAGE, output: 'str', x: 330, y: 290, wires: [[id(12)]] },
    { id: id(12), type: 'http response', z, name: 'page', statusCode: '200', headers: { 'content-type': 'text/html; charset=utf-8' }, x: 480, y: 290, wires: [] },
    { id: id(13), type: 'catch', z, name: 'errors in this group', scope: 'group', uncaught: false, x: 150, y: 340, wires: [[id(14), id(16)]] },
    {
      id: id(14), type: 'change', z, name: 'answer 500', rules: [
        { t: 'set', p: 'statusCode', pt: 'msg', to: '500', tot: 'num' },
        { t: 'set', p: 'payload', pt: 'msg', to: 'error.message', tot: 'msg' },
      ], action: '', property: '', from: '', to: '', reg: false, x: 330, y: 340, wires: [[id(15)]],
    },
    { id: id(15), type: 'http response', z, name: '500', statusCode: '', headers: {}, x: 480, y: 340, wires: [] },
    { id: id(16), type: 'debug', z, name: 'error', active: true, tosidebar: true, console: false, tostatus: true, complete: 'error.message', targetType: 'jsonata', statusVal: '', statusType: 'auto', x: 330, y: 380, wires: [] },
  ];
  const group = { id: 'de70de70de70ad00', type: 'group', z, name: 'Outbox: the notifications users got', style: { label: true }, nodes: nodes.map((n) => n.id), x: 20, y: 20, w: 620, h: 400 };
  for (const n of nodes) n.g = group.id;
  return [group, ...nodes];
}

module.exports = { outboxGroup, NOTIFY_PATH, OUTBOX_PATH };
