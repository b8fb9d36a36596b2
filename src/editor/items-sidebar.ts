// The "Plaid Items" sidebar tab: every running plaid-item-store with its counts per status, one store's Items with
// the ones that need action first (filter by status, search by item_id or client_user_id), and one Item's recent
// history as a timeline; or, in its "Deliveries" view (deliveries-view.ts), the store's webhook event log. It reads
// the package's Admin API (src/plugins/items-sidebar/routes.ts) and reads again when a comms notice says a store
// changed (those notices carry no Item data). Values from records are set as text only.
// The build injects the statuses, the needs-action ones, the route, the topic and the webhook codes from the runtime.

interface ItemsSidebarConstants {
  /** ITEM_STATUSES, in their order (src/plaid/store/record.ts). */
  statuses: readonly string[];
  /** NEEDS_ACTION (src/plaid/store/item-overview.ts). */
  needsAction: readonly string[];
  /** The routes' root, relative to the editor's admin root. */
  route: string;
  /** The comms topic every store's notices match. */
  topic: string;
  /** Items per rewrap request of the key panel (src/editor/items-keys.ts). */
  rewrapBatch: number;
  /** Plaid's webhook codes the node routes, for the Deliveries view's filter. */
  codes: readonly string[];
}

type SidebarItem = import('../plaid/store/item-overview').ItemOverview;

/** A route that did not answer with what was asked: its HTTP status and the error it names, if any. */
class RouteFailure extends Error {
  constructor(readonly status: number, readonly routeError: string | undefined) {
    super(routeError ?? `HTTP ${status}`);
  }
}
type SidebarEvent = import('../plaid/store/record').ItemEvent;

interface StoreSummary {
  id: string;
  name: string;
  problem: string | null;
  total: number;
  counts: Record<string, number>;
}

