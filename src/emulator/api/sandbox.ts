// /sandbox/* endpoints.
import { INSTITUTIONS, productsNotOffered } from '../model/institutions';
import {
  FIRE_WEBHOOK_CODES, INCOME_SOURCE_TYPES, INITIAL_PRODUCTS, PRODUCTS, VERIFICATION_STATUSES, WEBHOOK_TYPES,
} from '../model/plaid-enums';
import {
  FIRE_WEBHOOK_PRODUCT, FIRE_WEBHOOK_TYPES, itemWebhookPayload, sandboxFirePayload, verificationStatusPayload,
} from '../webhooks/payloads';
import { sendWebhook } from '../webhooks/send';
import { itemForAccessToken } from './access-token';
import { defineEndpoint } from './endpoint';
import { errors } from './errors';
import { ACCESS_TOKEN_ONLY, COMMON_RULES } from './rules';

/** The sandbox credentials that always log in (Plaid's docs, "Sandbox test credentials"). */
export const SANDBOX_USERNAME = 'user_good';
export const SANDBOX_PASSWORD = 'pass_good';

export const sandboxPublicTokenCreate = defineEndpoint('/sandbox/public_token/create', {
  institution_id: COMMON_RULES.requiredString,
  initial_products: { type: 'array', required: true, minItems: 1, items: { type: 'string', enum: PRODUCTS } },
  options: {
    type: 'object',
    fields: {
      webhook: COMMON_RULES.url,
      override_username: { type: 'string', nullable: true },
      override_password: { type: 'string', nullable: true },
      transactions: {
        type: 'object',
        nullable: true,
        fields: {
          start_date: COMMON_RULES.date,
          end_date: COMMON_RULES.date,
          days_requested: { type: 'integer', minimum: 1, maximum: 730 },
        },
      },
      statements: {
        type: 'object',
        nullable: true,
        fields: {
          start_date: { ...COMMON_RULES.date, required: true },
          end_date: { ...COMMON_RULES.date, required: true },
        },
      },
      income_verification: {
        type: 'object',
        fields: {
          income_source_types: { type: 'array', items: { type: 'string', enum: INCOME_SOURCE_TYPES } },
          bank_income: { type: 'object', fields: { days_requested: { type: 'integer' } } },
        },
      },
    },
  },
  user_token: COMMON_RULES.optionalString,
  user_id: COMMON_RULES.optionalString,
}, (core, request) => {
  const institution = INSTITUTIONS.get(request.institution_id);
  if (!institution) throw errors.invalidInstitution();
  const notInitial = request.initial_products.filter((product) => !INITIAL_PRODUCTS.has(product));
  if (notInitial.length > 0) throw errors.invalidProduct(notInitial);
  // INVALID_PRODUCT rather than PRODUCTS_NOT_SUPPORTED: that one is an ITEM_ERROR about data asked of an existing
  // Item, while here no Item exists yet and the request's input is what is wrong.
  const notOffered = productsNotOffered(institution, request.initial_products);
  if (notOffered.length > 0) throw errors.productsNotAtInstitution(institution.institution_id, notOffered);
  const options = request.options ?? {};
  if ((options.override_username ?? SANDBOX_USERNAME) !== SANDBOX_USERNAME
    || (options.override_password ?? SANDBOX_PASSWORD) !== SANDBOX_PASSWORD) {
    throw errors.invalidCredentials();
  }
  const item = core.state.createItem({
    institution,
    products: [...new Set(request.initial_products)],
    webhook: options.webhook ?? null,
    userId: request.user_id ?? null,
  });
  return { public_token: core.state.issuePublicToken(item) };
});

export const sandboxItemResetLogin = defineEndpoint('/sandbox/item/reset_login', ACCESS_TOKEN_ONLY, (core, request) => {
  const item = itemForAccessToken(core, request.access_token);
  item.error = errors.itemLoginRequired().toNested();
  core.counts.loginResets += 1;
  if (item.webhook) sendWebhook(core, item.webhook, itemWebhookPayload(item, 'ERROR', core.clock.now()), item);
  return { reset_login: true };
});

export const sandboxItemSetVerificationStatus = defineEndpoint('/sandbox/item/set_verification_status', {
  access_token: COMMON_RULES.requiredString,
  account_id: COMMON_RULES.requiredString,
  verification_status: { type: 'string', required: true, enum: VERIFICATION_STATUSES },
}, (core, request) => {
  const item = itemForAccessToken(core, request.access_token);
  const account = item.accounts.find((candidate) => candidate.account_id === request.account_id);
  if (!account) throw errors.invalidAccountId(request.account_id);
  account.verification_status = request.verification_status;
  core.counts.verificationStatusesSet += 1;
  if (item.webhook) {
    sendWebhook(core, item.webhook, verificationStatusPayload(item, account.account_id, request.verification_status), item);
  }
  return {};
});

export const sandboxItemFireWebhook = defineEndpoint('/sandbox/item/fire_webhook', {
  access_token: COMMON_RULES.requiredString,
  webhook_type: { type: 'string', enum: WEBHOOK_TYPES },
  webhook_code: { type: 'string', required: true, enum: FIRE_WEBHOOK_CODES },
}, (core, request) => {
  const allowedTypes = FIRE_WEBHOOK_TYPES[request.webhook_code];
  if (!allowedTypes) {
    throw errors.invalidField(`webhook_code ${request.webhook_code} cannot be fired by the emulator`);
  }
  const type = request.webhook_type ?? allowedTypes[0];
  if (!allowedTypes.includes(type)) {
    throw errors.invalidField(
      `webhook_code ${request.webhook_code} is not valid for webhook_type ${type} (valid: ${allowedTypes.join(', ')})`);
  }
  const item = itemForAccessToken(core, request.access_token);
  const product = FIRE_WEBHOOK_PRODUCT[type];
  if (product && !item.products.includes(product)) throw errors.sandboxProductNotEnabled(product);
  if (!item.webhook) throw errors.sandboxWebhookInvalid();
  sendWebhook(core, item.webhook, sandboxFirePayload(item, type, request.webhook_code, core.clock.now()), item);
  return { webhook_fired: true };
});
