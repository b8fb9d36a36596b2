// What one call of a sweep ended in, from the sweep's point of view: Plaid's answer about the Item, a failure worth
// another try later (429, 5xx, no answer), a failure of this Item alone, or one that stops the sweep (the keys or the
// request are wrong: every other call would fail the same way).
import type { PlaidResponse } from '../client';
import { ITEM_GONE_CODES, PlaidRequestError, type PlaidErrorBody } from '../errors';
import type { ItemStatus } from '../store/record';
import { statusForItemError } from '../store/status-transitions';

/** PENDING_EXPIRATION comes 7 days before a consent ends; a reconcile marks the Item the same way within that time. */
export const CONSENT_WARNING_MS = 7 * 24 * 60 * 60 * 1000;

export type CallFailure =
  | { kind: 'retry'; rateLimited: boolean; retryAfterMs?: number; reason: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'stop'; error: Error };

/** What /item/get said about the Item. */
export interface ItemFound {
  kind: 'found';
  status: ItemStatus;
  error_code: string | null;
  consent_expiration_time: string | null;
  /** Plaid's error object: the Item's own (`item.error`), or the answer's for an Item gone. */
  error: Record<string, unknown> | null;
}

/**
 * How a failed call is handled (any endpoint of the sweep): 429, 5xx and no answer are tried again later; a client
 * closed, wrong keys or a request Plaid cannot read stop the sweep; any other refusal concerns the call alone.
 */
export function failureOf(err: unknown): CallFailure {
  if (!(err instanceof PlaidRequestError)) return { kind: 'stop', error: err as Error };
  if (err.status === 429) return { kind: 'retry', rateLimited: true, retryAfterMs: err.retryAfterMs, reason: err.code };
  if (err.kind === 'timeout' || err.kind === 'network' || err.kind === 'refused' || (err.status ?? 0) >= 500) {
    return { kind: 'retry', rateLimited: false, reason: err.code };
  }
  // The client was closed (a deploy), the keys are wrong, or the request itself is: no other call would fare better.
  if (err.kind === 'config' || err.plaidError?.error_code === 'INVALID_API_KEYS'
    || (err.plaidError?.error_type === 'INVALID_REQUEST' && err.status !== 404)
    || (err.kind === 'http' && (err.status === 401 || err.status === 403))) {
    return { kind: 'stop', error: err };
  }
  return { kind: 'failed', reason: err.message };
}

/**
 * The Item's state from /item/get: an error in `item.error` decides the status (statusForItemError); without one,
 * a consent ending within CONSENT_WARNING_MS is `pending_expiration`, else `healthy`, except that `pending_disconnect`
 * is kept: /item/get has nothing that says a PENDING_DISCONNECT is over (update mode, which ends it, is announced by
 * SESSION_FINISHED or LOGIN_REPAIRED).
 */
export function itemFound(answer: PlaidResponse, current: ItemStatus, nowMs: number): ItemFound | CallFailure {
  const item = answer.body.item;
  if (!item || typeof item !== 'object') return { kind: 'failed', reason: 'item/get answered without an item' };
  const { error, consent_expiration_time: consent } = item as Record<string, unknown>;
  const consentEnds = typeof consent === 'string' && consent !== '' ? consent : null;
  if (error && typeof error === 'object') {
    const code = (error as Record<string, unknown>).error_code;
    const errorCode = typeof code === 'string' && code !== '' ? code : null;
    return found(statusForItemError(errorCode), errorCode, consentEnds, error as Record<string, unknown>);
  }
  const endsAt = consentEnds === null ? NaN : Date.parse(consentEnds);
  if (endsAt - nowMs <= CONSENT_WARNING_MS) return found('pending_expiration', null, consentEnds, null);
  return found(current === 'pending_disconnect' ? 'pending_disconnect' : 'healthy', null, consentEnds, null);
}

/** A failed /item/get: an Item Plaid no longer has (or an Item error answered as one) is an answer about the Item. */
export function itemFailure(err: unknown): ItemFound | CallFailure {
  const plaidError = err instanceof PlaidRequestError ? err.plaidError : undefined;
  if (plaidError && ITEM_GONE_CODES.has(plaidError.error_code)) return found('removed', plaidError.error_code, null, errorObject(plaidError));
  if (plaidError && plaidError.error_type === 'ITEM_ERROR' && (err as PlaidRequestError).status !== 429) {
    return found(statusForItemError(plaidError.error_code), plaidError.error_code, null, errorObject(plaidError));
  }
  return failureOf(err);
}

function found(status: ItemStatus, errorCode: string | null, consent: string | null, error: Record<string, unknown> | null): ItemFound {
  return { kind: 'found', status, error_code: errorCode, consent_expiration_time: consent, error };
}

function errorObject(error: PlaidErrorBody): Record<string, unknown> {
  return { ...error };
}
