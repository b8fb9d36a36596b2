'use strict';
// Nothing is compiled or fetched when a user installs the package, and npm runs no install script it was not told
// to: npm 11 lists the scripts package.json's allowScripts does not cover after every install, npm 12 skips them,
// and the `node` devDependency's preinstall is what gives the npm scripts their Node 22 on a machine with Node 20.
const assert = require('node:assert/strict');
const path = require('node:path');
const { installScripts } = require('../../scripts/lib/tarball');

const ROOT = path.join(__dirname, '..', '..');
const pkg = require('../../package.json');

describe('install scripts', function () {
  this.timeout(60000);
  /** @type {Array<{name: string, version: string, dev: boolean}>} */
  let found;
  before(() => { found = installScripts(ROOT); });

  it('finds the ones there are (control: the node devDependency has a preinstall)', () => {
    assert.ok(found.some((p) => p.name === 'node' && p.dev), JSON.stringify(found));
  });

  it('no runtime dependency has one, directly or deeper', () => {
    assert.deepEqual(found.filter((p) => !p.dev).map((p) => `${p.name}@${p.version}`), []);
  });

  it('each is decided in package.json allowScripts: node runs, every other is denied', () => {
    /** @type {Record<string, boolean>} */
    const allow = pkg.allowScripts ?? {};
    for (const { name, version } of found) {
      assert.equal(typeof allow[name], 'boolean', `${name}@${version} has an install script that allowScripts does not decide`);
    }
    assert.equal(allow.node, true);
    assert.deepEqual(Object.entries(allow).filter(([name, run]) => run && name !== 'node'), [], 'only node runs its script');
  });
});
