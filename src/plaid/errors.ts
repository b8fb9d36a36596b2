import { redact } from './redact';

/** Plaid's answers to an access token of an Item Plaid no longer has (removed, or never this client's). */
export const ITEM_GONE_CODES: ReadonlySet<string> = new Set(['INVALID_ACCESS_TOKEN', 'ITEM_NOT_FOUND']);

/** Plaid's error body (PlaidError in the OpenAPI spec); Plaid may add fields, so the rest is kept as is. */
export interface PlaidErrorBody {
  error_type: string;
  error_code: string;
  error_message: string;
  display_message: string | null;
  request_id?: string;
  [extra: string]: unknown;
}

/**
 * Why a call failed. `plaid`: Plaid answered with its error body. `http`: an error status without one (a proxy's
 * 502 page). `timeout`, `refused`, `network`: no answer. `bad-response`: an answer that is not Plaid's JSON.
 * `config`: refused locally before anything was sent.
 */
export type FailureKind = 'plaid' | 'http' | 'timeout' | 'refused' | 'network' | 'bad-response' | 'config';

export interface PlaidRequestErrorInit {
  kind: FailureKind;
  endpoint: string;
  attempts: number;
  status?: number;
  plaidError?: PlaidErrorBody;
  detail?: string;
}

/** The one error type the client throws. Its message names the error_code or the transport failure, never a secret. */
export class PlaidRequestError extends Error {
  readonly kind: FailureKind;
  readonly endpoint: string;
  readonly attempts: number;
  readonly status?: number;
  readonly plaidError?: PlaidErrorBody;
  /**
   * Set when an earlier attempt of this call ended without a clear answer (a timeout, a dropped connection, a 5xx)
   * and may have taken effect: how it ended. Then an INVALID_ACCESS_TOKEN from item/remove likely means it did.
   */
  earlierAttempt?: string;
  /** True when this call may have taken effect at Plaid without its answer coming back (this or an earlier attempt). */
  mayHaveTakenEffect = false;
  /** A 429's Retry-After, in ms, when Plaid gave one. */
  retryAfterMs?: number;

  constructor(init: PlaidRequestErrorInit) {
    super(describe(init));
    this.name = 'PlaidRequestError';
    this.kind = init.kind;
    this.endpoint = init.endpoint;
    this.attempts = init.attempts;
    this.status = init.status;
    this.plaidError = init.plaidError;
  }

  /** The short text for a status ring: the error_code, or the kind of transport failure. */
  get code(): string {
    return this.plaidError?.error_code ?? (this.kind === 'http' ? `HTTP ${this.status}` : this.kind);
  }
}

function describe({ kind, endpoint, attempts, status, plaidError, detail }: PlaidRequestErrorInit): string {
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  switch (kind) {
    case 'plaid': {
      const error = plaidError as PlaidErrorBody;
      return `${endpoint}: Plaid ${error.error_code} (${error.error_type}, HTTP ${status})${tries}: ${error.error_message}`;
    }
    case 'http':
      return `${endpoint}: HTTP ${status} without a Plaid error body${tries}`;
    case 'bad-response':
      return `${endpoint}: HTTP ${status} answer is not Plaid JSON${tries}`;
    default:
      return `${endpoint}: ${kind}${detail ? ` (${detail})` : ''}${tries}`;
  }
}

/** Plaid's error object with its free texts redacted; everything else as Plaid sent it. */
export function redactPlaidError(error: PlaidErrorBody, secrets: readonly string[]): PlaidErrorBody {
  return {
    ...error,
    error_message: redact(String(error.error_message ?? ''), secrets),
    display_message: error.display_message == null ? null : redact(String(error.display_message), secrets),
  };
}

export function isPlaidErrorBody(value: unknown): value is PlaidErrorBody {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && typeof v.error_code === 'string' && typeof v.error_type === 'string';
}