function plaidItemsSidebar(constants: ItemsSidebarConstants) {
  const TAB = 'plaid-items-sidebar';
  /** A burst of changes (a webhook storm, a redeploy) makes one read. */
  const REFRESH_DELAY_MS = 250;
  const COLUMNS = ['item_id', 'client_user_id', 'institution_id', 'status', 'error_code', 'last_webhook', 'checked_at'] as const;

  function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string | null): HTMLElementTagNameMap[K] {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }

  function getJson<T>(path: string, params?: Record<string, string>): Promise<T> {
    // Through jQuery: the editor adds its access token to jQuery's requests when adminAuth is on.
    return new Promise((resolve, reject) => {
      $.ajax({ url: path, data: params, dataType: 'json', cache: false })
        .done((answer: T) => resolve(answer))
        .fail((failure: JQuery.jqXHR<unknown>) => reject(routeFailureOf(failure)));
    });
  }

  function routeFailureOf(failure: JQuery.jqXHR<unknown>): RouteFailure {
    const answer = failure.responseJSON as { error?: unknown } | undefined;
    return new RouteFailure(failure.status, typeof answer?.error === 'string' ? answer.error : undefined);
  }

  function add(plugin: EditorPlugin): void {
    const _ = (key: string, data?: Record<string, string>): string => plugin._(`${TAB}.${key}`, data);
    const state = { stores: [] as StoreSummary[], storeId: '', status: '', search: '', itemId: '', view: 'items' as 'items' | 'deliveries' };
    /** Answers to requests older than the newest one of their kind are dropped. */
    const latest = { stores: 0, items: 0, history: 0 };

    const root = element('div', 'plaid-items');
    const storesBox = root.appendChild(element('div', 'plaid-items-stores'));
    const keys = plaidItemsKeys({ route: constants.route, batch: constants.rewrapBatch, _, element, explain: (failure) => explain(routeFailureOf(failure)) });
    root.appendChild(keys.element);
    const viewButtons = root.appendChild(element('div', 'red-ui-button-group plaid-items-views'));
    const itemsView = root.appendChild(element('div', 'plaid-items-view'));
    const filters = itemsView.appendChild(element('div', 'plaid-items-filters'));
    const statusSelect = filters.appendChild(element('select', 'plaid-items-status'));
    const searchInput = filters.appendChild(element('input', 'plaid-items-search'));
    searchInput.type = 'search';
    searchInput.placeholder = _('search');
    searchInput.setAttribute('aria-label', _('search'));
    const message = itemsView.appendChild(element('div', 'plaid-items-message'));
    const table = itemsView.appendChild(element('div', 'plaid-items-table-wrap')).appendChild(element('table', 'plaid-items-table'));
    const headRow = table.appendChild(element('thead')).appendChild(element('tr'));
    for (const column of COLUMNS) headRow.appendChild(element('th', undefined, _(`column.${column}`)));
    const rows = table.appendChild(element('tbody'));
    // The store's open repair cases (src/editor/repair-cases.ts), between its Items and one Item's history.
    const cases = plaidRepairCasesPanel({ _, element, getJson, when, storePath, explain });
    itemsView.appendChild(cases.root);
    const historyBox = itemsView.appendChild(element('div', 'plaid-items-history'));
    historyBox.hidden = true;
    const deliveries = plaidDeliveriesView({ route: constants.route, codes: constants.codes }).create({ _, explain: (failure) => explain(routeFailureOf(failure)), element, when });
    root.appendChild(deliveries.element);
    for (const view of ['items', 'deliveries'] as const) {
      const button = viewButtons.appendChild(element('button', 'red-ui-button red-ui-button-small', _(`view.${view}`)));
      button.type = 'button';
      button.dataset.view = view;
      button.addEventListener('click', () => showView(view));
    }

    function showView(view: 'items' | 'deliveries'): void {
      state.view = view;
      for (const button of Array.from(viewButtons.children) as HTMLElement[]) button.classList.toggle('selected', button.dataset.view === view);
      itemsView.hidden = view !== 'items';
      deliveries.element.hidden = view !== 'deliveries';
      if (view === 'deliveries') deliveries.setStore(state.storeId);
    }

    const statusOptions: Array<[string, string]> = [
      ['', _('filter.all')],
      [constants.needsAction.join(','), _('filter.needsAction')],
      ...constants.statuses.map((status): [string, string] => [status, statusLabel(status)]),
    ];
    for (const [value, label] of statusOptions) {
      const option = statusSelect.appendChild(element('option', undefined, label));
      option.value = value;
    }

    function statusLabel(status: string): string {
      return _(`status.${status}`);
    }

    function badge(status: string, count?: number): HTMLSpanElement {
      const b = element('span', `plaid-items-badge plaid-items-status-${status}`, count === undefined ? statusLabel(status) : `${statusLabel(status)} ${count}`);
      b.dataset.status = status;
      return b;
    }

    /** "3 min ago", with the exact time as the tooltip. */
    function when(iso: string | null | undefined): HTMLSpanElement {
      const span = element('span', 'plaid-items-when');
      if (!iso) return span;
      const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
      const [unit, size] = seconds < 60 ? ['seconds', 1] : seconds < 3600 ? ['minutes', 60] : seconds < 86400 ? ['hours', 3600] : ['days', 86400];
      span.textContent = _(`ago.${unit}`, { count: String(Math.floor(seconds / size)) });
      span.title = new Date(iso).toLocaleString();
      return span;
    }

    function cell(row: HTMLTableRowElement, value: string | null, className?: string): HTMLTableCellElement {
      const td = row.appendChild(element('td', className, value ?? ''));
      if (value) td.title = value;
      return td;
    }

    function explain(failure: RouteFailure): string {
      if (failure.status === 401 || failure.status === 403) return _('errors.permission');
      return failure.routeError ?? _('errors.unreachable', { status: String(failure.status || '') });
    }

    /** The label the editor gives the config node (its name, or its file) when the editor knows the node. */
    function storeName(store: StoreSummary): string {
      // The editor's node, with its definition as `_def` (the package's types call it an object).
      const node = RED.nodes.node(store.id) as { _def?: { label?: unknown } } | null;
      const definition = node?._def;
      if (node && typeof definition?.label === 'function') {
        try {
          return String(definition.label.call(node) || store.name);
        } catch {
          return store.name;
        }
      }
      return store.name;
    }

    function renderStores(): void {
      storesBox.replaceChildren();
      if (!state.stores.length) {
        storesBox.appendChild(element('div', 'plaid-items-empty', _('noStores')));
        return;
      }
      for (const store of state.stores) {
        const card = storesBox.appendChild(element('div', 'plaid-items-store'));
        card.dataset.storeId = store.id;
        card.classList.toggle('selected', store.id === state.storeId);
        card.addEventListener('click', () => selectStore(store.id, state.status));
        const title = card.appendChild(element('div', 'plaid-items-store-title'));
        title.appendChild(element('i', 'fa fa-database'));
        title.appendChild(element('span', 'plaid-items-store-name', storeName(store)));
        title.appendChild(element('span', 'plaid-items-store-total', _('total', { count: String(store.total) })));
        if (store.problem) card.appendChild(element('div', 'plaid-items-problem', store.problem));
        const badges = card.appendChild(element('div', 'plaid-items-badges'));
        for (const status of constants.statuses) {
          const count = store.counts[status] ?? 0;
          const b = badges.appendChild(badge(status, count));
          b.classList.toggle('zero', count === 0);
          b.title = _('filterBy', { status: statusLabel(status) });
          b.addEventListener('click', (event) => {
            event.stopPropagation();
            selectStore(store.id, status);
          });
        }
      }
    }

    function renderItems(items: SidebarItem[]): void {
      rows.replaceChildren();
      message.textContent = items.length ? '' : _(state.status || state.search.trim() ? 'noMatch' : 'noItems');
      for (const item of items) {
        const row = rows.appendChild(element('tr', 'plaid-items-row'));
        row.dataset.itemId = item.item_id;
        row.classList.toggle('needs-action', constants.needsAction.indexOf(item.status) !== -1);
        row.classList.toggle('selected', item.item_id === state.itemId);
        row.addEventListener('click', () => selectItem(item.item_id));
        cell(row, item.item_id, 'plaid-items-id');
        cell(row, item.client_user_id);
        cell(row, item.institution_id);
        const statusCell = row.appendChild(element('td'));
        statusCell.appendChild(badge(item.status));
        if (item.consent_expiration_time) {
          // When the user's consent ends (EU/UK OAuth Items): what PENDING_EXPIRATION warns about.
          const consent = statusCell.appendChild(element('div', 'plaid-items-consent', _('consentEnds', { date: new Date(item.consent_expiration_time).toLocaleDateString() })));
          consent.title = new Date(item.consent_expiration_time).toLocaleString();
        }
        cell(row, item.error_code, 'plaid-items-error');
        const last = row.appendChild(element('td', 'plaid-items-last'));
        if (item.last_webhook) {
          // The code says what happened (the type is ITEM but for LINK SESSION_FINISHED): the pair is the tooltip.
          last.title = `${item.last_webhook.webhook_type} ${item.last_webhook.webhook_code}`;
          last.appendChild(element('span', undefined, item.last_webhook.webhook_code));
          last.appendChild(element('br'));
          last.appendChild(when(item.last_webhook.at));
        }
        // When a reconcile last had Plaid's answer for the Item; empty if none ever did.
        row.appendChild(element('td', 'plaid-items-checked')).appendChild(when(item.checked_at));
      }
    }

    function renderHistory(item: SidebarItem, events: SidebarEvent[]): void {
      historyBox.replaceChildren();
      historyBox.hidden = false;
      const title = historyBox.appendChild(element('div', 'plaid-items-history-title'));
      title.appendChild(element('i', 'fa fa-history'));
      title.appendChild(element('span', 'plaid-items-history-item', item.item_id));
      title.appendChild(badge(item.status));
      const close = title.appendChild(element('button', 'red-ui-button red-ui-button-small plaid-items-history-close'));
      close.type = 'button';
      close.title = _('closeHistory');
      close.appendChild(element('i', 'fa fa-times'));
      close.addEventListener('click', () => selectItem(''));
      if (!events.length) {
        historyBox.appendChild(element('div', 'plaid-items-empty', _('noHistory')));
        return;
      }
      const list = historyBox.appendChild(element('ol', 'plaid-items-timeline'));
      // The store keeps them oldest first; the newest reads first here.
      for (const event of events.slice().reverse()) {
        const entry = list.appendChild(element('li', `plaid-items-event plaid-items-event-${event.kind}`));
        entry.appendChild(element('i', event.kind === 'webhook' ? 'fa fa-bolt' : 'fa fa-exchange'));
        const what = event.kind === 'webhook' ? `${event.webhook_type} ${event.webhook_code}` : _('statusChange');
        entry.appendChild(element('span', 'plaid-items-event-what', what));
        entry.appendChild(badge(event.status));
        if (event.error_code) entry.appendChild(element('span', 'plaid-items-error', event.error_code));
        entry.appendChild(when(event.at)).classList.add('plaid-items-event-when');
      }
    }

    function storePath(storeId: string): string {
      return `${constants.route}/${encodeURIComponent(storeId)}`;
    }

    function loadItems(): void {
      const request = ++latest.items;
      if (!state.storeId) {
        rows.replaceChildren();
        message.textContent = '';
        return;
      }
      const params: Record<string, string> = {};
      if (state.status) params.status = state.status;
      if (state.search.trim()) params.q = state.search.trim();
      getJson<{ items: SidebarItem[] }>(`${storePath(state.storeId)}/items`, params).then(
        (answer) => request === latest.items && renderItems(answer.items),
        (failure: RouteFailure) => {
          if (request !== latest.items) return;
          rows.replaceChildren();
          message.textContent = explain(failure);
        },
      );
    }

    function loadHistory(): void {
      const request = ++latest.history;
      if (!state.storeId || !state.itemId) {
        historyBox.hidden = true;
        return;
      }
      const path = `${storePath(state.storeId)}/items/${encodeURIComponent(state.itemId)}/history`;
      getJson<{ item: SidebarItem; history: SidebarEvent[] }>(path).then(
        (answer) => request === latest.history && renderHistory(answer.item, answer.history),
        (failure: RouteFailure) => {
          if (request !== latest.history) return;
          historyBox.replaceChildren(element('div', 'plaid-items-problem', explain(failure)));
          historyBox.hidden = false;
        },
      );
    }

    function refresh(): void {
      stale = false;
      const request = ++latest.stores;
      getJson<{ stores: StoreSummary[] }>(constants.route).then(
        (answer) => {
          if (request !== latest.stores) return;
          state.stores = answer.stores;
          if (!state.stores.some((store) => store.id === state.storeId)) {
            state.storeId = state.stores.length ? state.stores[0].id : '';
            state.itemId = '';
          }
          renderStores();
          keys.show(state.storeId, state.stores.find((store) => store.id === state.storeId)?.problem);
          loadItems();
          loadHistory();
          cases.load(state.storeId);
          if (state.view === 'deliveries') deliveries.setStore(state.storeId);
        },
        (failure: RouteFailure) => {
          if (request !== latest.stores) return;
          storesBox.replaceChildren();
          rows.replaceChildren();
          message.textContent = explain(failure);
        },
      );
    }

    function selectStore(storeId: string, status: string): void {
      if (storeId !== state.storeId) state.itemId = '';
      state.storeId = storeId;
      state.status = status;
      statusSelect.value = status;
      renderStores();
      keys.show(storeId, state.stores.find((store) => store.id === storeId)?.problem);
      loadItems();
      loadHistory();
      cases.load(state.storeId);
      if (state.view === 'deliveries') deliveries.setStore(storeId);
    }

    function selectItem(itemId: string): void {
      state.itemId = itemId;
      for (const row of Array.from(rows.children) as HTMLElement[]) row.classList.toggle('selected', row.dataset.itemId === itemId);
      loadHistory();
    }

    let pending: number | undefined;
    /** A notice came while the tab was hidden: read when it shows again. */
    let stale = false;
    const shown = (): boolean => root.isConnected && root.offsetParent !== null;
    function refreshSoon(): void {
      if (!shown()) {
        stale = true;
        return;
      }
      if (pending !== undefined) return;
      pending = window.setTimeout(() => {
        pending = undefined;
        refresh();
      }, REFRESH_DELAY_MS);
    }

    showView('items');

    statusSelect.addEventListener('change', () => {
      state.status = statusSelect.value;
      loadItems();
    });
    onTypingPause(searchInput, REFRESH_DELAY_MS, (search) => {
      state.search = search;
      loadItems();
    });

    // A store's log has new entries: the Deliveries view reads it again if it is the one shown, nothing else.
    RED.comms.subscribe(constants.topic, (_topic, notice) => {
      if ((notice as { change?: string } | null)?.change !== 'deliveries') refreshSoon();
      else if (state.view === 'deliveries' && shown()) deliveries.refresh();
    });
    RED.comms.subscribe('notification/runtime-deploy', refreshSoon);
    // The sidebar shown again after being closed: the tab itself did not change, so onchange is not called.
    RED.events.on('sidebar:resize', () => stale && refreshSoon());
    RED.sidebar.addTab({
      id: TAB,
      label: _('label'),
      name: _('name'),
      iconClass: 'fa fa-university',
      content: root,
      enableOnEdit: true,
      // Each time the tab is shown.
      onchange: refresh,
    });
    RED.actions.add('plaid:show-items-sidebar', () => RED.sidebar.show(TAB));
  }

  return { add };
}
