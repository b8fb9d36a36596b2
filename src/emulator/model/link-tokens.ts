// Link tokens made by /link/token/create and the Hosted Link session each one with `hosted_link` opens. A session
// starts when the page is first opened and ends once (Continue or Exit); an ended or expired session's URL only
// shows that it can no longer be used. What happened in a session is what /link/token/get reports, for six hours
// after it ended.
import { isoTime, type Clock } from './clock';
import { newLinkToken, newPlaidId, randomUUID } from './ids';
import type { Institution } from './institutions';
import type { ItemRecord } from './state';

const MINUTE_MS = 60_000;
/** Lifetimes of a link token (the spec's LinkTokenCreateResponse.expiration): new Item 4 h, update mode 30 min. */
export const NEW_ITEM_LINK_TOKEN_MS = 240 * MINUTE_MS;
export const UPDATE_MODE_LINK_TOKEN_MS = 30 * MINUTE_MS;
/** Hosted Link URL lifetime when url_lifetime_seconds is not given (the spec's HostedLinkURLLifetimeSeconds). */
export const HOSTED_LINK_URL_MS = 30 * MINUTE_MS;
/** Plaid's cap on url_lifetime_seconds: 21 days. */
export const MAX_URL_LIFETIME_SECONDS = 21 * 24 * 60 * 60;
/**
 * How long /link/token/get keeps a session after it ended (Plaid: six hours). Plaid's own retention, not a lifetime
 * the emulator sets, so the time factor does not scale it: it runs on the emulator clock.
 */
export const LINK_SESSION_RETENTION_MS = 6 * 60 * MINUTE_MS;

export type LinkMode = 'update' | 'new';

/** Where in the flow a person who exited left it: the emulator's page has one step, the (sandbox) login. */
export const EXIT_STATUS = 'requires_credentials';

/** A Link event as /link/token/get and the LINK EVENTS webhook report it (the spec's LinkEvent). */
export interface LinkEventRecord {
  readonly event_id: string;
  readonly event_name: string;
  readonly timestamp: string;
  readonly event_metadata: Readonly<Record<string, string>>;
}

export function newLinkEvent(name: string, at: number, metadata: Readonly<Record<string, string>>): LinkEventRecord {
  return { event_id: randomUUID(), event_name: name, timestamp: isoTime(at), event_metadata: metadata };
}

export interface HostedLinkSession {
  /** The last segment of hosted_link_url. */
  readonly id: string;
  readonly linkSessionId: string;
  readonly completionRedirectUri: string | null;
  /** When the page was first opened (or first posted to), null before. */
  startedAt: number | null;
  finishedAt: number | null;
  /** How the session ended, null while it is open. */
  outcome: 'SUCCESS' | 'EXITED' | null;
  /** What a successful new-mode session added: the Item and the public token handed over for it. */
  added: { readonly item: ItemRecord; readonly publicToken: string } | null;
  /** The institution the person was at when the session ended (update mode: the Item's). */
  institution: Institution | null;
  /** Oldest first. */
  readonly events: LinkEventRecord[];
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
  readonly redirectUri: string | null;
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
        startedAt: null,
        finishedAt: null,
        outcome: null,
        added: null,
        institution: null,
        events: [],
      },
    };
    this.byToken.set(record.linkToken, record);
    if (record.hostedLink) this.bySessionId.set(record.hostedLink.id, record);
    return record;
  }

  find(linkToken: string): LinkTokenRecord | undefined {
    return this.byToken.get(linkToken);
  }

  /** Whether /link/token/get still reports the session: open, or ended less than six hours ago. */
  isRetained(session: HostedLinkSession): boolean {
    return session.finishedAt === null || this.clock.now() < session.finishedAt + LINK_SESSION_RETENTION_MS;
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
