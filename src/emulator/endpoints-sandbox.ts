// /sandbox/* endpoints.
import type { Endpoint } from './endpoint';
import { itemForAccessToken } from './endpoint';
import { errors } from './errors';
import { FIELD_TABLES } from './field-tables';
import { INSTITUTIONS } from './institutions';
import { INITIAL_PRODUCTS } from './plaid-enums';
import { FIRE_WEBHOOK_TYPES, itemWebhookPayload, sandboxFirePayload, verificationStatusPayload } from './webhook-payloads';
import { sendWebhook } from './webhooks';

const SANDBOX_USERNAME = 'user_good';
const SANDBOX_PASSWORD = 'pass_good';

interface PublicTokenCreateRequest {
  institution_id: string;
  initial_products: string[];
  options?: { webhook?: string; override_username?: string | null; override_password?: string | null };
  user_id?: string;
}

const sandboxPublicTokenCreate: Endpoint = {
  fields: FIELD_TABLES['/sandbox/public_token/create']!,
  handle(core, body) {
    const request = body as unknown as PublicTokenCreateRequest;
    const institution = INSTITUTIONS.get(request.institution_id);
    if (!institution) throw errors.invalidInstitution();
    const notInitial = request.initial_products.filter((product) => !INITIAL_PRODUCTS.has(product));
    if (notInitial.length > 0) throw errors.invalidProduct(notInitial);
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
  },
};

const sandboxItemResetLogin: Endpoint = {
  fields: FIELD_TABLES['/sandbox/item/reset_login']!,
  handle(core, body) {
    const item = itemForAccessToken(core, (body as unknown as { access_token: string }).access_token);
    item.error = errors.itemLoginRequired().toNested();
    core.counts.loginResets += 1;
    if (item.webhook) sendWebhook(core, item.webhook, itemWebhookPayload(item, 'ERROR', core.clock.now()), item);
    return { reset_login: true };
  },
};

interface SetVerificationStatusRequest {
  access_token: string;
  account_id: string;
  verification_status: string;
}

const sandboxItemSetVerificationStatus: Endpoint = {
  fields: FIELD_TABLES['/sandbox/item/set_verification_status']!,
  handle(core, body) {
    const request = body as unknown as SetVerificationStatusRequest;
    const item = itemForAccessToken(core, request.access_token);
    const account = item.accounts.find((candidate) => candidate.account_id === request.account_id);
    if (!account) throw errors.invalidAccountId(request.account_id);
    account.verification_status = request.verification_status;
    core.counts.verificationStatusesSet += 1;
    if (item.webhook) {
      sendWebhook(core, item.webhook, verificationStatusPayload(item, account.account_id, request.verification_status), item);
    }
    return {};
  },
};

interface FireWebhookRequest {
  access_token: string;
  webhook_type?: string;
  webhook_code: string;
}

const sandboxItemFireWebhook: Endpoint = {
  fields: FIELD_TABLES['/sandbox/item/fire_webhook']!,
  handle(core, body) {
    const request = body as unknown as FireWebhookRequest;
    const allowedTypes = FIRE_WEBHOOK_TYPES[request.webhook_code];
    if (!allowedTypes) {
      throw errors.invalidField(`webhook_code ${request.webhook_code} cannot be fired by the emulator`);
    }
    const type = request.webhook_type ?? allowedTypes[0]!;
    if (!allowedTypes.includes(type)) {
      throw errors.invalidField(
        `webhook_code ${request.webhook_code} is not valid for webhook_type ${type} (valid: ${allowedTypes.join(', ')})`);
    }
    const item = itemForAccessToken(core, request.access_token);
    if (!item.webhook) throw errors.sandboxWebhookInvalid();
    sendWebhook(core, item.webhook, sandboxFirePayload(item, type, request.webhook_code, core.clock.now()), item);
    return { webhook_fired: true };
  },
};

export const SANDBOX_ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  '/sandbox/public_token/create': sandboxPublicTokenCreate,
  '/sandbox/item/reset_login': sandboxItemResetLogin,
  '/sandbox/item/set_verification_status': sandboxItemSetVerificationStatus,
  '/sandbox/item/fire_webhook': sandboxItemFireWebhook,
};
