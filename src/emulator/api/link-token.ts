// /link/token/create: a link token for a new Item, or for an existing one in update mode (access_token, no
// products), with a Hosted Link URL when `hosted_link` is sent. The page at that URL is hosted-link/.
import { isoTime } from '../model/clock';
import {
  HOSTED_LINK_URL_MS, MAX_URL_LIFETIME_SECONDS, NEW_ITEM_LINK_TOKEN_MS, UPDATE_MODE_LINK_TOKEN_MS,
} from '../model/link-tokens';
import { COUNTRY_CODES, HOSTED_LINK_DELIVERY_METHODS, PRODUCTS } from '../model/plaid-enums';
import { hostedLinkUrl } from '../hosted-link/paths';
import { itemForAccessToken } from './access-token';
import { defineEndpoint } from './endpoint';
import { errors } from './errors';
import { COMMON_RULES } from './rules';

const nonEmptyString = { type: 'string', minLength: 1 } as const;
const productList = { type: 'array', nullable: true, items: { type: 'string', enum: PRODUCTS } } as const;

export const linkTokenCreate = defineEndpoint('/link/token/create', {
  client_name: { ...nonEmptyString, required: true },
  language: { ...nonEmptyString, required: true },
  country_codes: { type: 'array', required: true, minItems: 1, items: { type: 'string', enum: COUNTRY_CODES } },
  user: {
    type: 'object',
    fields: {
      client_user_id: { ...nonEmptyString, required: true },
      legal_name: COMMON_RULES.optionalString,
      phone_number: COMMON_RULES.optionalString,
      email_address: COMMON_RULES.optionalString,
    },
  },
  user_id: COMMON_RULES.optionalString,
  products: productList,
  required_if_supported_products: productList,
  optional_products: productList,
  additional_consented_products: productList,
  webhook: COMMON_RULES.url,
  access_token: { ...nonEmptyString, nullable: true },
  link_customization_name: COMMON_RULES.optionalString,
  redirect_uri: COMMON_RULES.optionalString,
  android_package_name: COMMON_RULES.optionalString,
  update: { type: 'object', fields: { account_selection_enabled: { type: 'boolean' } } },
  transactions: { type: 'object', fields: { days_requested: { type: 'integer', minimum: 1, maximum: 730 } } },
  hosted_link: {
    type: 'object',
    fields: {
      delivery_method: { type: 'string', enum: HOSTED_LINK_DELIVERY_METHODS },
      // The spec says only "a URI"; the emulator's page redirects the browser there, so only http(s) is taken: a
      // javascript: or data: URI would run in whatever page sent the person to the link.
      completion_redirect_uri: COMMON_RULES.url,
      url_lifetime_seconds: { type: 'integer', minimum: 1, maximum: MAX_URL_LIFETIME_SECONDS },
      is_mobile_app: { type: 'boolean' },
    },
  },
}, (core, request) => {
  // The spec: "One of either the user_id or the user field is required."
  if (!request.user && !request.user_id) throw errors.missingFields(['user']);
  // Update mode finds the Item first, so an unknown or removed access_token is INVALID_ACCESS_TOKEN whatever else
  // the request says.
  const accessToken = request.access_token;
  const item = typeof accessToken === 'string' ? itemForAccessToken(core, accessToken) : null;
  const products = request.products ?? [];
  if (item && products.length > 0) {
    throw errors.invalidField(
      'products must be omitted when launching Link in update mode (access_token); the Item keeps its products');
  }
  if (!item && !request.products) throw errors.missingFields(['products']);
  if (!item && products.length === 0) throw errors.invalidField('products must contain at least 1 item(s)');

  const hostedLink = request.hosted_link;
  const record = core.linkTokens.create({
    mode: item ? 'update' : 'new',
    item,
    clientName: request.client_name,
    language: request.language,
    countryCodes: request.country_codes,
    clientUserId: request.user?.client_user_id ?? null,
    userId: request.user_id ?? null,
    products,
    webhook: item ? null : request.webhook ?? null,
    redirectUri: request.redirect_uri ?? null,
    // Lifetimes run on the emulator clock, scaled by the time factor like webhook retries, so a test can watch a
    // URL expire.
    expiresAt: core.clock.now() + Math.round(lifetimeMs(item !== null, hostedLink) * core.options.timeFactor),
    hostedLink: hostedLink ? { completionRedirectUri: hostedLink.completion_redirect_uri ?? null } : null,
  });
  core.counts.linkTokensCreated += 1;
  return {
    link_token: record.linkToken,
    expiration: isoTime(record.expiresAt),
    ...(record.hostedLink ? { hosted_link_url: hostedLinkUrl(core, record.hostedLink.id) } : {}),
  };
});

/** With Hosted Link the token lives as long as its URL; otherwise as long as Plaid's default for its mode. */
function lifetimeMs(updating: boolean, hostedLink: { url_lifetime_seconds?: number | null } | null | undefined): number {
  if (hostedLink) return hostedLink.url_lifetime_seconds ? hostedLink.url_lifetime_seconds * 1000 : HOSTED_LINK_URL_MS;
  return updating ? UPDATE_MODE_LINK_TOKEN_MS : NEW_ITEM_LINK_TOKEN_MS;
}
