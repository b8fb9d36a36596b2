// A Hosted Link session found through /link/token/get, as the SESSION_FINISHED webhook Plaid would have sent for it.
import type { PlaidResponse } from '../client';
import type { ItemRecord } from '../store/record';

/** Plaid keeps a link token's sessions for six hours after a session ends: later there is nothing left to find. */
export const LINK_SESSION_RETENTION_MS = 6 * 60 * 60 * 1000;

/**
 * Whether the Item's newest link token may have a finished session nobody told the store about: none recorded yet,
 * or an EXITED one (a SUCCESS may follow in another session of the same token).
 */
export function needsSessionLookup(record: ItemRecord, nowMs: number): record is ItemRecord & { link_token: string } {
  // A token whose session succeeded is finished (the store's SESSION_FINISHED rules): nothing more to learn.
  if (!record.link_token || record.link_session_status === 'SUCCESS') return false;
  const expires = record.link_token_expiration ? Date.parse(record.link_token_expiration) : NaN;
  return Number.isNaN(expires) || expires + LINK_SESSION_RETENTION_MS > nowMs;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The LINK SESSION_FINISHED body for the newest finished session in /link/token/get's answer (none while every
 * session is still open): EXITED when the session has an `exit`, SUCCESS otherwise, with the public tokens of its
 * results (none in update mode).
 */
export function sessionFinishedBody(answer: PlaidResponse, linkToken: string, environment: string | null): { body: Json; finishedAt: string } | undefined {
  const sessions = Array.isArray(answer.body.link_sessions) ? answer.body.link_sessions.filter(isObject) : [];
  const finished = sessions.filter((session) => typeof session.finished_at === 'string' && session.finished_at !== '');
  if (finished.length === 0) return undefined;
  const newest = finished.reduce((a, b) => (Date.parse(b.finished_at as string) > Date.parse(a.finished_at as string) ? b : a));
  const added = isObject(newest.results) && Array.isArray(newest.results.item_add_results) ? newest.results.item_add_results : [];
  const publicTokens = added.filter(isObject).map((result) => result.public_token).filter((token): token is string => typeof token === 'string');
  const body = {
    webhook_type: 'LINK',
    webhook_code: 'SESSION_FINISHED',
    status: isObject(newest.exit) ? 'EXITED' : 'SUCCESS',
    link_session_id: typeof newest.link_session_id === 'string' ? newest.link_session_id : null,
    link_token: linkToken,
    public_tokens: publicTokens,
    ...(publicTokens.length > 0 ? { public_token: publicTokens[0] } : {}),
    environment,
  };
  return { body, finishedAt: newest.finished_at as string };
}
