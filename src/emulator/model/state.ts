// The emulator's model: Items with their accounts, public tokens (single use, 30-minute life) and access tokens
// (one live token per Item; rotation kills the old one at once, removal kills the Item's).
import type { Clock } from './clock';
import type { Counts } from './counts';
import type { PlaidErrorBody } from '../api/errors';
import { newAccessToken, newPlaidId, newPublicToken } from './ids';
import type { Institution } from './institutions';

export const PUBLIC_TOKEN_TTL_MS = 30 * 60 * 1000;
/** Unexchanged tokens pile up in long CLI runs; expired ones are dropped when the count passes a mark. */
const FIRST_PUBLIC_TOKEN_SWEEP = 1000;
/** Consent lifetime given to Items at OAuth institutions (EU/UK style consent expiration). */
const OAUTH_CONSENT_MS = 90 * 24 * 60 * 60 * 1000;

export interface AccountRecord {
  account_id: string;
  name: string;
  official_name: string;
  type: string;
  subtype: string;
  mask: string;
  balances: {
    available: number | null;
    current: number;
    limit: number | null;
    iso_currency_code: 'USD';
    unofficial_currency_code: null;
  };
  verification_status?: string;
}

export interface ItemRecord {
  readonly item_id: string;
  readonly institution: Institution;
  readonly products: readonly string[];
  readonly accounts: AccountRecord[];
  readonly createdAt: number;
  /**
   * When the Item's consent expires (/item/get's consent_expiration_time): OAuth Items from their creation, renewed
   * through update mode; any Item once a PENDING_EXPIRATION (or a silent consent_expiring) set it.
   */
  consentExpiresAt: number | null;
  readonly userId: string | null;
  webhook: string | null;
  error: PlaidErrorBody | null;
  /** null until the public token is exchanged, and again after removal. */
  accessToken: string | null;
  removed: boolean;
  removalReason: string | null;
  lastWebhook: { sentAt: number; code: string } | null;
  /** consent_expiration_time of the last PENDING_EXPIRATION sent, until update mode renews the consent. */
  pendingExpiration: string | null;
  /** reason and disconnect_time of the last PENDING_DISCONNECT sent, until update mode re-authenticates. */
  pendingDisconnect: { reason: string; disconnect_time: string } | null;
}

interface PublicTokenRecord {
  item: ItemRecord;
  expiresAt: number;
}

export interface NewItem {
  institution: Institution;
  products: readonly string[];
  webhook: string | null;
  userId: string | null;
}

export type PublicTokenExchange = { item: ItemRecord; accessToken: string } | 'unknown' | 'expired';

export class EmulatorState {
  private readonly itemsById = new Map<string, ItemRecord>();
  private readonly itemsByAccessToken = new Map<string, ItemRecord>();
  private readonly publicTokens = new Map<string, PublicTokenRecord>();
  /** Doubles with the live token count, so sweeping stays linear overall. */
  private nextPublicTokenSweep = FIRST_PUBLIC_TOKEN_SWEEP;

  constructor(private readonly clock: Clock, private readonly counts: Counts) {}

  createItem(spec: NewItem): ItemRecord {
    const createdAt = this.clock.now();
    const item: ItemRecord = {
      item_id: newPlaidId(),
      institution: spec.institution,
      products: spec.products,
      accounts: spec.institution.accounts.map((template) => ({
        account_id: newPlaidId(),
        name: template.name,
        official_name: template.official_name,
        type: template.type,
        subtype: template.subtype,
        mask: template.mask,
        balances: {
          available: template.available,
          current: template.current,
          limit: template.limit,
          iso_currency_code: 'USD',
          unofficial_currency_code: null,
        },
        ...(template.verification_status ? { verification_status: template.verification_status } : {}),
      })),
      createdAt,
      consentExpiresAt: spec.institution.oauth ? createdAt + OAUTH_CONSENT_MS : null,
      userId: spec.userId,
      webhook: spec.webhook,
      error: null,
      accessToken: null,
      removed: false,
      removalReason: null,
      lastWebhook: null,
      pendingExpiration: null,
      pendingDisconnect: null,
    };
    this.itemsById.set(item.item_id, item);
    this.counts.itemsCreated += 1;
    return item;
  }

  issuePublicToken(item: ItemRecord): string {
    if (this.publicTokens.size >= this.nextPublicTokenSweep) {
      this.sweepExpiredPublicTokens();
      this.nextPublicTokenSweep = Math.max(FIRST_PUBLIC_TOKEN_SWEEP, this.publicTokens.size * 2);
    }
    const token = newPublicToken();
    this.publicTokens.set(token, { item, expiresAt: this.clock.now() + PUBLIC_TOKEN_TTL_MS });
    this.counts.publicTokensCreated += 1;
    return token;
  }

  /** Single use: the token is gone after this call whatever the outcome. */
  exchangePublicToken(token: string): PublicTokenExchange {
    const record = this.publicTokens.get(token);
    if (!record) return 'unknown';
    this.publicTokens.delete(token);
    if (this.clock.now() >= record.expiresAt) return 'expired';
    const accessToken = this.assignAccessToken(record.item);
    this.counts.publicTokensExchanged += 1;
    return { item: record.item, accessToken };
  }

  findByAccessToken(token: string): ItemRecord | undefined {
    return this.itemsByAccessToken.get(token);
  }

  findById(itemId: string): ItemRecord | undefined {
    return this.itemsById.get(itemId);
  }

  /** The old token stops working before the new one is handed out. */
  rotateAccessToken(item: ItemRecord): string {
    const token = this.assignAccessToken(item);
    this.counts.accessTokensRotated += 1;
    return token;
  }

  /**
   * The user went through Link in update mode: the login works again (error cleared), nothing is pending, and an
   * OAuth Item's consent starts afresh (another Item's has no expiry again). The access token stays the same.
   */
  renewThroughUpdateMode(item: ItemRecord): void {
    item.error = null;
    item.pendingExpiration = null;
    item.pendingDisconnect = null;
    item.consentExpiresAt = item.institution.oauth ? this.clock.now() + OAUTH_CONSENT_MS : null;
    this.counts.updateModeRepairs += 1;
  }

  removeItem(item: ItemRecord, reason: string | null): void {
    if (item.accessToken) this.itemsByAccessToken.delete(item.accessToken);
    for (const [token, record] of this.publicTokens) {
      if (record.item === item) this.publicTokens.delete(token);
    }
    item.accessToken = null;
    item.removed = true;
    item.removalReason = reason;
    this.counts.itemsRemoved += 1;
  }

  items(): IterableIterator<ItemRecord> {
    return this.itemsById.values();
  }

  /** Public tokens that could still be exchanged. */
  outstandingPublicTokens(): number {
    this.sweepExpiredPublicTokens();
    return this.publicTokens.size;
  }

  clear(): void {
    this.itemsById.clear();
    this.itemsByAccessToken.clear();
    this.publicTokens.clear();
    this.nextPublicTokenSweep = FIRST_PUBLIC_TOKEN_SWEEP;
  }

  private sweepExpiredPublicTokens(): void {
    const now = this.clock.now();
    for (const [token, record] of this.publicTokens) {
      if (now >= record.expiresAt) this.publicTokens.delete(token);
    }
  }

  private assignAccessToken(item: ItemRecord): string {
    if (item.accessToken) this.itemsByAccessToken.delete(item.accessToken);
    const token = newAccessToken();
    item.accessToken = token;
    this.itemsByAccessToken.set(token, item);
    return token;
  }
}
