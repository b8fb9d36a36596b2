// The Plaid Items sidebar's key panel: for the selected store, how many Items each of its keys holds (by key id),
// which older keys may be removed, and the Rewrap button that re-encrypts the Items under older keys with the
// current key, a batch per request, with its progress. It shows only while the store has more than one key.
// Reads GET <route>/<store>/keys (plaid-items.read), writes POST <route>/<store>/rewrap (plaid-items.write).

type StoreKeyUsage = import('../plaid/store/key-usage').KeyUsage;
type RewrapAnswer = import('../plaid/store/key-usage').RewrapResult;

interface ItemsKeysOptions {
  /** The stores' routes, relative to the editor's admin root. */
  route: string;
  /** Items per rewrap request (each request is one batch, so the bar moves). */
  batch: number;
  /** The sidebar's translator, for keys under `keys.`. */
  _: (key: string, data?: Record<string, string>) => string;
  element: <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string | null) => HTMLElementTagNameMap[K];
  explain: (failure: JQuery.jqXHR<unknown>) => string;
}

function plaidItemsKeys(options: ItemsKeysOptions) {
  const { _, element } = options;
  const panel = element('div', 'plaid-items-keys');
  panel.hidden = true;
  let storeId = '';
  let request = 0;
  let rewrapping = false;

  const path = (id: string, leaf: string): string => `${options.route}/${encodeURIComponent(id)}/${leaf}`;

  function roleText(key: StoreKeyUsage['keys'][number]): string {
    if (key.role === 'current') return _('keys.current');
    if (key.role === 'older') return _('keys.older', { n: String(key.position) });
    return _('keys.unknown');
  }

  function render(usage: StoreKeyUsage, note?: string): void {
    panel.replaceChildren();
    panel.hidden = usage.keys.length < 2;
    if (panel.hidden) return;
    const title = panel.appendChild(element('div', 'plaid-items-keys-title'));
    title.appendChild(element('i', 'fa fa-key'));
    title.appendChild(element('span', undefined, _('keys.title')));
    const button = title.appendChild(element('button', 'red-ui-button red-ui-button-small plaid-items-rewrap'));
    button.type = 'button';
    button.textContent = _('keys.rewrap', { count: String(usage.pending) });
    button.disabled = rewrapping || (usage.pending === 0 && usage.keyCheck === usage.current);
    button.addEventListener('click', () => rewrap(usage));
    const list = panel.appendChild(element('ul', 'plaid-items-keys-list'));
    for (const key of usage.keys) {
      const row = list.appendChild(element('li', `plaid-items-key plaid-items-key-${key.role}`));
      row.dataset.keyId = key.id;
      row.appendChild(element('code', 'plaid-items-key-id', key.id));
      row.appendChild(element('span', 'plaid-items-key-role', roleText(key)));
      if (usage.keyCheck === key.id && key.role !== 'current') row.appendChild(element('span', 'plaid-items-key-note', _('keys.keyCheck')));
      if (key.removable) row.appendChild(element('span', 'plaid-items-key-removable', _('keys.removable')));
      else if (key.role !== 'current') row.appendChild(element('span', 'plaid-items-key-needed', _('keys.needed')));
      row.appendChild(element('span', 'plaid-items-key-items', _('keys.items', { count: String(key.items) })));
    }
    panel.appendChild(element('div', 'plaid-items-keys-message', note ?? ''));
  }

  function problem(text: string): void {
    panel.replaceChildren(element('div', 'plaid-items-problem', text));
    panel.hidden = false;
  }

  function load(): void {
    const mine = ++request;
    if (!storeId) {
      panel.hidden = true;
      return;
    }
    $.ajax({ url: path(storeId, 'keys'), dataType: 'json', cache: false }).then(
      (usage: StoreKeyUsage) => mine === request && !rewrapping && render(usage),
      (failure: JQuery.jqXHR<unknown>) => mine === request && failure.status !== 404 && problem(options.explain(failure)),
    );
  }

  /** One batch after another, until none is left under an older key or a batch moves nothing. */
  function rewrap(before: StoreKeyUsage): void {
    if (rewrapping) return;
    rewrapping = true;
    const target = storeId;
    const total = Math.max(before.pending, 1);
    let done = 0;
    const progress = element('progress', 'plaid-items-rewrap-progress');
    progress.max = total;
    progress.value = 0;
    const said = element('div', 'plaid-items-keys-message', _('keys.rewrapping', { done: '0', total: String(before.pending) }));
    panel.querySelector('.plaid-items-rewrap')?.setAttribute('disabled', 'disabled');
    panel.querySelector('.plaid-items-keys-message')?.replaceWith(progress, said);
    const finish = (usage: StoreKeyUsage | undefined, note: string): void => {
      rewrapping = false;
      if (usage && target === storeId) render(usage, note);
      else if (target === storeId) problem(note);
    };
    const step = (): void => {
      $.ajax({
        url: path(target, 'rewrap'),
        method: 'POST',
        contentType: 'application/json',
        data: JSON.stringify({ limit: options.batch }),
        dataType: 'json',
        cache: false,
      }).then(
        (answer: RewrapAnswer) => {
          done += answer.rewrapped;
          progress.value = Math.min(done, total);
          said.textContent = _('keys.rewrapping', { done: String(done), total: String(before.pending) });
          if (answer.pending > 0 && answer.rewrapped > 0 && target === storeId) return step();
          const note = answer.pending === 0
            ? _('keys.done', { count: String(done) })
            : _('keys.left', { count: String(answer.pending), items: answer.unreadable.join(', ') });
          finish(answer, note);
        },
        (failure: JQuery.jqXHR<unknown>) => finish(undefined, failure.status === 401 || failure.status === 403 ? _('keys.permission') : options.explain(failure)),
      );
    };
    step();
  }

  return {
    element: panel,
    /** Shows the keys of `id` (the selected store), read afresh; nothing while the store cannot open (`problem`). */
    show(id: string, problem?: string | null): void {
      storeId = problem ? '' : id;
      load();
    },
  };
}
