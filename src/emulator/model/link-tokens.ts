// Link tokens made by /link/token/create and the Hosted Link session each one with `hosted_link` opens. A session
// ends once (Continue or Exit); an ended or expired session's URL only shows that it can no longer be used.
import type { Clock } from './clock';
import { newLinkToken, newPlaidId, randomUUID } from './ids';
import type { ItemRecord } from './state';

const MINUTE_MS = 60_000;
/** Lifetimes of a link token (the spec's LinkTokenCreateResponse.expiration): new Item 4 h, update mode 30 min. */
export const NEW_ITEM_LINK_TOKEN_MS = 240 * MINUTE_MS;
export const UPDATE_MODE_LINK_TOKEN_MS = 30 * MINUTE_MS;
/** Hosted Link URL lifetime when url_lifetime_seconds is not given (the spec's HostedLinkURLLifetimeSeconds). */
export const HOSTED_LINK_URL_MS = 30 * MINUTE_MS;
/** Plaid's cap on url_lifetime_seconds: 21 days. */
export const MAX_URL_LIFETIME_SECONDS = 21 * 24 * 60 * 60;

export type LinkMode = 'update' | 'new';

export interface HostedLinkSession {
  /** The last segment of hosted_link_url. */
  readonly id: string;
  readonly linkSessionId: string;
  readonly completionRedirectUri: string | null;
  /** How the session ended, null while it is open. */
  outcome: 'SUCCESS' | 'EXITED' | null;
}

export interface LinkTokenRecord {
  readonly linkToken: string;
  readonly mode: LinkMode;
  /** The Item being repaired (update mode); null for a new Item. */
  readonly item: ItemRecord | null;
  readonly clientName: string;
  readonly language: string;
  readonly countryCodes: readonly string[];
  readonly clientUserId: string | null;
  readonly userId: string | null;
  /** New mode: the products the new Item gets. */
  readonly products: readonly string[];
  /** New mode: where the new Item's webhooks (SESSION_FINISHED first) go. Update mode ignores `webhook`. */
  readonly webhook: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly hostedLink: HostedLinkSession | null;
}

export type NewLinkToken = Omit<LinkTokenRecord, 'linkToken' | 'createdAt' | 'hostedLink'> & {
  hostedLink: { completionRedirectUri: string | null } | null;
};

export class LinkTokens {
  private readonly byToken = new Map<string, LinkTokenRecord>();
  private readonly bySessionId = new Map<string, LinkTokenRecord>();

  constructor(private readonly clock: Clock) {}

  create(spec: NewLinkToken): LinkTokenRecord {
    const record: LinkTokenRecord = {
      ...spec,
      linkToken: newLinkToken(),
      createdAt: this.clock.now(),
      hostedLink: spec.hostedLink && {
        id: newPlaidId(),
        linkSessionId: randomUUID(),
        completionRedirectUri: spec.hostedLink.completionRedirectUri,
        outcome: null,
      },
    };
    this.byToken.set(record.linkToken, record);
    if (record.hostedLink) this.bySessionId.set(record.hostedLink.id, record);
    return record;
  }

  findByHostedLinkId(id: string): LinkTokenRecord | undefined {
    return this.bySessionId.get(id);
  }

  isExpired(record: LinkTokenRecord): boolean {
    return this.clock.now() >= record.expiresAt;
  }

  all(): IterableIterator<LinkTokenRecord> {
    return this.byToken.values();
  }

  clear(): void {
    this.byToken.clear();
    this.bySessionId.clear();
  }
}
