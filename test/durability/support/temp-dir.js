'use strict';
// A durability suite's working directory: made before its tests, removed with everything in it after them.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** Registers the suite's hooks; the returned function gives the directory (once the suite has started). */
function suiteTempDir(prefix) {
  let dir;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}

module.exports = { suiteTempDir };
