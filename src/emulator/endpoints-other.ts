// /accounts/get (so callers can find an account_id) and /webhook_verification_key/get.
import type { Endpoint } from './endpoint';
import { itemForAccessToken } from './endpoint';
import { errors, PlaidApiError } from './errors';
import { FIELD_TABLES } from './field-tables';
import { accountJson, itemJson } from './views';

interface AccountsGetRequest {
  access_token: string;
  options?: { account_ids?: string[] };
}

const accountsGet: Endpoint = {
  fields: FIELD_TABLES['/accounts/get']!,
  handle(core, body) {
    const request = body as unknown as AccountsGetRequest;
    const item = itemForAccessToken(core, request.access_token);
    // Data endpoints fail while the Item is in an error state; only /item/get shows the error inside the Item.
    if (item.error) {
      throw new PlaidApiError(item.error.status, item.error.error_type, item.error.error_code, item.error.error_message,
        item.error.display_message);
    }
    const wanted = request.options?.account_ids;
    let accounts = item.accounts;
    if (wanted) {
      const unknown = wanted.find((id) => !item.accounts.some((account) => account.account_id === id));
      if (unknown !== undefined) throw errors.invalidAccountId(unknown);
      accounts = accounts.filter((account) => wanted.includes(account.account_id));
    }
    return { accounts: accounts.map(accountJson), item: itemJson(item) };
  },
};

const webhookVerificationKeyGet: Endpoint = {
  fields: FIELD_TABLES['/webhook_verification_key/get']!,
  handle(core, body) {
    const key = core.keys.publicJwk((body as unknown as { key_id: string }).key_id);
    if (!key) throw errors.invalidWebhookVerificationKeyId();
    return { key };
  },
};

export const OTHER_ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  '/accounts/get': accountsGet,
  '/webhook_verification_key/get': webhookVerificationKeyGet,
};
