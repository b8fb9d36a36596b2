'use strict';
// The demo's outbox: a group of core nodes that stands in for a notification service. Each example's "notify the
// user" step is a debug node (the debug sidebar shows the notice); here a Complete node, watching those debug nodes,
// keeps every notice (msg.notification) in flow context, and GET OUTBOX_PATH shows them, newest first, each with its
// link, beside the Items the store holds (records only: the store never gives out a token). `?format=json` answers
// the same as JSON, for tests.
const { placeRows } = require('./flow-layout');

const OUTBOX_PATH = '/demo/outbox';
/** Flow context key of the notifications kept (at most KEEP, newest first): URLs and user ids, never a token. */
const CONTEXT_KEY = 'demo_outbox';
const KEEP = 100;
/** As the flows write times for people: 5 Dec 2026, 14:03 UTC. */
const HUMAN_TIME = '[D] [MNn,*-3] [Y0001], [H01]:[m01] UTC';

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
 <div class="meta">{{sent}} · to <b>{{to}}</b> · Item {{item_id}}</div>
 <h2>{{subject}}</h2><p>{{text}}</p>
 {{#url}}<p><a class="link" href="{{url}}">Fix it now</a></p>{{/url}}
</li>{{/outbox}}
</ol>
<h1>Items in the store</h1>
<table id="items"><tr><th>item_id</th><th>user</th><th>institution</th><th>status</th><th>error</th><th>changed</th></tr>
{{#items}}<tr data-item="{{item_id}}"><td>{{item_id}}</td><td>{{client_user_id}}</td><td>{{institution_id}}</td><td class="status-{{status}}">{{status}}</td><td>{{error_code}}</td><td title="{{updated_at}}">{{changed}}</td></tr>{{/items}}
</table>
</body></html>
`;

const KEEP_FUNCTION = `// Newest first; a notice is the msg.notification a "notify the user" step showed (to, item_id, subject, text, url).
// Its link is kept only when it is an http(s) URL: the page makes it a "Fix it now" link, and a javascript: one
// would run in the editor's origin (which has no login) when clicked.
const notice = { ...msg.notification };
if (notice.url !== undefined && !(typeof notice.url === 'string' && /^https?:\\/\\/\\S+$/i.test(notice.url))) delete notice.url;
const outbox = flow.get('${CONTEXT_KEY}') || [];
const at = new Date();
const sent = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(at) + ' UTC';
outbox.unshift({ at: at.toISOString(), sent, ...notice });
flow.set('${CONTEXT_KEY}', outbox.slice(0, ${KEEP}));
return null;`;

/**
 * @param {{tabId: string, storeId: string, outboxUrl: string, noticeIds: string[]}} options `noticeIds`: the
 *   "notify the user" debug nodes whose notices land here
 * @returns {object[]} the group and its nodes
 */
function outboxGroup({ tabId, storeId, outboxUrl, noticeIds }) {
  const id = (n) => `de70de70de70ad${String(n).padStart(2, '0')}`;
  const z = tabId;
  const nodes = [
    { id: id(1), type: 'comment', z, name: `Outbox: open ${outboxUrl}`, info: `Stands in for your notification service: every "notify the user" debug node of the tab shows its notice in the debug sidebar, and [the outbox](${outboxUrl}) keeps them all, each with its link, beside the Items the store holds.`, wires: [] },
    { id: id(2), type: 'complete', z, name: 'a user was notified', scope: noticeIds, uncaught: false, wires: [[id(3)]] },
    { id: id(3), type: 'function', z, name: 'keep it in the outbox', func: KEEP_FUNCTION, outputs: 0, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: [] },
    { id: id(5), type: 'http in', z, name: 'the outbox page', url: OUTBOX_PATH, method: 'get', upload: false, swaggerDoc: '', wires: [[id(6)]] },
    { id: id(6), type: 'plaid-items', z, name: 'every Item', operation: 'list', store: storeId, item_id: 'item_id', item_idType: 'msg', statuses: [], wires: [[id(7)]] },
    {
      id: id(7), type: 'change', z, name: 'page data', rules: [
        { t: 'set', p: 'items', pt: 'msg', to: `[payload.$merge([$, {"changed": $fromMillis($toMillis(updated_at), "${HUMAN_TIME}")}])]`, tot: 'jsonata' },
        { t: 'set', p: 'outbox', pt: 'msg', to: CONTEXT_KEY, tot: 'flow' },
      ], action: '', property: '', from: '', to: '', reg: false, wires: [[id(8)]],
    },
    { id: id(8), type: 'switch', z, name: 'as JSON?', property: 'req.query.format', propertyType: 'msg', rules: [{ t: 'eq', v: 'json', vt: 'str' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2, wires: [[id(9)], [id(11)]] },
    {
      id: id(9), type: 'change', z, name: 'JSON', rules: [
        { t: 'set', p: 'payload', pt: 'msg', to: '{"notifications": outbox ? outbox : [], "items": items}', tot: 'jsonata' },
      ], action: '', property: '', from: '', to: '', reg: false, wires: [[id(10)]],
    },
    { id: id(10), type: 'http response', z, name: 'JSON', statusCode: '200', headers: {}, wires: [] },
    { id: id(11), type: 'template', z, name: 'HTML page', field: 'payload', fieldType: 'msg', format: 'html', syntax: 'mustache', template: PAGE, output: 'str', wires: [[id(12)]] },
    { id: id(12), type: 'http response', z, name: 'page', statusCode: '200', headers: { 'content-type': 'text/html; charset=utf-8' }, wires: [] },
    { id: id(13), type: 'catch', z, name: 'errors in this group', scope: 'group', uncaught: false, wires: [[id(14), id(16)]] },
    {
      id: id(14), type: 'change', z, name: 'answer 500', rules: [
        { t: 'set', p: 'statusCode', pt: 'msg', to: '500', tot: 'num' },
        { t: 'set', p: 'payload', pt: 'msg', to: 'error.message', tot: 'msg' },
      ], action: '', property: '', from: '', to: '', reg: false, wires: [[id(15)]],
    },
    { id: id(15), type: 'http response', z, name: '500', statusCode: '', headers: {}, wires: [] },
    { id: id(16), type: 'debug', z, name: 'error', active: true, tosidebar: true, console: false, tostatus: true, complete: 'error.message', targetType: 'jsonata', statusVal: '', statusType: 'auto', wires: [] },
  ];
  placeRows(nodes, [
    { y: 60, ids: [id(1)] },
    { y: 120, ids: [id(2), id(3)] },
    { y: 180, ids: [id(5), id(6), id(7), id(8)] },
    { y: 240, ids: [id(9), id(10)], after: id(8) },
    { y: 300, ids: [id(11), id(12)], after: id(8) },
    { y: 360, ids: [id(13), id(14), id(15)] },
    { y: 420, ids: [id(16)], after: id(13) },
  ]);
  const group = { id: 'de70de70de70ad00', type: 'group', z, name: 'Outbox: the notices users got', style: { label: true }, nodes: nodes.map((n) => n.id) };
  for (const n of nodes) n.g = group.id;
  return [group, ...nodes];
}

module.exports = { outboxGroup, OUTBOX_PATH };
