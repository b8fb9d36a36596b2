// The dedupe seen-set's store: this node's context, in the context store the user picked.
import type { NodeContextData } from 'node-red';
import type { SeenStore } from '../../plaid/webhook/dedupe';

type Callback = (err: Error | null | undefined, ...values: unknown[]) => void;

/** `store` undefined means Node-RED's default context store. */
export function contextSeenStore(context: NodeContextData, store: string | undefined): SeenStore {
  // The typings declare the multi-key callback as (err, values[]); the runtime passes the values as separate
  // arguments (memory.js: callback.apply(null, [undefined].concat(value))), so the call goes untyped.
  const untyped = context as unknown as {
    get(keys: string[], store: string | undefined, cb: Callback): void;
    set(key: string, value: unknown, store: string | undefined, cb: Callback): void;
    keys(store: string | undefined, cb: Callback): void;
  };
  return {
    get: (keys) => new Promise((resolve, reject) => untyped.get(keys, store, (err, ...values) => (err ? reject(err) : resolve(values)))),
    set: (key, value) => new Promise((resolve, reject) => untyped.set(key, value, store, (err) => (err ? reject(err) : resolve()))),
    keys: () => new Promise((resolve, reject) => untyped.keys(store, (err, keys) => (err ? reject(err) : resolve((keys as string[]) ?? [])))),
  };
}
