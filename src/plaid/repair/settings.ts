// plaid-item-repair's settings as saved by the editor (or written by hand), read into what RepairDesk needs. A
// setting that cannot be read is an Error naming it: the node then opens no case and says why.
import { REPAIR_REASONS, type RepairReason } from '../store/repair-case';
import type { LinkSettings } from './hosted-link';
import { DEFAULT_REMINDERS, parseReminders } from './schedule';

/** What opens a case when the node does not say: NEW_ACCOUNTS_AVAILABLE only when asked for. */
export const DEFAULT_REASONS: readonly RepairReason[] = ['ITEM_LOGIN_REQUIRED', 'PENDING_EXPIRATION', 'PENDING_DISCONNECT'];
/** Plaid's longest Hosted Link URL lifetime: 21 days. */
const MAX_URL_LIFETIME_SECONDS = 21 * 24 * 60 * 60;

export interface RepairNodeSettings {
  reasons?: unknown;
  reminders?: unknown;
  client_name?: unknown;
  language?: unknown;
  country_codes?: unknown;
  completion_redirect_uri?: unknown;
  url_lifetime_seconds?: unknown;
}

export interface RepairSettings {
  reasons: RepairReason[];
  reminderDelaysMs: number[];
  link: LinkSettings;
}

const trimmed = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

function reasonsOf(value: unknown): RepairReason[] {
  if (value === undefined) return [...DEFAULT_REASONS];
  const list: unknown[] = Array.isArray(value) ? (value as unknown[]) : trimmed(value).split(/[\s,]+/).filter(Boolean);
  const unknown = list.find((reason) => !(REPAIR_REASONS as readonly unknown[]).includes(reason));
  if (unknown !== undefined) throw new Error(`reasons: ${JSON.stringify(unknown)} is none of ${REPAIR_REASONS.join(', ')}`);
  return list as RepairReason[];
}

/** `US`, `US, CA`, `["US","CA"]` or an array: upper-case ISO codes. */
function countryCodesOf(value: unknown): string[] {
  let list: unknown = Array.isArray(value) ? value : trimmed(value) || 'US';
  if (typeof list === 'string' && list.startsWith('[')) {
    try {
      list = JSON.parse(list);
    } catch {
      throw new Error(`country_codes: ${String(list)} is not a JSON array`);
    }
  }
  const codes = (Array.isArray(list) ? list : String(list).split(/[\s,]+/)).map((code) => String(code).trim().toUpperCase()).filter(Boolean);
  const bad = codes.find((code) => !/^[A-Z]{2}$/.test(code));
  if (bad !== undefined || codes.length === 0) throw new Error(`country_codes: ${bad ?? 'none'} is not a two-letter country code`);
  return codes;
}

function lifetimeOf(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : trimmed(value);
  if (text === '') return undefined;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_URL_LIFETIME_SECONDS) {
    throw new Error(`url_lifetime_seconds: ${text} is not a whole number of seconds from 1 to ${MAX_URL_LIFETIME_SECONDS} (21 days)`);
  }
  return seconds;
}

export function readRepairSettings(def: RepairNodeSettings): RepairSettings {
  const clientName = trimmed(def.client_name);
  if (!clientName) throw new Error('client_name: Plaid shows it on the Hosted Link page and requires it: set it in the node');
  if (clientName.length > 30) throw new Error(`client_name: Plaid allows 30 characters at most, "${clientName}" has ${clientName.length}`);
  const redirect = trimmed(def.completion_redirect_uri);
  const lifetime = lifetimeOf(def.url_lifetime_seconds);
  return {
    reasons: reasonsOf(def.reasons),
    reminderDelaysMs: parseReminders(def.reminders === undefined ? DEFAULT_REMINDERS : def.reminders),
    link: {
      client_name: clientName,
      language: trimmed(def.language) || 'en',
      country_codes: countryCodesOf(def.country_codes),
      ...(redirect ? { completion_redirect_uri: redirect } : {}),
      ...(lifetime !== undefined ? { url_lifetime_seconds: lifetime } : {}),
    },
  };
}
