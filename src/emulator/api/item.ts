// /item/* endpoints.
import { REMOVE_REASON_CODES } from '../model/plaid-enums';
import { itemWebhookPayload } from '../webhooks/payloads';
import { sendWebhook } from '../webhooks/send';
import { itemForAccessToken } from './access-token';
import { defineEndpoint } from './endpoint';
import { errors } from './errors';
import { ACCESS_TOKEN_ONLY, COMMON_RULES } from './rules';
import { itemJson, itemStatusJson } from './views';

export const itemGet = defineEndpoint('/item/get', ACCESS_TOKEN_ONLY, (core, request) => {
  const item = itemForAccessToken(core, request.access_token);
  if (!core.itemGetLimiter.allow(item.item_id)) throw errors.itemGetLimit();
  return { item: itemJson(item), status: itemStatusJson(item) };
});

export const itemRemove = defineEndpoint('/item/remove', {
  access_token: COMMON_RULES.requiredString,
  reason_code: { type: 'string', nullable: true, enum: REMOVE_REASON_CODES },
  reason_note: { type: 'string', nullable: true, maxLength: 512 },
}, (core, request) => {
  const item = itemForAccessToken(core, request.access_token);
  core.state.removeItem(item, request.reason_code ?? null);
  core.itemGetLimiter.forget(item.item_id);
  return {};
});

/**
 * `webhook: null` removes the URL; an absent `webhook` leaves it as it is (the spec: "To remove a webhook from an
 * Item, set to `null`"). Either way Plaid acknowledges at the URL the Item now has, if it has one.
 */
export const itemWebhookUpdate = defineEndpoint('/item/webhook/update', {
  access_token: COMMON_RULES.requiredString,
  webhook: { type: 'string', nullable: true, format: 'url' },
}, (core, request) => {
  const item = itemForAccessToken(core, request.access_token);
  if (request.webhook !== undefined) {
    item.webhook = request.webhook;
    core.counts.webhookUrlsUpdated += 1;
  }
  if (item.webhook) {
    sendWebhook(core, item.webhook, itemWebhookPayload(item, 'WEBHOOK_UPDATE_ACKNOWLEDGED', core.clock.now()), item);
  }
  return { item: itemJson(item) };
});

export const itemAccessTokenInvalidate = defineEndpoint('/item/access_token/invalidate', ACCESS_TOKEN_ONLY,
  (core, request) => {
    const item = itemForAccessToken(core, request.access_token);
    return { new_access_token: core.state.rotateAccessToken(item) };
  });

export const itemPublicTokenExchange = defineEndpoint('/item/public_token/exchange', {
  public_token: COMMON_RULES.requiredString,
}, (core, request) => {
  const token = request.public_token;
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
});
