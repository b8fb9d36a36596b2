// /accounts/get, so callers can find an account_id.
import { itemForAccessToken } from './access-token';
import { defineEndpoint } from './endpoint';
import { errors, PlaidApiError } from './errors';
import { ACCESS_TOKEN_ONLY, COMMON_RULES } from './rules';
import { accountJson, itemJson } from './views';

export const accountsGet = defineEndpoint('/accounts/get', {
  ...ACCESS_TOKEN_ONLY,
  options: { type: 'object', fields: { account_ids: { type: 'array', items: COMMON_RULES.optionalString } } },
}, (core, request) => {
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
});
