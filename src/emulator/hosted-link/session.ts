// What a person does on a Hosted Link page. Opening it starts the session. Continue in update mode repairs the
// Item; in new mode it creates one (after the sandbox login) and hands its public token over. Exit changes nothing.
// Either way the session ends, and LINK SESSION_FINISHED goes to the Item's webhook (update mode) or the link
// token's (new mode). Each step is noted as a Link event, for /link/token/get.
import { errors } from '../api/errors';
import { isHttpUrl } from '../api/fields';
import type { EmulatorCore } from '../core';
import { SANDBOX_PASSWORD, SANDBOX_USERNAME } from '../api/sandbox';
import { DEFAULT_INSTITUTION, INSTITUTIONS, type Institution } from '../model/institutions';
import { EXIT_STATUS, newLinkEvent, type HostedLinkSession, type LinkTokenRecord } from '../model/link-tokens';
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

/** The person opened the page (or posted to it without opening it first): the session starts, once. */
export function startSession(core: EmulatorCore, record: LinkTokenRecord): void {
  const session = record.hostedLink;
  if (!session || session.startedAt !== null) return;
  session.startedAt = core.clock.now();
  noteEvent(core, session, 'OPEN', record.item ? institutionMetadata(record.item.institution) : {});
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
  const session = record.hostedLink;
  if (!session) return { ended: false, error: 'This link has no Hosted Link session.' };
  let publicTokens: string[] = [];
  if (record.item) {
    core.state.renewThroughUpdateMode(record.item);
    session.institution = record.item.institution;
  } else {
    const institutionId = form.institutionId ?? DEFAULT_INSTITUTION.institution_id;
    const institution = institutionsFor(record).find((candidate) => candidate.institution_id === institutionId);
    if (!institution) return { ended: false, error: 'Choose one of the listed institutions.' };
    session.institution = institution;
    noteEvent(core, session, 'SELECT_INSTITUTION', institutionMetadata(institution));
    noteEvent(core, session, 'SUBMIT_CREDENTIALS', institutionMetadata(institution));
    if (form.username !== SANDBOX_USERNAME || form.password !== SANDBOX_PASSWORD) {
      const refused = errors.invalidCredentials();
      noteEvent(core, session, 'ERROR', {
        ...institutionMetadata(institution), error_type: refused.errorType, error_code: refused.errorCode, error_message: refused.message,
      });
      return { ended: false, error: refused.displayMessage ?? 'The credentials were not correct.' };
    }
    const item = core.state.createItem({
      institution,
      products: record.products,
      webhook: record.webhook,
      userId: record.userId,
    });
    const publicToken = core.state.issuePublicToken(item);
    session.added = { item, publicToken };
    publicTokens = [publicToken];
  }
  noteEvent(core, session, 'HANDOFF', institutionMetadata(session.institution));
  finish(core, record, 'SUCCESS', publicTokens);
  return { ended: true, redirectTo: completionRedirect(record) };
}

export function exitSession(core: EmulatorCore, record: LinkTokenRecord): { redirectTo: string | null } {
  if (record.hostedLink) {
    record.hostedLink.institution = record.item?.institution ?? null;
    noteEvent(core, record.hostedLink, 'EXIT', {
      ...institutionMetadata(record.hostedLink.institution), exit_status: EXIT_STATUS,
    });
  }
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
  session.finishedAt = core.clock.now();
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

function noteEvent(core: EmulatorCore, session: HostedLinkSession, name: string, metadata: Record<string, string>): void {
  session.events.push(newLinkEvent(name, core.clock.now(), { ...metadata, request_id: core.nextRequestId() }));
}

function institutionMetadata(institution: Institution | null): Record<string, string> {
  return institution ? { institution_id: institution.institution_id, institution_name: institution.name } : {};
}
