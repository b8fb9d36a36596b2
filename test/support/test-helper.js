'use strict';
// node-red-node-test-helper, initialised on the installed Node-RED, with the package's locale texts. The helper gives
// every node module a RED._ that returns the key it is asked for; Node-RED's own looks the key up in the node set's
// catalog (nodes/locales/en-US/<node set>.json) and fills in its __name__ parts. Loaded through here, the nodes say
// in statuses, logs and errors what they say in Node-RED, so the suites assert on the texts users read.
const path = require('node:path');
const helper = require('node-red-node-test-helper');
const pkg = require('../../package.json');

helper.init(require.resolve('node-red'));

const root = path.join(__dirname, '..', '..');

/** Each node set's module, as the tests require it from dist/, and its catalog beside it. */
const catalogs = new Map(Object.values(pkg['node-red'].nodes).map((file) => [
  require(path.join(root, file)),
  require(path.join(root, path.dirname(file), 'locales', 'en-US', `${path.basename(file, '.js')}.json`)),
]));

/** RED._ for one catalog, as Node-RED's i18next is set up: `__name__` from the data, values not escaped. */
function translator(catalog) {
  return (key, data) => {
    const text = key.split('.').reduce((node, part) => (node && typeof node === 'object' ? node[part] : undefined), catalog);
    if (typeof text !== 'string') return key;
    return text.replace(/__(\w+)__/g, (whole, name) => (data && Object.hasOwn(data, name) ? String(data[name]) : whole));
  };
}

/** One of the package's node modules, given RED with its node set's RED._ (the rest of RED as the helper has it). */
function withLocales(module) {
  const catalog = catalogs.get(module);
  if (!catalog) throw new Error('not a node module of the package');
  const _ = translator(catalog);
  return (RED) => module(Object.assign(Object.create(RED), { _ }));
}

const load = helper.load.bind(helper);
/** As the helper's load, each of the package's node modules through withLocales. */
helper.load = (modules, ...rest) => load([modules].flat().map((module) => (catalogs.has(module) ? withLocales(module) : module)), ...rest);

module.exports = { helper, withLocales };
