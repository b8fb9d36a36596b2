// The endpoint table: one row per Plaid endpoint, driving the client's retry policy, the endpoint nodes and their
// editor dialogs. Adding an endpoint is a row here plus its help text in nodes/locales/en-US/plaid-endpoints.html.

/**
 * `idempotent`: repeating the call cannot lose or double an effect, so 429, 5xx, timeouts and connection failures
 * are retried. `refused-only`: a repeat after the request may have reached Plaid could orphan an Item, lose a token
 * or fire a second webhook, so only a 429 (Plaid did nothing) or a refused connection (nothing was sent) is retried.
 */
export type RetryPolicy = 'idempotent' | 'refused-only';

/**
 * How the editor offers a field and how a value is checked before sending. `section`: an on/off setting for an
 * object of the body (link token: `hosted_link`): on sends the object, filled by the fields `in` it (or an object
 * given in msg.payload as it is); off sends neither.
 */
export type FieldKind = 'string' | 'enum' | 'string-array' | 'object' | 'nullable-url' | 'boolean' | 'integer' | 'section';

/** The node's default for a field: a typedInput value and type (str, msg, json, ...; `enum` for a select). */
export interface FieldDefault {
  value: string;
  type: string;
}

export interface FieldSpec {
  /** Plaid's own field name: the msg.payload key and the node property. */
  name: string;
  required: boolean;
  kind: FieldKind;
  /** For `enum`: Plaid's values (Plaid may add more; the editor offers these). */
  values?: readonly string[];
  default: FieldDefault;
  /** The body object the value is sent in, when not at the top level: `user` for user.client_user_id. */
  in?: string;
  /** Sent only in this mode of the endpoint's `mode` setting (link token: `update` or `new`). */
  mode?: string;
}

/**
 * What a node with an Item store does with the store after a successful call (every node that takes an
 * access_token resolves it from the store by item_id before the call). `save-item`: the exchanged Item is saved;
 * `replace-token`: the new token replaces the old; `mark-removed`: the record becomes removed, its token wiped;
 * `keep-link-token`: the record keeps the link token and its expiration (update mode), to match the session's end.
 */
export type StoreEffect = 'save-item' | 'replace-token' | 'mark-removed' | 'keep-link-token';

export interface EndpointSpec {
  /** Node type name. */
  type: string;
  /** Plaid path, e.g. /item/get. */
  path: string;
  /** Short label, e.g. item/get. */
  label: string;
  sandboxOnly: boolean;
  retry: RetryPolicy;
  fields: readonly FieldSpec[];
  storeEffect?: StoreEffect;
  /** Settings the node reads only with a store, for the record (never sent to Plaid); item_id is implied by access_token. */
  storeFields?: readonly FieldSpec[];
  /**
   * With a store and an item_id: request fields the Item's record fills when the message and the settings give none
   * (the newest link token the store keeps for the Item).
   */
  recordFallback?: readonly 'link_token'[];
  /** A setting choosing which `mode` fields are sent (read like a field, never sent itself). */
  mode?: FieldSpec;
  /**
   * What a call that may have taken effect without its answer coming back (a timeout, a dropped connection, a 5xx)
   * may have left behind at Plaid, for an endpoint where that matters: the error says it.
   */
  lostAnswer?: string;
  /**
   * Where the body carries a webhook URL Plaid will call (a path of keys: `webhook`, `options.webhook`). A path there
   * (`/plaid/webhook`) is sent with the config node's webhook base URL in front (request-body.ts).
   */
  webhookAt?: readonly string[];
}

const unset: FieldDefault = { value: '', type: 'str' };
const accessToken: FieldSpec = {
  name: 'access_token',
  required: true,
  kind: 'string',
  default: { value: 'payload.access_token', type: 'msg' },
};

/** With a store: which Item's token to use. Read like a request field: msg.payload.item_id first, else the setting. */
export const ITEM_ID_FIELD: FieldSpec = { name: 'item_id', required: true, kind: 'string', default: { value: 'item_id', type: 'msg' } };

/** Whether the endpoint takes an Item's access_token (and so, with a store, an item_id instead), in some mode. */
export function takesAccessToken(endpoint: EndpointSpec): boolean {
  return endpoint.fields.some((field) => field.name === accessToken.name);
}

/** The settings a node reads for the store: item_id (in the modes that send a token), then its own store fields. */
export function storeFieldsOf(endpoint: EndpointSpec): readonly FieldSpec[] {
  const token = endpoint.fields.find((field) => field.name === accessToken.name);
  const itemId = token ? [token.mode ? { ...ITEM_ID_FIELD, mode: token.mode } : ITEM_ID_FIELD] : [];
  return [...itemId, ...(endpoint.storeFields ?? [])];
}

