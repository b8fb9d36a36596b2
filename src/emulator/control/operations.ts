// Emulator-only operations beyond Plaid's API, shared by the control HTTP API (control-routes.ts) and the
// programmatic API (index.ts): state snapshots, webhooks Plaid cannot be asked to send (PENDING_EXPIRATION,
// SESSION_FINISHED, ...), direct Item creation, login repair, reset.
import { isoTime } from '../model/clock';
import type { EmulatorCore } from '../core';
import { zeroCounts, type Counts } from '../model/counts';
import { errors } from '../api/errors';
import type { FaultConfig } from '../http/faults';
import type { JsonObject } from '../api/fields';
import { newLinkToken, randomUUID } from '../model/ids';
import { DEFAULT_INSTITUTION, INSTITUTIONS, productsNotOffered } from '../model/institutions';
import type { ItemRecord } from '../model/state';
import { newLinkEvent, type LinkMode, type LinkTokenRecord } from '../model/link-tokens';
import { hostedLinkUrl } from '../hosted-link/paths';
import type { DeliveryRecord, DropRule } from '../webhooks/delivery';
import {
  itemAddResultPayload, itemWebhookPayload, linkEventsPayload, sessionFinishedPayload, webhookPayload,
} from '../webhooks/payloads';
import { sendWebhook } from '../webhooks/send';

export interface AccountSnapshot {
  account_id: string;
  name: string;
  mask: string;
  type: string;
  subtype: string;
  verification_status: string | null;
}

export interface ItemSnapshot {
  item_id: string;
  institution_id: string;
  institution_name: string;
  products: string[];
  webhook: string | null;
  /** error_code of the Item's error (e.g. ITEM_LOGIN_REQUIRED), null when healthy. */
  error_code: string | null;
  /** The live access token (null before exchange and after removal). The emulator's tokens guard nothing. */
  access_token: string | null;
  removed: boolean;
  removal_reason: string | null;
  created_at: string;
  last_webhook_code: string | null;
  /** consent_expiration_time announced by PENDING_EXPIRATION, until update mode renews the consent. */
  pending_expiration: string | null;
  /** When the Item's consent expires, as /item/get reports it (null: no expiry). */
  consent_expiration_time: string | null;
  /** What PENDING_DISCONNECT announced, until update mode re-authenticates the Item. */
  pending_disconnect: { reason: string; disconnect_time: string } | null;
  accounts: AccountSnapshot[];
}

export interface LinkTokenSnapshot {
  link_token: string;
  mode: LinkMode;
  /** The Item being repaired (update mode), null for a new Item. */
  item_id: string | null;
  client_user_id: string | null;
  expiration: string;
  hosted_link_url: string | null;
  /** open, expired, or how the Hosted Link session ended; null without Hosted Link. */
  hosted_link_session: 'open' | 'expired' | 'SUCCESS' | 'EXITED' | null;
}

export interface EmulatorSnapshot {
  items: ItemSnapshot[];
  counts: Counts;
  outstandingPublicTokens: number;
  linkTokens: LinkTokenSnapshot[];
  currentKeyId: string;
  faults: FaultConfig;
  pendingDeliveries: number;
  /** Webhooks still to be dropped (webhooks/drop-next), first rule first. */
  webhookDrops: DropRule[];
  /** The emulator clock, ISO 8601. */
  now: string;
}

export function itemSnapshot(item: ItemRecord): ItemSnapshot {
  return {
    item_id: item.item_id,
    institution_id: item.institution.institution_id,
    institution_name: item.institution.name,
    products: [...item.products],
    webhook: item.webhook,
    error_code: item.error ? item.error.error_code : null,
    access_token: item.accessToken,
    removed: item.removed,
    removal_reason: item.removalReason,
    created_at: isoTime(item.createdAt),
    last_webhook_code: item.lastWebhook ? item.lastWebhook.code : null,
    pending_expiration: item.pendingExpiration,
    consent_expiration_time: item.consentExpiresAt === null ? null : isoTime(item.consentExpiresAt),
    pending_disconnect: item.pendingDisconnect && { ...item.pendingDisconnect },
    accounts: item.accounts.map((account) => ({
      account_id: account.account_id,
      name: account.name,
      mask: account.mask,
      type: account.type,
      subtype: account.subtype,
      verification_status: account.verification_status ?? null,
    })),
  };
}

