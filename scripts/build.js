'use strict';
// Compiles src/ to dist/ and lays the editor side (nodes/: html, icons, locales) beside the compiled node files,
// where Node-RED's loader looks for them.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
fs.cpSync(path.join(root, 'nodes'), path.join(dist, 'nodes'), { recursive: true });
require('./build-editor').writeEditor();
