import type { Node, NodeDef } from 'node-red';
import type { PlaidClient } from '../plaid/client';
import type { ItemStoreErrorCode } from '../plaid/store/errors';
import type { ItemStore } from '../plaid/store/item-store';
import type { PlaidEnvironment } from '../plaid/environments';
import type { VerificationKeyCache } from '../plaid/webhook/key-cache';

export interface PlaidConfigDef extends NodeDef {
  environment: string;
  baseUrl: string;
  timeout: string | number;
  retries: string | number;
  /** Where Plaid reaches this Node-RED's webhook routes; empty or absent: its own address (webhook-base.ts). */
  webhookUrl?: string;
}

export interface PlaidCredentials {
  clientId?: string;
  secret?: string;
  /** The base URL the secret was entered for, set by the editor whenever the secret is typed. */
  host?: string;
}

/** The config node as other nodes see it: one Plaid client shared by every node that uses this config. */
export interface PlaidConfigNode extends Node<PlaidCredentials> {
  environment: PlaidEnvironment;
  /** Absent when the configuration is unusable; `problem` then says why. */
  client?: PlaidClient;
  /** Plaid's webhook verification keys, fetched through `client` and shared by every webhook-in node. */
  verificationKeys?: VerificationKeyCache;
  /** Put before a webhook URL that a node gives as a path (`/plaid/webhook`); set when the node is usable. */
  webhookBase?: string;
  problem?: string;
}

export interface PlaidItemStoreDef extends NodeDef {
  backend: string;
  file: string;
  /** postgres only (ms and a connection count, as the editor saves them: text, or absent in older flows). */
  poolMax?: string | number;
  connectTimeout?: string | number;
  queryTimeout?: string | number;
}

export interface PlaidItemStoreCredentials {
  encryptionKey?: string;
  /** Older keys, one per line (see TokenCipher). */
  previousKeys?: string;
  postgresUrl?: string;
}

/** The Item store config node as other nodes see it: one open ItemStore shared by every node that selects it. */
export interface PlaidItemStoreNode extends Node<PlaidItemStoreCredentials> {
  /** Absent when the store cannot be used; `problem` then says why. */
  itemStore?: ItemStore;
  problem?: string;
  /** The ItemStoreError code of `problem` (WRONG_KEY, STORE_REFUSED, or STORE_UNAVAILABLE: see plaid-item-store.ts). */
  problemCode?: ItemStoreErrorCode;
  /** Settles once opening finished (then `itemStore` or `problem` is set); never rejects. */
  ready: Promise<void>;
  /**
   * The open store once opening finished; else rejects with an ItemStoreError whose code is `problemCode` and whose
   * message is `problem` (what every node using the store fails with).
   */
  usableStore(): Promise<ItemStore>;
}
