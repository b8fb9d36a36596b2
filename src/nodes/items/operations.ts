// The operations of a `plaid-items` node, in the order its dialog offers them (the build injects them there).
export const ITEMS_OPERATIONS = ['get', 'put', 'delete', 'list'] as const;
export type ItemsOperation = (typeof ITEMS_OPERATIONS)[number];