export function snapshot(core: EmulatorCore): EmulatorSnapshot {
  return {
    items: [...core.state.items()].map(itemSnapshot),
    counts: { ...core.counts },
    outstandingPublicTokens: core.state.outstandingPublicTokens(),
    linkTokens: [...core.linkTokens.all()].map((record) => linkTokenSnapshot(core, record)),
    currentKeyId: core.keys.currentKid,
    faults: core.faults.get(),
    pendingDeliveries: core.webhooks.records.filter((record) => record.state === 'pending').length,
    webhookDrops: core.webhooks.pendingDrops(),
    now: isoTime(core.clock.now()),
  };
}

export function linkTokenSnapshot(core: EmulatorCore, record: LinkTokenRecord): LinkTokenSnapshot {
  const session = record.hostedLink;
  return {
    link_token: record.linkToken,
    mode: record.mode,
    item_id: record.item ? record.item.item_id : null,
    client_user_id: record.clientUserId,
    expiration: isoTime(record.expiresAt),
    hosted_link_url: session ? hostedLinkUrl(core, session.id) : null,
    hosted_link_session: !session ? null
      : session.outcome ?? (core.linkTokens.isExpired(record) ? 'expired' : 'open'),
  };
}

/** Fields left out (or null) take their defaults. */
export interface CreateItemRequest {
  institution_id?: string | null;
  initial_products?: string[] | null;
  webhook?: string | null;
}

export interface CreatedItem {
  item_id: string;
  access_token: string;
}

/** An Item ready to use, as if created by /sandbox/public_token/create and exchanged at once. */
export function createItem(core: EmulatorCore, request: CreateItemRequest = {}): CreatedItem {
  const institution = INSTITUTIONS.get(request.institution_id ?? DEFAULT_INSTITUTION.institution_id);
  if (!institution) throw errors.invalidInstitution();
  const products = request.initial_products ?? ['transactions'];
  const notOffered = productsNotOffered(institution, products);
  if (notOffered.length > 0) throw errors.productsNotAtInstitution(institution.institution_id, notOffered);
  const item = core.state.createItem({
    institution,
    products,
    webhook: request.webhook ?? null,
    userId: null,
  });
  const exchange = core.state.exchangePublicToken(core.state.issuePublicToken(item));
  if (typeof exchange === 'string') throw errors.internalServerError(); // cannot happen: the token is brand new
  return { item_id: item.item_id, access_token: exchange.accessToken };
}

/** Fields left out (or null) take their defaults. */
export interface FireRequest {
  /** The Item, by id or by access token; optional only for LINK webhooks sent to an explicit `webhook` URL. */
  item_id?: string | null;
  access_token?: string | null;
  /** Default ITEM. */
  webhook_type?: string | null;
  webhook_code: string;
  /** Destination; default the Item's webhook URL. */
  webhook?: string | null;
  /** Payload fields added to, or replacing, the defaults (e.g. consent_expiration_time, status, public_tokens). */
  fields?: JsonObject | null;
}

export interface FireResult {
  webhook_fired: true;
  delivery_id: number;
  url: string;
  payload: JsonObject;
}

