// Label values from the core's events, each from a bounded set: a label value that anyone on the internet could
// choose would let them grow the exporter (and every Prometheus scraping it) without limit.
import type { PlaidRequestError } from '../../plaid/errors';
import { ROUTED_WEBHOOKS } from '../../plaid/webhook/routing';

/** Plaid writes its names (webhook types and codes, error types and codes) in upper snake case. */
const PLAID_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

/** What stands for a name that is not to be trusted as a label value. */
export const OTHER = 'other';

const routedPairs = new Set(ROUTED_WEBHOOKS.map(([type, code]) => `${type}/${code}`));

/**
 * A verified delivery's type and code are Plaid's own and are kept; an unverified one's (verification off) only when
 * the node routes that pair, else `other`: with verification off anyone can post any name.
 */
export function webhookPair(webhookType: string, webhookCode: string, verified: boolean): { webhook_type: string; webhook_code: string } {
  const trusted = verified ? PLAID_NAME.test(webhookType) && PLAID_NAME.test(webhookCode) : routedPairs.has(`${webhookType}/${webhookCode}`);
  return trusted ? { webhook_type: webhookType, webhook_code: webhookCode } : { webhook_type: OTHER, webhook_code: OTHER };
}

/**
 * A call's outcome: `ok`, Plaid's error_code (with its error_type), `http_<status>` for an error status without
 * Plaid's body (a proxy's page), or the transport failure (`timeout`; `network`, a refused connection included;
 * `bad_response` for a 2xx that is not Plaid's JSON).
 */
export function apiOutcome(error: PlaidRequestError | undefined): { outcome: string; error_type: string } {
  if (!error) return { outcome: 'ok', error_type: '' };
  const plaid = error.plaidError;
  if (plaid) {
    return {
      outcome: PLAID_NAME.test(plaid.error_code) ? plaid.error_code : OTHER,
      error_type: PLAID_NAME.test(plaid.error_type) ? plaid.error_type : OTHER,
    };
  }
  switch (error.kind) {
    case 'http':
      return { outcome: `http_${error.status}`, error_type: '' };
    case 'refused':
    case 'network':
      return { outcome: 'network', error_type: '' };
    case 'bad-response':
      return { outcome: 'bad_response', error_type: '' };
    default:
      return { outcome: error.kind, error_type: '' };
  }
}

const FILLER_WORDS = new Set(['a', 'an', 'the', 'of', 'on', 'in']);

/** The store's words for an operation as a label: `record a webhook on` is `record_webhook`. */
export function operationLabel(words: string): string {
  return words.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word && !FILLER_WORDS.has(word)).join('_') || OTHER;
}
