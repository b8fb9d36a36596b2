// Every Plaid path the emulator answers, each endpoint defined once in the file of its group.
import { accountsGet } from './accounts';
import type { Endpoint } from './endpoint';
import {
  itemAccessTokenInvalidate, itemGet, itemPublicTokenExchange, itemRemove, itemWebhookUpdate,
} from './item';
import {
  sandboxItemFireWebhook, sandboxItemResetLogin, sandboxItemSetVerificationStatus, sandboxPublicTokenCreate,
} from './sandbox';
import { institutionsGetById } from './institutions';
import { linkTokenCreate } from './link-token';
import { linkTokenGet } from './link-token-get';
import { webhookVerificationKeyGet } from './webhook-verification-key';

export const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map([
  itemGet, itemRemove, itemWebhookUpdate, itemAccessTokenInvalidate, itemPublicTokenExchange,
  sandboxPublicTokenCreate, sandboxItemResetLogin, sandboxItemSetVerificationStatus, sandboxItemFireWebhook,
  webhookVerificationKeyGet, accountsGet, linkTokenCreate, linkTokenGet, institutionsGetById,
].map((endpoint) => [endpoint.path, endpoint]));

export type { Endpoint } from './endpoint';
