// The dedupe seen-set's store: this node's context, in the context store the user picked.
import type { NodeContextData } from 'node-red';
import type { SeenStore } from '../../plaid/webhook/dedupe';

type Callback = (err: Error | null | undefined, ...values: unknown[]) => void;

/**
 * `store` undefined means Node-RED's default context store. `namespace` prefixes every key, so several nodes can
 * share one context (a flow's) without seeing each other's keys.
 */
export function contextSeenStore(context: NodeContextData, store: string | undefined, namespace = ''): SeenStore {
  // The typings declare the multi-key callback as (err, values[]); the runtime passes the values as separate
  // arguments (memory.js: callback.apply(null, [undefined].concat(value))), so the call goes untyped.
  const untyped = context as unknown as {
    get(keys: string[], store: string | undefined, cb: Callback): void;
    set(key: string, value: unknown, store: string | undefined, cb: Callback): void;
    keys(store: string | undefined, cb: Callback): void;
  };
  return {
    get: (keys) => new Promise((resolve, reject) => untyped.get(keys.map((k) => namespace + k), store, (err, ...values) => (err ? reject(err) : resolve(values)))),
    set: (key, value) => new Promise((resolve, reject) => untyped.set(namespace + key, value, store, (err) => (err ? reject(err) : resolve()))),
    keys: () => new Promise((resolve, reject) => untyped.keys(store, (err, keys) => (err ? reject(err)
      : resolve(((keys as string[]) ?? []).filter((k) => k.startsWith(namespace)).map((k) => k.slice(namespace.length)))))),
  };
}
