// Plaid-shaped errors. Handlers throw PlaidApiError; the server turns it into a PlaidError body with the HTTP
// status Plaid uses for that code (Plaid's docs, https://plaid.com/docs/errors/).

export type PlaidErrorType =
  | 'INVALID_REQUEST'
  | 'INVALID_INPUT'
  | 'ITEM_ERROR'
  | 'SANDBOX_ERROR'
  | 'RATE_LIMIT_EXCEEDED'
  | 'API_ERROR'
  | 'ASSET_REPORT_ERROR';

/** The PlaidError body as sent on the wire (and nested in Item.error / webhook error). */
export interface PlaidErrorBody {
  error_type: PlaidErrorType;
  error_code: string;
  error_code_reason: string | null;
  error_message: string;
  display_message: string | null;
  request_id?: string;
  causes?: unknown[];
  status: number;
  documentation_url: string;
  suggested_action: string | null;
}

export class PlaidApiError extends Error {
  /** Extra response headers, e.g. Retry-After on a 429. */
  headers: Record<string, string> | undefined;

  constructor(
    readonly status: number,
    readonly errorType: PlaidErrorType,
    readonly errorCode: string,
    message: string,
    readonly displayMessage: string | null = null,
  ) {
    super(message);
    this.name = 'PlaidApiError';
  }

  /** The body without request_id: the shape Plaid nests inside Item.error and webhook payloads. */
  toNested(): PlaidErrorBody {
    return {
      display_message: this.displayMessage,
      documentation_url: documentationUrl(this.errorType, this.errorCode),
      error_code: this.errorCode,
      error_code_reason: null,
      error_message: this.message,
      error_type: this.errorType,
      status: this.status,
      suggested_action: null,
    };
  }

  toBody(requestId: string): PlaidErrorBody {
    const body = this.toNested();
    body.request_id = requestId;
    body.causes = [];
    return body;
  }
}

function documentationUrl(type: PlaidErrorType, code: string): string {
  return `https://plaid.com/docs/errors/${type.toLowerCase().replace(/_/g, '-')}/#${code.toLowerCase()}`;
}

const invalidRequest = (code: string, message: string, status = 400) =>
  new PlaidApiError(status, 'INVALID_REQUEST', code, message);
const invalidInput = (code: string, message: string) => new PlaidApiError(400, 'INVALID_INPUT', code, message);

export const errors = {
  invalidBody: (why = 'body could not be parsed as JSON') => invalidRequest('INVALID_BODY', why),
  missingFields: (fields: string[]) =>
    invalidRequest('MISSING_FIELDS', `the following required fields are missing: ${fields.join(', ')}`),
  unknownFields: (fields: string[]) =>
    invalidRequest('UNKNOWN_FIELDS', `the following fields are not recognized by this endpoint: ${fields.join(', ')}`),
  invalidField: (message: string) => invalidRequest('INVALID_FIELD', message),
  /** The control API's answer to a POST whose body is not declared JSON (a cross-site form or beacon). */
  notJson: () => invalidRequest('INVALID_BODY', 'content-type must be application/json', 415),
  /** The control API's answer to a request addressed to another host name (DNS rebinding) or port. */
  foreignHost: (own: string) =>
    invalidRequest('INVALID_HEADERS', `the control API answers only requests addressed to ${own} (or localhost on its port)`, 403),
  notFound: () => invalidRequest('NOT_FOUND', 'not found', 404),
  invalidApiKeys: () =>
    invalidInput('INVALID_API_KEYS', 'invalid client_id or secret provided'),
  invalidAccessToken: (why = 'could not find matching access token') => invalidInput('INVALID_ACCESS_TOKEN', why),
  invalidPublicToken: (why = 'could not find matching public token') => invalidInput('INVALID_PUBLIC_TOKEN', why),
  invalidLinkToken: () => invalidInput('INVALID_LINK_TOKEN', 'invalid link_token provided'),
  invalidInstitution: () => invalidInput('INVALID_INSTITUTION', 'invalid institution_id provided'),
  invalidProduct: (products: string[]) =>
    invalidInput('INVALID_PRODUCT', `the following products are not valid for initial_products: ${products.join(', ')}`),
  productsNotAtInstitution: (institutionId: string, products: string[]) =>
    invalidInput('INVALID_PRODUCT', `institution ${institutionId} does not support the following products: ${products.join(', ')}`),
  invalidAccountId: (accountId: string) =>
    invalidInput('INVALID_ACCOUNT_ID', `account_id ${accountId} does not belong to this item`),
  invalidWebhookVerificationKeyId: () =>
    invalidInput('INVALID_WEBHOOK_VERIFICATION_KEY_ID', 'invalid key_id provided'),
  invalidCredentials: () =>
    new PlaidApiError(400, 'ITEM_ERROR', 'INVALID_CREDENTIALS', 'the provided credentials were not correct',
      'The provided credentials were not correct. Please try again.'),
  itemNotFound: () => new PlaidApiError(400, 'ITEM_ERROR', 'ITEM_NOT_FOUND', 'the requested item was not found'),
  userPermissionRevoked: () =>
    new PlaidApiError(400, 'ITEM_ERROR', 'USER_PERMISSION_REVOKED',
      'the holder of this account has revoked their permission for your application to access it'),
  itemLoginRequired: () =>
    new PlaidApiError(400, 'ITEM_ERROR', 'ITEM_LOGIN_REQUIRED',
      "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state"),
  sandboxWebhookInvalid: () =>
    new PlaidApiError(400, 'SANDBOX_ERROR', 'SANDBOX_WEBHOOK_INVALID',
      'webhook for this item is either not set up, or invalid. please update the webhook for this item with /item/webhook/update'),
  sandboxProductNotEnabled: (product: string) =>
    new PlaidApiError(400, 'SANDBOX_ERROR', 'SANDBOX_PRODUCT_NOT_ENABLED', `The ${product} product is not enabled on this item`),
  itemGetLimit: () =>
    new PlaidApiError(429, 'RATE_LIMIT_EXCEEDED', 'ITEM_GET_LIMIT',
      'rate limit exceeded for attempts to access this item. please try again later'),
  rateLimit: () =>
    new PlaidApiError(429, 'RATE_LIMIT_EXCEEDED', 'RATE_LIMIT',
      'rate limit exceeded for attempts to access this endpoint. please try again later'),
  internalServerError: () =>
    new PlaidApiError(500, 'API_ERROR', 'INTERNAL_SERVER_ERROR', 'an unexpected error occurred'),
};
