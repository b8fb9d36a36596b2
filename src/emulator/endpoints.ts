// Every Plaid path the emulator answers.
import type { Endpoint } from './endpoint';
import { ITEM_ENDPOINTS } from './endpoints-item';
import { OTHER_ENDPOINTS } from './endpoints-other';
import { SANDBOX_ENDPOINTS } from './endpoints-sandbox';

export const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map(
  Object.entries({ ...ITEM_ENDPOINTS, ...SANDBOX_ENDPOINTS, ...OTHER_ENDPOINTS }),
);
