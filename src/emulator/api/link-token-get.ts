// /link/token/get: a link token's settings and its Link session as it happened on the Hosted Link page (started,
// finished, the Item a successful session added, or how the person exited), kept six hours after the session ended
// as Plaid keeps it. A token without Hosted Link has no session: nobody opens Link in the emulator otherwise.
import { isoTime } from '../model/clock';
import type { Institution } from '../model/institutions';
import { EXIT_STATUS, type HostedLinkSession, type LinkTokenRecord } from '../model/link-tokens';
import type { ItemRecord } from '../model/state';
import { defineEndpoint } from './endpoint';
import { errors } from './errors';
import type { JsonObject } from './fields';
import { COMMON_RULES } from './rules';

export const linkTokenGet = defineEndpoint('/link/token/get', {
  link_token: COMMON_RULES.requiredString,
}, (core, request) => {
  const record = core.linkTokens.find(request.link_token);
  if (!record) throw errors.invalidLinkToken();
  const session = record.hostedLink;
  const retained = session && session.startedAt !== null && core.linkTokens.isRetained(session) ? [session] : [];
  return {
    link_token: record.linkToken,
    created_at: isoTime(record.createdAt),
    expiration: isoTime(record.expiresAt),
    link_sessions: retained.map((entry) => linkSessionJson(entry)),
    metadata: metadataJson(record),
    ...(record.userId ? { user_id: record.userId } : {}),
  };
});

/** The link token's settings as /link/token/create received them (the spec's LinkTokenGetMetadataResponse). */
function metadataJson(record: LinkTokenRecord): JsonObject {
  return {
    initial_products: [...record.products],
    webhook: record.webhook,
    country_codes: [...record.countryCodes],
    language: record.language,
    redirect_uri: record.redirectUri,
    client_name: record.clientName,
  };
}

/**
 * One session (the spec's LinkTokenGetSessionsResponse): open, it has started_at only; a successful one has
 * `results` (item_add_results holds the Item a new-mode session added; update mode adds none); an exited one has
 * `exit`. Events newest first, as Plaid lists them.
 */
function linkSessionJson(session: HostedLinkSession): JsonObject {
  const json: JsonObject = {
    link_session_id: session.linkSessionId,
    started_at: isoTime(session.startedAt ?? 0),
    finished_at: session.finishedAt === null ? null : isoTime(session.finishedAt),
    events: [...session.events].reverse(),
  };
  if (session.outcome === 'SUCCESS') {
    json.results = {
      item_add_results: session.added ? [itemAddResultJson(session.added.item, session.added.publicToken)] : [],
      cra_item_add_results: [],
      cra_update_results: [],
      bank_income_results: [],
      payroll_income_results: [],
      document_income_results: null,
    };
  } else if (session.outcome === 'EXITED') {
    json.exit = {
      error: null,
      metadata: {
        institution: session.institution && institutionRefJson(session.institution),
        status: EXIT_STATUS,
        link_session_id: session.linkSessionId,
        request_id: session.events.at(-1)?.event_metadata.request_id ?? '',
      },
    };
  }
  return json;
}

function itemAddResultJson(item: ItemRecord, publicToken: string): JsonObject {
  return {
    public_token: publicToken,
    accounts: item.accounts.map((account) => ({
      id: account.account_id,
      name: account.name,
      mask: account.mask,
      type: account.type,
      subtype: account.subtype,
      verification_status: account.verification_status ?? null,
      class_type: null,
    })),
    institution: institutionRefJson(item.institution),
  };
}

/** The spec's LinkSessionSuccessMetadataInstitution / LinkSessionExitMetadataInstitution. */
function institutionRefJson(institution: Institution): JsonObject {
  return { name: institution.name, institution_id: institution.institution_id };
}
