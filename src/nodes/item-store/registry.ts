// Every running plaid-item-store config node, for the parts of the package that serve all of them at once (the
// editor's Plaid Items sidebar). The store node adds itself when it is created; closing it takes it out again.
import { EventEmitter } from 'node:events';
import type { PlaidItemStoreNode } from '../types';

interface RegistryEvents {
  added: [node: PlaidItemStoreNode];
  removed: [node: PlaidItemStoreNode];
}

const running = new Map<string, PlaidItemStoreNode>();

/** 'added' and 'removed' with the store node, as deploys start and stop them. */
export const itemStoreRegistry = new EventEmitter<RegistryEvents>();

/** Called once from the store node's constructor. */
export function registerItemStore(node: PlaidItemStoreNode): void {
  running.set(node.id, node);
  node.on('close', () => {
    // Only this node: after a redeploy its id may belong to its replacement.
    if (running.get(node.id) !== node) return;
    running.delete(node.id);
    itemStoreRegistry.emit('removed', node);
  });
  itemStoreRegistry.emit('added', node);
}

export function runningItemStores(): PlaidItemStoreNode[] {
  return [...running.values()];
}

export function runningItemStore(id: string): PlaidItemStoreNode | undefined {
  return running.get(id);
}
