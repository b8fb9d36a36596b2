'use strict';
// Compiles src/ to dist/ and lays the editor side (nodes/ and plugins/: html, icons, locales) beside the compiled
// node and plugin files, where Node-RED's loader looks for them.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
for (const side of ['nodes', 'plugins']) fs.cpSync(path.join(root, side), path.join(dist, side), { recursive: true });
require('./build-editor').writeEditor();
