// The Plaid Items sidebar's repair cases (plaid-item-repair): the selected store's open cases, soonest due first,
// each in two lines: the Item and why, then its user, since when, the reminders sent and when the next step is due.
// Hidden while the store has none, so the sidebar looks as before for stores without a repair node. Built into the
// sidebar's script block beside items-sidebar.ts, which hands it its helpers and calls load() whenever it reads the
// store again.

type SidebarCase = import('../plaid/repair/case-overview').CaseOverview;

interface RepairCasesHost {
  /** The sidebar's translator (its locale catalogue). */
  _: (key: string, data?: Record<string, string>) => string;
  element: <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string | null) => HTMLElementTagNameMap[K];
  getJson: <T>(path: string) => Promise<T>;
  /** "3 min ago", the exact time as its tooltip. */
  when: (iso: string | null | undefined) => HTMLSpanElement;
  /** The route of a store (its id encoded). */
  storePath: (storeId: string) => string;
  explain: (failure: RouteFailure) => string;
}

function plaidRepairCasesPanel(host: RepairCasesHost) {
  const { _, element } = host;
  const root = element('div', 'plaid-items-cases');
  root.hidden = true;
  const title = root.appendChild(element('div', 'plaid-items-cases-title'));
  title.appendChild(element('i', 'fa fa-wrench'));
  const count = title.appendChild(element('span'));
  const message = root.appendChild(element('div', 'plaid-items-problem'));
  const list = root.appendChild(element('div', 'plaid-items-cases-list'));
  let latest = 0;

  /** "in 5 min", "now" once due, the exact time as the tooltip. */
  function dueIn(iso: string | null): HTMLSpanElement {
    const span = element('span', 'plaid-items-when');
    if (!iso) return span;
    const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
    if (seconds <= 0) span.textContent = _('cases.due');
    else {
      const [unit, size] = seconds < 60 ? ['seconds', 1] : seconds < 3600 ? ['minutes', 60] : seconds < 86400 ? ['hours', 3600] : ['days', 86400];
      span.textContent = _(`cases.in.${unit}`, { count: String(Math.floor(seconds / size)) });
    }
    span.title = new Date(iso).toLocaleString();
    return span;
  }

  /** Two lines a case, readable at the sidebar's default width: the Item and why, then who, since when, reminders, next. */
  function render(cases: SidebarCase[]): void {
    list.replaceChildren();
    message.textContent = '';
    root.hidden = cases.length === 0;
    count.textContent = _('cases.title', { count: String(cases.length) });
    for (const repairCase of cases) {
      const entry = list.appendChild(element('div', 'plaid-items-case'));
      entry.dataset.itemId = repairCase.item_id;
      const head = entry.appendChild(element('div', 'plaid-items-case-head'));
      const id = head.appendChild(element('span', 'plaid-items-id', repairCase.item_id));
      id.title = repairCase.item_id;
      head.appendChild(element('span', 'plaid-items-error', repairCase.reason));
      const meta = entry.appendChild(element('div', 'plaid-items-case-meta'));
      if (repairCase.client_user_id) meta.appendChild(element('span', undefined, repairCase.client_user_id));
      const since = meta.appendChild(element('span', undefined, `${_('cases.since')} `));
      since.appendChild(host.when(repairCase.opened_at));
      meta.appendChild(element('span', undefined, _('cases.reminders', { sent: String(repairCase.reminders_sent), planned: String(repairCase.reminders_planned) })));
      const next = meta.appendChild(element('span', undefined, `${_('cases.next')} `));
      next.appendChild(dueIn(repairCase.next_due));
      if (repairCase.deadline) next.title = _('cases.deadline', { deadline: new Date(repairCase.deadline).toLocaleString() });
    }
  }

  /** Reads the store's open cases (none for no store). */
  function load(storeId: string): void {
    const request = ++latest;
    if (!storeId) {
      render([]);
      return;
    }
    host.getJson<{ cases: SidebarCase[] }>(`${host.storePath(storeId)}/cases`).then(
      (answer) => request === latest && render(answer.cases),
      (failure: RouteFailure) => {
        if (request !== latest) return;
        list.replaceChildren();
        root.hidden = false;
        message.textContent = host.explain(failure);
      },
    );
  }

  return { root, load };
}
