// What a person's choice on a Hosted Link page does. Continue in update mode repairs the Item; in new mode it
// creates one (after the sandbox login) and hands its public token over. Exit changes nothing. Either way the session
// ends, and LINK SESSION_FINISHED goes to the Item's webhook (update mode) or the link token's (new mode).
import { errors } from '../api/errors';
import { isHttpUrl } from '../api/fields';
import type { EmulatorCore } from '../core';
import { SANDBOX_PASSWORD, SANDBOX_USERNAME } from '../api/sandbox';
import { DEFAULT_INSTITUTION, INSTITUTIONS, type Institution } from '../model/institutions';
import type { LinkTokenRecord } from '../model/link-tokens';
import { sessionFinishedPayload } from '../webhooks/payloads';
import { sendWebhook } from '../webhooks/send';

/** Why a Hosted Link URL can no longer be used. */
export type Unusable = 'unknown' | 'expired' | 'used';

/** The open session behind a Hosted Link id, or why there is none. */
export function openSession(core: EmulatorCore, id: string): LinkTokenRecord | Unusable {
  const record = core.linkTokens.findByHostedLinkId(id);
  if (!record?.hostedLink || record.item?.removed) return 'unknown';
  if (record.hostedLink.outcome !== null) return 'used';
  if (core.linkTokens.isExpired(record)) return 'expired';
  return record;
}

/** New mode: Link lists only the institutions that support every product the token asks for. */
export function institutionsFor(record: LinkTokenRecord): Institution[] {
  return [...INSTITUTIONS.values()].filter((institution) =>
    record.products.every((product) => institution.products.includes(product)));
}

export interface ContinueForm {
  institutionId?: string;
  username?: string;
  password?: string;
}

/** `error`: what the page tells the person (the session stays open); otherwise the session has ended. */
export type Continued = { ended: true; redirectTo: string | null } | { ended: false; error: string };

export function continueSession(core: EmulatorCore, record: LinkTokenRecord, form: ContinueForm): Continued {
  let publicTokens: string[] = [];
  if (record.item) {
    core.state.renewThroughUpdateMode(record.item);
  } else {
    const institutionId = form.institutionId ?? DEFAULT_INSTITUTION.institution_id;
    const institution = institutionsFor(record).find((candidate) => candidate.institution_id === institutionId);
    if (!institution) return { ended: false, error: 'Choose one of the listed institutions.' };
    if (form.username !== SANDBOX_USERNAME || form.password !== SANDBOX_PASSWORD) {
      return { ended: false, error: errors.invalidCredentials().displayMessage ?? 'The credentials were not correct.' };
    }
    const item = core.state.createItem({
      institution,
      products: record.products,
      webhook: record.webhook,
      userId: record.userId,
    });
    publicTokens = [core.state.issuePublicToken(item)];
  }
  finish(core, record, 'SUCCESS', publicTokens);
  return { ended: true, redirectTo: completionRedirect(record) };
}

export function exitSession(core: EmulatorCore, record: LinkTokenRecord): { redirectTo: string | null } {
  finish(core, record, 'EXITED', []);
  return { redirectTo: completionRedirect(record) };
}

/**
 * Where the browser goes when the session ends: completion_redirect_uri, only if it is an http(s) URL. The field
 * check of /link/token/create already refuses others; this keeps the page from ever redirecting to a javascript: URI
 * whatever made the record.
 */
export function completionRedirect(record: LinkTokenRecord): string | null {
  const uri = record.hostedLink?.completionRedirectUri ?? null;
  return uri !== null && isHttpUrl(uri) ? uri : null;
}

function finish(core: EmulatorCore, record: LinkTokenRecord, status: 'SUCCESS' | 'EXITED', publicTokens: string[]): void {
  const session = record.hostedLink;
  if (!session) return;
  session.outcome = status;
  core.counts.linkSessionsFinished += 1;
  // Update mode ignores the link token's webhook (the spec: "In update mode, this field will not have an effect").
  const url = record.item ? record.item.webhook : record.webhook;
  if (!url) return;
  const payload = sessionFinishedPayload({
    status,
    link_session_id: session.linkSessionId,
    link_token: record.linkToken,
    public_tokens: publicTokens,
  }, record.userId ? { user_id: record.userId } : {});
  // LINK webhooks carry no item_id and are not an Item's status.last_webhook.
  sendWebhook(core, url, payload, null);
}
