'use strict';
// A Node-RED context store standing in for a shared one (Redis and the like): values are kept serialised, outside
// any runtime, and survive a runtime's clean-up, so two "instances" loaded one after another see the same data.
function sharedStore(data = new Map()) {
  const storeKey = (scope, key) => `${scope}\u0000${key}`;
  const plugin = () => ({
    open: () => Promise.resolve(),
    close: () => Promise.resolve(),
    get(scope, key, callback) {
      const read = (k) => (data.has(storeKey(scope, k)) ? JSON.parse(data.get(storeKey(scope, k))) : undefined);
      const values = Array.isArray(key) ? key.map(read) : [read(key)];
      callback(undefined, ...values);
    },
    set(scope, key, value, callback) {
      if (value === undefined) data.delete(storeKey(scope, key));
      else data.set(storeKey(scope, key), JSON.stringify(value));
      if (callback) callback();
    },
    keys(scope, callback) {
      const prefix = `${scope}\u0000`;
      callback(undefined, [...data.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
    },
    delete: () => Promise.resolve(),
    clean: () => Promise.resolve(),
  });
  return { data, plugin };
}

module.exports = { sharedStore };
