// The HTML of the Hosted Link pages: plain server-rendered forms a person can use in any browser, no script.
import { SANDBOX_PASSWORD, SANDBOX_USERNAME } from '../api/sandbox';
import type { LinkTokenRecord } from '../model/link-tokens';
import { institutionsFor, type Unusable } from './session';

/** Plaid shows this instead of a client_name longer than 30 characters (the spec's client_name). */
const LONG_NAME_STAND_IN = 'This Application';
const MAX_CLIENT_NAME = 30;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
  main { max-width: 26rem; margin: 4rem auto; background: #fff; border-radius: 12px; padding: 2rem;
         box-shadow: 0 2px 12px rgba(0, 0, 0, .08); }
  h1 { font-size: 1.35rem; margin: 0 0 1rem; }
  p { line-height: 1.45; color: #333; }
  label { display: block; margin: .9rem 0 .3rem; font-weight: 600; }
  input, select { width: 100%; box-sizing: border-box; padding: .55rem; font-size: 1rem; }
  /* Continue comes first in the form, so Enter in a field continues; Exit is still shown on the left. */
  .buttons { display: flex; flex-direction: row-reverse; gap: .75rem; margin-top: 1.5rem; }
  button { flex: 1; padding: .7rem; font-size: 1rem; border-radius: 8px; border: 1px solid #111; cursor: pointer; }
  button.primary { background: #111; color: #fff; }
  button.secondary { background: #fff; color: #111; }
  .error { color: #b00020; font-weight: 600; }
  .hint { font-size: .85rem; color: #666; }
  .sandbox { font-size: .75rem; text-transform: uppercase; letter-spacing: .05em; color: #888; }
</style>
</head>
<body><main>
<div class="sandbox">Plaid emulator · Sandbox</div>
${body}
</main></body>
</html>
`;
}

function clientName(record: LinkTokenRecord): string {
  return record.clientName.length > MAX_CLIENT_NAME ? LONG_NAME_STAND_IN : record.clientName;
}

const buttons = `<div class="buttons">
<button class="primary" type="submit" name="action" value="continue">Continue</button>
<button class="secondary" type="submit" name="action" value="exit">Exit</button>
</div>`;

/** The open session: update mode names the Item's institution; new mode lets the person pick one and log in. */
export function sessionPage(record: LinkTokenRecord, error: string | null = null): string {
  const app = escapeHtml(clientName(record));
  const problem = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';
  if (record.item) {
    const institution = escapeHtml(record.item.institution.name);
    return layout(`Reconnect ${record.item.institution.name}`, `<h1>Reconnect ${institution}</h1>
<p>${app} has lost its connection to your account at <strong>${institution}</strong>. Log in again to restore it.</p>
${problem}
<form method="post">
${buttons}
</form>`);
  }
  const options = institutionsFor(record).map((institution) =>
    `<option value="${escapeHtml(institution.institution_id)}">${escapeHtml(institution.name)}</option>`).join('\n');
  return layout(`Connect your bank to ${clientName(record)}`, `<h1>Connect your bank</h1>
<p>${app} uses Plaid to connect to your bank account.</p>
${problem}
<form method="post">
<label for="institution_id">Institution</label>
<select id="institution_id" name="institution_id">
${options}
</select>
<label for="username">Username</label>
<input id="username" name="username" autocomplete="off" value="${SANDBOX_USERNAME}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="off" value="${SANDBOX_PASSWORD}">
<p class="hint">Sandbox login: ${SANDBOX_USERNAME} / ${SANDBOX_PASSWORD}</p>
${buttons}
</form>`);
}

export function finishedPage(record: LinkTokenRecord, status: 'SUCCESS' | 'EXITED'): string {
  const app = escapeHtml(clientName(record));
  if (status === 'EXITED') {
    return layout('Nothing was changed', `<h1>Nothing was changed</h1>
<p>You left without connecting. You can close this page; ${app} may send you a new link.</p>`);
  }
  const what = record.item ? `Your account at ${escapeHtml(record.item.institution.name)} is connected again`
    : 'Your bank account is connected';
  return layout('All done', `<h1>All done</h1>
<p>${what}. You can close this page and return to ${app}.</p>`);
}

const UNUSABLE_TEXT: Readonly<Record<Unusable, string>> = {
  expired: 'This link has expired.',
  used: 'This link has already been used.',
  unknown: 'This link is not valid.',
};

export function unusablePage(why: Unusable): string {
  return layout('Link expired', `<h1>This link can no longer be used</h1>
<p>${UNUSABLE_TEXT[why]} Ask for a new one to continue.</p>`);
}
