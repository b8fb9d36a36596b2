'use strict';
// What `npm pack` puts in the tarball: every source map it ships carries the sources it maps (the package has no
// src/), and every compiled file that names a map ships with it.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');

describe('the packed package', function () {
  this.timeout(60000);
  // --ignore-scripts: list what is built now, without `prepare` rebuilding dist/ under the running suite.
  const [{ files }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }));
  const packed = new Set(files.map((f) => f.path));
  const maps = [...packed].filter((f) => f.endsWith('.map'));

  it('ships the compiled nodes and no TypeScript sources or build leftovers', function () {
    assert.ok(packed.has('dist/nodes/plaid-config.js'));
    assert.ok(packed.has('dist/nodes/plaid-endpoints.html'));
    assert.deepEqual([...packed].filter((f) => f.startsWith('src/') || f.startsWith('build/') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))), []);
  });

  it('has no source map without the contents of every source it names', function () {
    assert.ok(maps.length > 0, 'the build writes source maps');
    const lacking = maps.filter((file) => {
      const map = JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));
      const contents = map.sourcesContent || [];
      return map.sources.some((source, i) => typeof contents[i] !== 'string' && !packed.has(path.posix.join(path.posix.dirname(file), map.sourceRoot || '', source)));
    });
    assert.deepEqual(lacking, []);
  });

  it('ships the map of every compiled file that names one', function () {
    const missing = [...packed].filter((f) => f.endsWith('.js')).flatMap((file) => {
      const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(path.join(ROOT, file), 'utf8'));
      const map = m && path.posix.join(path.posix.dirname(file), m[1]);
      return map && !packed.has(map) ? [map] : [];
    });
    assert.deepEqual(missing, []);
  });
});