/** Whether a node of this endpoint can work on an Item store (it takes a token, or stores the Item it makes). */
export function offersStore(endpoint: EndpointSpec): boolean {
  return storeFieldsOf(endpoint).length > 0;
}

/** Link token modes: `update` repairs an existing Item (its access_token, no products), `new` links a new one. */
export const LINK_MODES = ['update', 'new'] as const;

export const REMOVE_REASON_CODES = [
  'FRAUD_FIRST_PARTY',
  'FRAUD_FALSE_IDENTITY',
  'FRAUD_ABUSE',
  'FRAUD_OTHER',
  'CONNECTION_IS_NON_FUNCTIONAL',
  'OTHER',
] as const;

export const VERIFICATION_STATUSES = ['automatically_verified', 'verification_expired'] as const;

export const FIRE_WEBHOOK_CODES = [
  'DEFAULT_UPDATE',
  'NEW_ACCOUNTS_AVAILABLE',
  'SMS_MICRODEPOSITS_VERIFICATION',
  'AUTHORIZATION_GRANTED',
  'USER_PERMISSION_REVOKED',
  'USER_ACCOUNT_REVOKED',
  'PENDING_DISCONNECT',
  'RECURRING_TRANSACTIONS_UPDATE',
  'LOGIN_REPAIRED',
  'SYNC_UPDATES_AVAILABLE',
  'PRODUCT_READY',
  'ERROR',
] as const;

export const FIRE_WEBHOOK_TYPES = [
  'AUTH',
  'HOLDINGS',
  'INVESTMENTS_TRANSACTIONS',
  'ITEM',
  'LIABILITIES',
  'TRANSACTIONS',
  'ASSETS',
] as const;

