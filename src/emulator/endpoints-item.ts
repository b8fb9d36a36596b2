// /item/* endpoints.
import type { Endpoint } from './endpoint';
import { itemForAccessToken } from './endpoint';
import { errors } from './errors';
import { FIELD_TABLES } from './field-tables';
import { itemJson, itemStatusJson } from './views';
import { itemWebhookPayload } from './webhook-payloads';
import { sendWebhook } from './webhooks';

interface AccessTokenRequest {
  access_token: string;
}

const itemGet: Endpoint = {
  fields: FIELD_TABLES['/item/get']!,
  handle(core, body) {
    const item = itemForAccessToken(core, (body as unknown as AccessTokenRequest).access_token);
    if (!core.itemGetLimiter.allow(item.item_id)) throw errors.itemGetLimit();
    return { item: itemJson(item), status: itemStatusJson(item) };
  },
};

interface ItemRemoveRequest extends AccessTokenRequest {
  reason_code?: string | null;
}

const itemRemove: Endpoint = {
  fields: FIELD_TABLES['/item/remove']!,
  handle(core, body) {
    const request = body as unknown as ItemRemoveRequest;
    const item = itemForAccessToken(core, request.access_token);
    core.state.removeItem(item, request.reason_code ?? null);
    core.itemGetLimiter.forget(item.item_id);
    return {};
  },
};

interface WebhookUpdateRequest extends AccessTokenRequest {
  webhook?: string | null;
}

/**
 * `webhook: null` removes the URL; an absent `webhook` leaves it as it is (FACTS.md: absent ≠ null). Either way
 * Plaid acknowledges at the URL the Item now has, if it has one.
 */
const itemWebhookUpdate: Endpoint = {
  fields: FIELD_TABLES['/item/webhook/update']!,
  handle(core, body) {
    const request = body as unknown as WebhookUpdateRequest;
    const item = itemForAccessToken(core, request.access_token);
    if (request.webhook !== undefined) {
      item.webhook = request.webhook;
      core.counts.webhookUrlsUpdated += 1;
    }
    if (item.webhook) {
      sendWebhook(core, item.webhook, itemWebhookPayload(item, 'WEBHOOK_UPDATE_ACKNOWLEDGED', core.clock.now()), item);
    }
    return { item: itemJson(item) };
  },
};

const itemAccessTokenInvalidate: Endpoint = {
  fields: FIELD_TABLES['/item/access_token/invalidate']!,
  handle(core, body) {
    const item = itemForAccessToken(core, (body as unknown as AccessTokenRequest).access_token);
    return { new_access_token: core.state.rotateAccessToken(item) };
  },
};

const itemPublicTokenExchange: Endpoint = {
  fields: FIELD_TABLES['/item/public_token/exchange']!,
  handle(core, body) {
    const token = (body as unknown as { public_token: string }).public_token;
    if (!token.startsWith('public-')) {
      throw errors.invalidPublicToken(
        'provided public token is in an invalid format. expected format: public-<environment>-<identifier>');
    }
    const exchange = core.state.exchangePublicToken(token);
    if (exchange === 'unknown') throw errors.invalidPublicToken();
    if (exchange === 'expired') {
      throw errors.invalidPublicToken(
        'provided public token is expired. Public tokens expire 30 minutes after creation at which point they can no longer be exchanged');
    }
    return { access_token: exchange.accessToken, item_id: exchange.item.item_id };
  },
};

export const ITEM_ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  '/item/get': itemGet,
  '/item/remove': itemRemove,
  '/item/webhook/update': itemWebhookUpdate,
  '/item/access_token/invalidate': itemAccessTokenInvalidate,
  '/item/public_token/exchange': itemPublicTokenExchange,
};
