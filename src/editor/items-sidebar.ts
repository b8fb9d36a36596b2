// The "Plaid Items" sidebar tab: every running plaid-item-store with its counts per status, one store's Items with
// the ones that need action first (filter by status, search by item_id or client_user_id), and one Item's recent
// history as a timeline. It reads the package's Admin API (src/plugins/items-sidebar/routes.ts) and reads again when
// a comms notice says a store changed (those notices carry no Item data). Values from records are set as text only.
// The build injects the statuses, the needs-action ones, the route and the topic from the runtime.

interface ItemsSidebarConstants {
  /** ITEM_STATUSES, in their order (src/plaid/store/record.ts). */
  statuses: readonly string[];
  /** NEEDS_ACTION (src/plaid/store/item-overview.ts). */
  needsAction: readonly string[];
  /** The routes' root, relative to the editor's admin root. */
  route: string;
  /** The comms topic every store's notices match. */
  topic: string;
}

type SidebarItem = import('../plaid/store/item-overview').ItemOverview;
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
  /** What fits the sidebar at its default width (about 300 px): the rest of an Item is one click away. */
  const COLUMNS = ['item_id', 'status', 'changed'] as const;
  /** Beyond a week, a date reads better than "23 d ago". */
  const RELATIVE_DAYS = 7;

  function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string | null): HTMLElementTagNameMap[K] {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }

  function getJson<T>(path: string, params?: Record<string, string>): Promise<T> {
    // Through jQuery: the editor adds its access token to jQuery's requests when adminAuth is on.
    return new Promise((resolve, reject) => {
      $.ajax<T>({ url: path, data: params, dataType: 'json', cache: false }).then(resolve, reject);
    });
  }

  function add(plugin: EditorPlugin): void {
    const _ = (key: string, data?: Record<string, string>): string => plugin._(`${TAB}.${key}`, data);
    const state = { stores: [] as StoreSummary[], storeId: '', status: '', search: '', itemId: '' };
    /** Answers to requests older than the newest one of their kind are dropped. */
    const latest = { stores: 0, items: 0, history: 0 };

    const root = element('div', 'plaid-items');
    // One line to pick the store (a select when there are several), then the picked store's counts.
    const storesBox = root.appendChild(element('div', 'plaid-items-stores'));
    const filters = root.appendChild(element('div', 'plaid-items-filters'));
    const statusSelect = filters.appendChild(element('select', 'plaid-items-status'));
    const searchInput = filters.appendChild(element('input', 'plaid-items-search'));
    searchInput.type = 'search';
    searchInput.placeholder = _('search');
    searchInput.setAttribute('aria-label', _('search'));
    const message = root.appendChild(element('div', 'plaid-items-message'));
    const table = root.appendChild(element('div', 'plaid-items-table-wrap')).appendChild(element('table', 'plaid-items-table'));
    const headRow = table.appendChild(element('thead')).appendChild(element('tr'));
    for (const column of COLUMNS) headRow.appendChild(element('th', undefined, _(`column.${column}`)));
    const rows = table.appendChild(element('tbody'));
    const historyBox = root.appendChild(element('div', 'plaid-items-history'));
    historyBox.hidden = true;

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

    /** "3 min ago" (beyond a week, the local date), with the exact local time as the tooltip. */
    function when(iso: string | null | undefined): HTMLSpanElement {
      const span = element('span', 'plaid-items-when');
      if (!iso) return span;
      const at = new Date(iso);
      const seconds = Math.max(0, Math.round((Date.now() - at.getTime()) / 1000));
      if (seconds >= RELATIVE_DAYS * 86400) {
        span.textContent = at.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
      } else {
        const [unit, size] = seconds < 60 ? ['seconds', 1] : seconds < 3600 ? ['minutes', 60] : seconds < 86400 ? ['hours', 3600] : ['days', 86400];
        span.textContent = _(`ago.${unit}`, { count: String(Math.floor(seconds / (size as number))) });
      }
      span.title = at.toLocaleString();
      return span;
    }

    /** "1 Item", "3 Items". */
    function itemCount(count: number): string {
      return _(count === 1 ? 'total.one' : 'total.other', { count: String(count) });
    }

    function explain(failure: AjaxFailure): string {
      if (failure.status === 401 || failure.status === 403) return _('errors.permission');
      return failure.responseJSON?.error ?? _('errors.unreachable', { status: String(failure.status || '') });
    }

    /** The label the editor gives the config node (its name, or its file) when the editor knows the node. */
    function storeName(store: StoreSummary): string {
      const node = RED.nodes.node(store.id);
      const definition = node?._def as { label?: unknown } | undefined;
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
      const store = state.stores.find((candidate) => candidate.id === state.storeId) ?? state.stores[0];
      const card = storesBox.appendChild(element('div', 'plaid-items-store'));
      card.dataset.storeId = store.id;
      const title = card.appendChild(element('div', 'plaid-items-store-title'));
      title.appendChild(element('i', 'fa fa-database'));
      if (state.stores.length > 1) {
        const picker = title.appendChild(element('select', 'plaid-items-store-select'));
        picker.setAttribute('aria-label', _('store'));
        for (const candidate of state.stores) {
          const option = picker.appendChild(element('option', undefined, `${storeName(candidate)} · ${itemCount(candidate.total)}`));
          option.value = candidate.id;
        }
        picker.value = store.id;
        picker.addEventListener('change', () => selectStore(picker.value, ''));
      } else {
        title.appendChild(element('span', 'plaid-items-store-name', storeName(store)));
        title.appendChild(element('span', 'plaid-items-store-total', itemCount(store.total)));
      }
      if (store.problem) card.appendChild(element('div', 'plaid-items-problem', store.problem));
      // A count per status the store has Items in (a badge is a filter too); none take room for nothing.
      const badges = card.appendChild(element('div', 'plaid-items-badges'));
      for (const status of constants.statuses) {
        const count = store.counts[status] ?? 0;
        if (count === 0) continue;
        const b = badges.appendChild(badge(status, count));
        b.title = _('filterBy', { status: statusLabel(status) });
        b.addEventListener('click', () => selectStore(store.id, status));
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
        row.title = _('openItem');
        row.addEventListener('click', () => selectItem(item.item_id === state.itemId ? '' : item.item_id));
        const who = row.appendChild(element('td', 'plaid-items-who'));
        who.appendChild(element('div', 'plaid-items-id', item.item_id)).title = item.item_id;
        if (item.client_user_id) who.appendChild(element('div', 'plaid-items-user', item.client_user_id)).title = item.client_user_id;
        row.appendChild(element('td', 'plaid-items-state')).appendChild(badge(item.status));
        row.appendChild(element('td', 'plaid-items-changed')).appendChild(when(item.updated_at));
      }
    }

    /** One line of an Item's details: a label and a value (text, or an element). */
    function detail(list: HTMLElement, key: string, value: string | HTMLElement | null | undefined, className?: string): void {
      if (value === null || value === undefined || value === '') return;
      const row = list.appendChild(element('div', 'plaid-items-detail'));
      row.appendChild(element('span', 'plaid-items-detail-key', _(`column.${key}`)));
      const shown = row.appendChild(typeof value === 'string' ? element('span', className, value) : value);
      shown.classList.add('plaid-items-detail-value');
      if (typeof value === 'string') shown.title = value;
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
      // The Item's other fields, which the list leaves out to fit the sidebar.
      const details = historyBox.appendChild(element('div', 'plaid-items-details'));
      detail(details, 'client_user_id', item.client_user_id);
      detail(details, 'institution_id', item.institution_id);
      detail(details, 'error_code', item.error_code, 'plaid-items-error');
      if (item.last_webhook) {
        const last = element('span', 'plaid-items-last');
        // The code says what happened (the type is ITEM but for LINK SESSION_FINISHED): the pair is the tooltip.
        last.title = `${item.last_webhook.webhook_type} ${item.last_webhook.webhook_code}`;
        last.appendChild(element('span', undefined, `${item.last_webhook.webhook_code} `));
        last.appendChild(when(item.last_webhook.at));
        detail(details, 'last_webhook', last);
      }
      detail(details, 'changed', when(item.updated_at));
      detail(details, 'created', when(item.created_at));
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
        (failure: AjaxFailure) => {
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
        (failure: AjaxFailure) => {
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
          loadItems();
          loadHistory();
        },
        (failure: AjaxFailure) => {
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
      loadItems();
      loadHistory();
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

    statusSelect.addEventListener('change', () => {
      state.status = statusSelect.value;
      loadItems();
    });
    let typing: number | undefined;
    searchInput.addEventListener('input', () => {
      window.clearTimeout(typing);
      typing = window.setTimeout(() => {
        state.search = searchInput.value;
        loadItems();
      }, REFRESH_DELAY_MS);
    });

    RED.comms.subscribe(constants.topic, refreshSoon);
    RED.comms.subscribe('notification/runtime-deploy', refreshSoon);
    // The sidebar shown again after being closed: the tab itself did not change, so onchange is not called.
    RED.events.on('sidebar:resize', () => stale && refreshSoon());
    RED.sidebar.addTab({
      id: TAB,
      label: _('label'),
      name: _('name'),
      iconClass: 'fa fa-university',
      content: $(root),
      enableOnEdit: true,
      // Each time the tab is shown.
      onchange: refresh,
    });
    RED.actions.add('plaid:show-items-sidebar', () => RED.sidebar.show(TAB));
  }

  return { add };
}
