// The Plaid Items sidebar's repair cases (plaid-item-repair): the selected store's open cases, soonest due first,
// each with since when, why, the reminders sent and when the next step is due. Hidden while the store has none, so
// the sidebar looks as before for stores without a repair node. Built into the sidebar's script block beside
// items-sidebar.ts, which hands it its helpers and calls load() whenever it reads the store again.

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
  explain: (failure: AjaxFailure) => string;
}

function plaidRepairCasesPanel(host: RepairCasesHost) {
  const { _, element } = host;
  const COLUMNS = ['item_id', 'client_user_id', 'reason', 'opened_at', 'reminders', 'next_due'] as const;
  const root = element('div', 'plaid-items-cases');
  root.hidden = true;
  const title = root.appendChild(element('div', 'plaid-items-cases-title'));
  title.appendChild(element('i', 'fa fa-wrench'));
  const count = title.appendChild(element('span'));
  const message = root.appendChild(element('div', 'plaid-items-problem'));
  const table = root.appendChild(element('div', 'plaid-items-table-wrap')).appendChild(element('table', 'plaid-items-table plaid-items-cases-table'));
  const headRow = table.appendChild(element('thead')).appendChild(element('tr'));
  for (const column of COLUMNS) headRow.appendChild(element('th', undefined, _(`cases.column.${column}`)));
  const rows = table.appendChild(element('tbody'));
  let latest = 0;

  /** "in 5 min", "now" once due, the exact time as the tooltip. */
  function dueIn(iso: string | null): HTMLSpanElement {
    const span = element('span', 'plaid-items-when');
    if (!iso) return span;
    const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
    if (seconds <= 0) span.textContent = _('cases.due');
    else {
      const [unit, size] = seconds < 60 ? ['seconds', 1] : seconds < 3600 ? ['minutes', 60] : seconds < 86400 ? ['hours', 3600] : ['days', 86400];
      span.textContent = _(`cases.in.${unit}`, { count: String(Math.floor(seconds / (size as number))) });
    }
    span.title = new Date(iso).toLocaleString();
    return span;
  }

  function render(cases: SidebarCase[]): void {
    rows.replaceChildren();
    message.textContent = '';
    root.hidden = cases.length === 0;
    count.textContent = _('cases.title', { count: String(cases.length) });
    for (const repairCase of cases) {
      const row = rows.appendChild(element('tr', 'plaid-items-case'));
      row.dataset.itemId = repairCase.item_id;
      const cell = (value: string | null, className?: string) => {
        const td = row.appendChild(element('td', className, value ?? ''));
        if (value) td.title = value;
        return td;
      };
      cell(repairCase.item_id, 'plaid-items-id');
      cell(repairCase.client_user_id);
      cell(repairCase.reason, 'plaid-items-error');
      row.appendChild(element('td')).appendChild(host.when(repairCase.opened_at));
      cell(_('cases.reminders', { sent: String(repairCase.reminders_sent), planned: String(repairCase.reminders_planned) }));
      const due = row.appendChild(element('td'));
      due.appendChild(dueIn(repairCase.next_due));
      if (repairCase.deadline) due.title = _('cases.deadline', { deadline: new Date(repairCase.deadline).toLocaleString() });
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
      (failure: AjaxFailure) => {
        if (request !== latest) return;
        rows.replaceChildren();
        root.hidden = false;
        message.textContent = host.explain(failure);
      },
    );
  }

  return { root, load };
}