export function fireWebhook(core: EmulatorCore, request: FireRequest): FireResult {
  const item = findItem(core, request);
  const url = request.webhook ?? item?.webhook;
  if (!url) throw errors.sandboxWebhookInvalid();
  const type = request.webhook_type ?? 'ITEM';
  const fields = request.fields ?? {};
  const now = core.clock.now();
  let payload: JsonObject;
  if (type === 'LINK') {
    payload = linkWebhookPayload(core, request.webhook_code, item, url, fields);
  } else if (type === 'ITEM') {
    if (!item) throw errors.missingFields(['item_id']);
    // Acknowledge the URL the webhook goes to, which may be an override rather than the Item's own.
    const destination = request.webhook_code === 'WEBHOOK_UPDATE_ACKNOWLEDGED' ? { new_webhook_url: url } : {};
    payload = itemWebhookPayload(item, request.webhook_code, now, { ...destination, ...fields });
  } else {
    payload = webhookPayload(type, request.webhook_code, { ...(item ? { item_id: item.item_id } : {}), ...fields });
  }
  const delivery: DeliveryRecord = sendWebhook(core, url, payload, item ?? null);
  return { webhook_fired: true, delivery_id: delivery.id, url, payload };
}

function findItem(core: EmulatorCore, request: FireRequest): ItemRecord | undefined {
  if (request.item_id !== undefined && request.item_id !== null) {
    const item = core.state.findById(request.item_id);
    if (!item) throw errors.itemNotFound();
    return item;
  }
  if (request.access_token !== undefined && request.access_token !== null) {
    const item = core.state.findByAccessToken(request.access_token);
    if (!item) throw errors.invalidAccessToken();
    return item;
  }
  return undefined;
}

/**
 * A LINK webhook about a made-up session (its own link_session_id and link_token). A successful SESSION_FINISHED
 * and an ITEM_ADD_RESULT carry the public token of a new Item (at the given Item's institution), ready to exchange,
 * unless the caller supplies public_tokens / public_token; EVENTS carries an OPEN and a HANDOFF unless the caller
 * supplies events. Another code gets the session's ids and the caller's fields.
 */
function linkWebhookPayload(core: EmulatorCore, code: string, item: ItemRecord | undefined, url: string, fields: JsonObject): JsonObject {
  const session = { link_session_id: randomUUID(), link_token: newLinkToken() };
  const linkedPublicToken = () => {
    const linked = core.state.createItem({
      institution: item?.institution ?? DEFAULT_INSTITUTION,
      products: item?.products ?? ['transactions'],
      webhook: url,
      userId: item?.userId ?? null,
    });
    return core.state.issuePublicToken(linked);
  };
  switch (code) {
    case 'SESSION_FINISHED': {
      const status = typeof fields.status === 'string' ? fields.status : 'SUCCESS';
      const publicTokens = status === 'SUCCESS' && fields.public_tokens === undefined ? [linkedPublicToken()] : [];
      return sessionFinishedPayload({ status, ...session, public_tokens: publicTokens }, fields);
    }
    case 'ITEM_ADD_RESULT':
      return itemAddResultPayload(session, fields.public_token === undefined ? linkedPublicToken() : typeof fields.public_token === 'string' ? fields.public_token : JSON.stringify(fields.public_token), fields);
    case 'EVENTS': {
      const now = core.clock.now();
      const events = ['OPEN', 'HANDOFF'].map((name) => newLinkEvent(name, now, { request_id: core.nextRequestId() }));
      return linkEventsPayload(session, events, fields);
    }
    default:
      return webhookPayload('LINK', code, { ...session, ...fields });
  }
}

/** Clears the Item's error (the user went through update mode) and sends LOGIN_REPAIRED if it has a webhook. */
export function repairItem(core: EmulatorCore, itemId: string): ItemSnapshot {
  const item = core.state.findById(itemId);
  if (!item) throw errors.itemNotFound();
  item.error = null;
  core.counts.loginRepairs += 1;
  if (item.webhook) sendWebhook(core, item.webhook, itemWebhookPayload(item, 'LOGIN_REPAIRED', core.clock.now()), item);
  return itemSnapshot(item);
}

/** Forgets Items, tokens (link tokens too), counts, faults and deliveries (pending retries are cancelled). Keys stay. */
export function resetEmulator(core: EmulatorCore): void {
  core.webhooks.clear();
  core.state.clear();
  core.linkTokens.clear();
  core.itemGetLimiter.clear();
  core.faults.set({});
  zeroCounts(core.counts);
}
