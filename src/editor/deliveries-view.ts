// The Plaid Items sidebar's "Deliveries" view: one store's webhook event log, newest first, filtered by code, Item
// and time; one delivery's body (tokens masked by the runtime); and a replay of the selected deliveries, or of all
// that match the filter, after a confirmation naming the count. It reads and writes the package's Admin API
// (src/plugins/items-sidebar/delivery-routes.ts, write-routes.ts). Values from the log are set as text only.

interface DeliveriesViewConstants {
  /** The routes' root, relative to the editor's admin root. */
  route: string;
  /** Plaid's webhook codes the node routes, for the code filter (src/plaid/webhook/routing.ts). */
  codes: readonly string[];
}

interface DeliveriesViewOptions {
  /** The sidebar's translator (plaid-items-sidebar.*). */
  _: (key: string, data?: Record<string, string>) => string;
  /** Says why a request failed, in the sidebar's words. */
  explain: (failure: JQuery.jqXHR<unknown>) => string;
  element: <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string | null) => HTMLElementTagNameMap[K];
  /** "3 min ago", the exact time as the tooltip. */
  when: (iso: string) => HTMLSpanElement;
}

type LoggedDelivery = import('../plaid/store/delivery-record').LoggedDelivery;

interface DeliveriesAnswer {
  as_of: string;
  total: number;
  deliveries: LoggedDelivery[];
  receivers: Array<{ id: string; name: string; log_retention_days: number; rejected: number }>;
}

interface ReplayAnswer {
  replayed: number;
  not_replayed: Array<{ id: string; reason: string; detail?: string }>;
}