export const ENDPOINTS: readonly EndpointSpec[] = [
  {
    type: 'plaid-item-get',
    path: '/item/get',
    label: 'item/get',
    sandboxOnly: false,
    retry: 'idempotent',
    fields: [accessToken],
  },
  {
    type: 'plaid-item-remove',
    path: '/item/remove',
    label: 'item/remove',
    sandboxOnly: false,
    // A repeat after a lost answer finds the Item gone (INVALID_ACCESS_TOKEN): nothing is doubled or orphaned.
    retry: 'idempotent',
    storeEffect: 'mark-removed',
    fields: [
      accessToken,
      { name: 'reason_code', required: false, kind: 'enum', values: REMOVE_REASON_CODES, default: unset },
      { name: 'reason_note', required: false, kind: 'string', default: unset },
    ],
  },
  {
    type: 'plaid-item-webhook-update',
    path: '/item/webhook/update',
    label: 'item/webhook/update',
    sandboxOnly: false,
    // Setting the same URL twice leaves the same state; receivers already tolerate a repeated acknowledgement.
    retry: 'idempotent',
    fields: [accessToken, { name: 'webhook', required: false, kind: 'nullable-url', default: unset }],
    webhookAt: ['webhook'],
  },
  {
    type: 'plaid-item-access-token-invalidate',
    path: '/item/access_token/invalidate',
    label: 'item/access_token/invalidate',
    sandboxOnly: false,
    // A repeat would rotate the token Plaid just issued in the lost answer: the Item would be left unreachable.
    retry: 'refused-only',
    lostAnswer: 'the token may have been rotated at Plaid without the new one being received: if item/get then refuses the old token, the Item must be linked again',
    storeEffect: 'replace-token',
    fields: [accessToken],
  },
  {
    type: 'plaid-item-public-token-exchange',
    path: '/item/public_token/exchange',
    label: 'item/public_token/exchange',
    sandboxOnly: false,
    // Public tokens are single use: a repeat after a lost answer fails and the Item's access token is lost.
    retry: 'refused-only',
    lostAnswer: 'an Item may now exist at Plaid whose access token was not received (Plaid cannot send it again): the user must link again',
    fields: [{ name: 'public_token', required: true, kind: 'string', default: { value: 'payload.public_token', type: 'msg' } }],
    storeEffect: 'save-item',
    // Kept on the record; Plaid's exchange answer has neither (Link's onSuccess metadata has the institution).
    storeFields: [
      { name: 'client_user_id', required: false, kind: 'string', default: { value: 'client_user_id', type: 'msg' } },
      { name: 'institution_id', required: false, kind: 'string', default: { value: 'institution_id', type: 'msg' } },
    ],
  },
  {
    type: 'plaid-sandbox-public-token-create',
    path: '/sandbox/public_token/create',
    label: 'sandbox/public_token/create',
    sandboxOnly: true,
    // Each call creates an Item: a repeat after a lost answer leaves an orphan Item behind.
    retry: 'refused-only',
    fields: [
      { name: 'institution_id', required: true, kind: 'string', default: { value: 'ins_109508', type: 'str' } },
      { name: 'initial_products', required: true, kind: 'string-array', default: { value: '["transactions"]', type: 'json' } },
      { name: 'options', required: false, kind: 'object', default: unset },
      { name: 'user_token', required: false, kind: 'string', default: unset },
      { name: 'user_id', required: false, kind: 'string', default: unset },
    ],
    webhookAt: ['options', 'webhook'],
  },
  {
    type: 'plaid-sandbox-item-reset-login',
    path: '/sandbox/item/reset_login',
    label: 'sandbox/item/reset_login',
    sandboxOnly: true,
    retry: 'idempotent',
    fields: [accessToken],
  },
  {
    type: 'plaid-sandbox-item-set-verification-status',
    path: '/sandbox/item/set_verification_status',
    label: 'sandbox/item/set_verification_status',
    sandboxOnly: true,
    retry: 'idempotent',
    fields: [
      accessToken,
      { name: 'account_id', required: true, kind: 'string', default: { value: 'payload.account_id', type: 'msg' } },
      {
        name: 'verification_status',
        required: true,
        kind: 'enum',
        values: VERIFICATION_STATUSES,
        default: { value: 'automatically_verified', type: 'enum' },
      },
    ],
  },
  {
    type: 'plaid-sandbox-item-fire-webhook',
    path: '/sandbox/item/fire_webhook',
    label: 'sandbox/item/fire_webhook',
    sandboxOnly: true,
    // A repeat would deliver a second webhook.
    retry: 'refused-only',
    fields: [
      accessToken,
      { name: 'webhook_type', required: false, kind: 'enum', values: FIRE_WEBHOOK_TYPES, default: unset },
      {
        name: 'webhook_code',
        required: true,
        kind: 'enum',
        values: FIRE_WEBHOOK_CODES,
        default: { value: 'DEFAULT_UPDATE', type: 'enum' },
      },
    ],
  },
  {
    type: 'plaid-link-token-create',
    path: '/link/token/create',
    label: 'link/token/create',
    sandboxOnly: false,
    // An unused link token is harmless: a repeat after a lost answer leaves one more, which expires unused.
    retry: 'idempotent',
    storeEffect: 'keep-link-token',
    mode: { name: 'mode', required: true, kind: 'enum', values: LINK_MODES, default: { value: 'update', type: 'enum' } },
    fields: [
      { ...accessToken, mode: 'update' },
      { name: 'client_name', required: true, kind: 'string', default: unset },
      { name: 'language', required: true, kind: 'string', default: { value: 'en', type: 'str' } },
      { name: 'country_codes', required: true, kind: 'string-array', default: { value: '["US"]', type: 'json' } },
      // With a store, in update mode, the Item's record supplies it when this comes up empty.
      { name: 'client_user_id', in: 'user', required: true, kind: 'string', default: { value: 'client_user_id', type: 'msg' } },
      { name: 'products', mode: 'new', required: true, kind: 'string-array', default: { value: '["transactions"]', type: 'json' } },
      { name: 'webhook', mode: 'new', required: false, kind: 'string', default: unset },
      // Update mode: also let the user choose accounts (Plaid's answer to NEW_ACCOUNTS_AVAILABLE).
      { name: 'account_selection_enabled', in: 'update', mode: 'update', required: false, kind: 'boolean', default: unset },
      { name: 'hosted_link', required: false, kind: 'section', default: { value: 'true', type: 'bool' } },
      { name: 'completion_redirect_uri', in: 'hosted_link', required: false, kind: 'string', default: unset },
      { name: 'url_lifetime_seconds', in: 'hosted_link', required: false, kind: 'integer', default: unset },
    ],
    webhookAt: ['webhook'],
  },
  {
    type: 'plaid-link-token-get',
    path: '/link/token/get',
    label: 'link/token/get',
    sandboxOnly: false,
    // A read: a repeat changes nothing.
    retry: 'idempotent',
    fields: [{ name: 'link_token', required: true, kind: 'string', default: { value: 'payload.link_token', type: 'msg' } }],
    // With a store, an item_id instead of a link token: the Item's newest link token (update mode) is looked up.
    storeFields: [{ ...ITEM_ID_FIELD, required: false }],
    recordFallback: ['link_token'],
  },
];

/** Used by the webhook verifier, not by a node of its own. */
export const WEBHOOK_VERIFICATION_KEY_GET: EndpointSpec = {
  type: 'plaid-webhook-verification-key-get',
  path: '/webhook_verification_key/get',
  label: 'webhook_verification_key/get',
  sandboxOnly: false,
  retry: 'idempotent',
  fields: [{ name: 'key_id', required: true, kind: 'string', default: unset }],
};