function plaidDeliveriesView(constants: DeliveriesViewConstants) {
  /** How many deliveries a listing shows, newest first. */
  const LIMIT = 100;
  const SINCE_HOURS = ['', '1', '24', '168'];
  /** The item_id filter is read once typing pauses this long. */
  const TYPING_PAUSE_MS = 250;

  function create(options: DeliveriesViewOptions) {
    const { _, explain, element, when } = options;
    const state = { storeId: '', code: '', itemId: '', sinceHours: '', shownId: '', asOf: '', total: 0 };
    /** The filter of the listing shown: a replay of all matching replays what it counted. */
    let listed: Record<string, string> = {};
    const selected = new Set<string>();
    let latest = 0;
    let receivers: DeliveriesAnswer['receivers'] = [];

    const root = element('div', 'plaid-deliveries');
    const filters = root.appendChild(element('div', 'plaid-deliveries-filters'));
    const codeSelect = filters.appendChild(element('select', 'plaid-deliveries-code'));
    codeSelect.setAttribute('aria-label', _('deliveries.code'));
    for (const [value, label] of [['', _('deliveries.allCodes')], ...constants.codes.map((code) => [code, code])]) {
      const option = codeSelect.appendChild(element('option', undefined, label));
      option.value = value;
    }
    const sinceSelect = filters.appendChild(element('select', 'plaid-deliveries-since'));
    sinceSelect.setAttribute('aria-label', _('deliveries.since'));
    for (const hours of SINCE_HOURS) {
      const option = sinceSelect.appendChild(element('option', undefined, _(`deliveries.sinceHours.${hours || 'any'}`)));
      option.value = hours;
    }
    const itemInput = filters.appendChild(element('input', 'plaid-deliveries-item'));
    itemInput.type = 'search';
    itemInput.placeholder = _('deliveries.itemId');
    itemInput.setAttribute('aria-label', _('deliveries.itemId'));

    const actions = root.appendChild(element('div', 'plaid-deliveries-actions'));
    const summary = actions.appendChild(element('span', 'plaid-deliveries-summary'));
    const replaySelected = actions.appendChild(element('button', 'red-ui-button red-ui-button-small plaid-deliveries-replay-selected'));
    replaySelected.type = 'button';
    const replayMatching = actions.appendChild(element('button', 'red-ui-button red-ui-button-small plaid-deliveries-replay-matching'));
    replayMatching.type = 'button';
    /** What the store's plaid-webhook-in nodes refused (failed verification and the like): counted, never logged. */
    const refused = root.appendChild(element('div', 'plaid-deliveries-refused'));
    refused.hidden = true;
    const message = root.appendChild(element('div', 'plaid-deliveries-message'));
    /** What the last replay did (kept while the listing is read again). */
    const result = root.appendChild(element('div', 'plaid-deliveries-result'));

    const table = root.appendChild(element('div', 'plaid-deliveries-table-wrap')).appendChild(element('table', 'plaid-deliveries-table'));
    const head = table.appendChild(element('thead')).appendChild(element('tr'));
    head.appendChild(element('th'));
    for (const column of ['received', 'code', 'item_id', 'node', 'outcome']) head.appendChild(element('th', undefined, _(`deliveries.column.${column}`)));
    const rows = table.appendChild(element('tbody'));
    const bodyBox = root.appendChild(element('div', 'plaid-deliveries-body'));
    bodyBox.hidden = true;

    function nodeName(id: string): string {
      const running = receivers.find((receiver) => receiver.id === id);
      if (running) return running.name;
      // The editor's node: its settings, any of them (the package's types call it an object).
      const node = RED.nodes.node(id) as { name?: unknown } | null;
      return typeof node?.name === 'string' && node.name ? node.name : id;
    }

    function filterParams(): Record<string, string> {
      const params: Record<string, string> = {};
      if (state.code) params.code = state.code;
      if (state.itemId.trim()) params.item_id = state.itemId.trim();
      if (state.sinceHours) params.since = new Date(Date.now() - Number(state.sinceHours) * 3600e3).toISOString();
      return params;
    }

    function renderActions(): void {
      summary.textContent = state.storeId ? _(state.total > LIMIT ? 'deliveries.totalShown' : 'deliveries.total', { count: String(state.total), shown: String(LIMIT) }) : '';
      replaySelected.textContent = _('deliveries.replaySelected', { count: String(selected.size) });
      replaySelected.disabled = selected.size === 0;
      replayMatching.textContent = _('deliveries.replayMatching', { count: String(state.total) });
      replayMatching.disabled = state.total === 0;
    }

    function renderRefused(): void {
      const counts = receivers.filter((receiver) => receiver.rejected > 0).map((receiver) => `${receiver.name}: ${receiver.rejected}`);
      refused.textContent = counts.length ? _('deliveries.refused', { counts: counts.join(', ') }) : '';
      refused.hidden = counts.length === 0;
    }

    function render(answer: DeliveriesAnswer): void {
      receivers = answer.receivers;
      renderRefused();
      state.asOf = answer.as_of;
      state.total = answer.total;
      const listed = new Set(answer.deliveries.map((delivery) => delivery.id));
      for (const id of Array.from(selected)) if (!listed.has(id)) selected.delete(id);
      rows.replaceChildren();
      for (const delivery of answer.deliveries) {
        const row = rows.appendChild(element('tr', 'plaid-deliveries-row'));
        row.dataset.deliveryId = delivery.id;
        row.classList.toggle('selected', delivery.id === state.shownId);
        const check = row.appendChild(element('td')).appendChild(element('input', 'plaid-deliveries-check'));
        check.type = 'checkbox';
        check.checked = selected.has(delivery.id);
        check.setAttribute('aria-label', _('deliveries.select'));
        check.addEventListener('click', (event) => event.stopPropagation());
        check.addEventListener('change', () => {
          if (check.checked) selected.add(delivery.id);
          else selected.delete(delivery.id);
          renderActions();
        });
        row.appendChild(element('td')).appendChild(when(delivery.received_at));
        const code = row.appendChild(element('td', 'plaid-deliveries-code-cell', delivery.webhook_code));
        code.title = `${delivery.webhook_type} ${delivery.webhook_code}`;
        row.appendChild(element('td', 'plaid-deliveries-item-id', delivery.item_id ?? '')).title = delivery.item_id ?? '';
        row.appendChild(element('td', undefined, nodeName(delivery.node))).title = delivery.node;
        const outcome = row.appendChild(element('td')).appendChild(element('span', `plaid-deliveries-outcome plaid-deliveries-outcome-${delivery.outcome}`, _(`deliveries.outcome.${delivery.outcome}`)));
        outcome.dataset.outcome = delivery.outcome;
        row.addEventListener('click', () => show(delivery.id));
      }
      message.textContent = answer.deliveries.length ? '' : _(Object.keys(filterParams()).length ? 'deliveries.noMatch' : 'deliveries.none');
      renderActions();
    }

    function load(): void {
      const request = ++latest;
      if (!state.storeId) {
        rows.replaceChildren();
        state.total = 0;
        renderActions();
        return;
      }
      const params = filterParams();
      $.ajax({ url: path(), data: { ...params, limit: String(LIMIT) }, dataType: 'json', cache: false }).then(
        (answer: DeliveriesAnswer) => {
          if (request !== latest) return;
          listed = params;
          render(answer);
        },
        (failure: JQuery.jqXHR<unknown>) => {
          if (request !== latest) return;
          rows.replaceChildren();
          state.total = 0;
          renderActions();
          message.textContent = explain(failure);
        },
      );
    }

    function path(suffix = ''): string {
      return `${constants.route}/${encodeURIComponent(state.storeId)}/deliveries${suffix}`;
    }

    function show(id: string): void {
      state.shownId = id;
      for (const row of Array.from(rows.children) as HTMLElement[]) row.classList.toggle('selected', row.dataset.deliveryId === id);
      $.ajax({ url: path(`/${encodeURIComponent(id)}`), dataType: 'json', cache: false }).then(
        (answer: { delivery: LoggedDelivery & { body: unknown } }) => {
          if (state.shownId !== id) return;
          bodyBox.replaceChildren();
          const title = bodyBox.appendChild(element('div', 'plaid-deliveries-body-title'));
          title.appendChild(element('i', 'fa fa-envelope-open-o'));
          title.appendChild(element('span', 'plaid-deliveries-body-what', `${answer.delivery.webhook_type} ${answer.delivery.webhook_code}`));
          const close = title.appendChild(element('button', 'red-ui-button red-ui-button-small plaid-deliveries-body-close'));
          close.type = 'button';
          close.title = _('deliveries.closeBody');
          close.appendChild(element('i', 'fa fa-times'));
          close.addEventListener('click', () => {
            state.shownId = '';
            bodyBox.hidden = true;
            for (const row of Array.from(rows.children) as HTMLElement[]) row.classList.remove('selected');
          });
          bodyBox.appendChild(element('pre', 'plaid-deliveries-json', JSON.stringify(answer.delivery.body, null, 2)));
          bodyBox.hidden = false;
        },
        (failure: JQuery.jqXHR<unknown>) => {
          bodyBox.replaceChildren(element('div', 'plaid-deliveries-problem', explain(failure)));
          bodyBox.hidden = false;
        },
      );
    }

    /** Asks first, naming the count; replays on yes. */
    function confirmReplay(count: number, request: Record<string, unknown>): void {
      const text = element('div', 'plaid-deliveries-confirm');
      text.appendChild(element('p', undefined, _('deliveries.confirm', { count: String(count) })));
      text.appendChild(element('p', undefined, _('deliveries.confirmDetail')));
      // Node-RED's notify answers its element with a close() (the editor's types leave that out).
      const notice = RED.notify($(text), {
        modal: true,
        fixed: true,
        type: 'warning',
        buttons: [
          { text: _('deliveries.cancel'), click: () => notice.close() },
          {
            text: _('deliveries.replay', { count: String(count) }),
            class: 'primary',
            click: () => {
              notice.close();
              replay(request);
            },
          },
        ],
      }) as HTMLDivElement & { close(): void };
    }

    function replay(request: Record<string, unknown>): void {
      result.textContent = _('deliveries.replaying');
      $.ajax({ url: path('/replay'), method: 'POST', contentType: 'application/json', data: JSON.stringify(request), dataType: 'json', cache: false }).then(
        (answer: ReplayAnswer) => {
          selected.clear();
          const reasons = answer.not_replayed.map((entry) => entry.reason).filter((reason, i, all) => all.indexOf(reason) === i);
          result.textContent = answer.not_replayed.length
            ? _('deliveries.replayedSome', { count: String(answer.replayed), failed: String(answer.not_replayed.length), reasons: reasons.map((r) => _(`deliveries.reason.${r}`)).join(', ') })
            : _('deliveries.replayed', { count: String(answer.replayed) });
          load();
        },
        (failure: JQuery.jqXHR<unknown>) => {
          result.textContent = failure.status === 401 || failure.status === 403 ? _('errors.writePermission') : explain(failure);
        },
      );
    }

    replaySelected.addEventListener('click', () => confirmReplay(selected.size, { ids: Array.from(selected) }));
    // Everything matching up to the listing's time: what arrived since is not in the count the person confirmed.
    replayMatching.addEventListener('click', () => confirmReplay(state.total, { ...listed, until: state.asOf }));
    codeSelect.addEventListener('change', () => {
      state.code = codeSelect.value;
      load();
    });
    sinceSelect.addEventListener('change', () => {
      state.sinceHours = sinceSelect.value;
      load();
    });
    onTypingPause(itemInput, TYPING_PAUSE_MS, (itemId) => {
      state.itemId = itemId;
      load();
    });
    renderActions();

    return {
      element: root,
      /** Shows another store's log (the filters stay). */
      setStore(storeId: string): void {
        if (storeId !== state.storeId) {
          selected.clear();
          result.textContent = '';
          state.shownId = '';
          bodyBox.hidden = true;
        }
        state.storeId = storeId;
        load();
      },
      refresh: load,
    };
  }

  return { create };
}
