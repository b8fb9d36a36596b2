'use strict';
// Literals the hand-written editor files repeat from the runtime, written by the build. A source file (nodes/*.html,
// the help in nodes/locales/<lang>/*.html, plugins/) says {{name}} where one goes; the build writes the runtime's
// value there (read from dist/, as the nodes run with it) and stops at a name it does not know. The generated
// endpoint nodes' html (scripts/build-editor.js) takes the same values.
const fs = require('node:fs');
const path = require('node:path');
const { runtime } = require('./editor-scripts');

/** Each literal's value, a string; a list is one line per entry, at the indentation of the line that names it. */
const LITERALS = {
  /** SETTINGS_VERSION (src/nodes/migrations.ts): the settings version new nodes are saved with. */
  settingsVersion: () => String(runtime('nodes/migrations.js').SETTINGS_VERSION),
  /** OUTPUT_COUNT (src/plaid/webhook/routing.ts): plaid-webhook-in's routed outputs and "other". */
  webhookOutputCount: () => String(runtime('plaid/webhook/routing.js').OUTPUT_COUNT),
  /** plaid-webhook-in's help: a port per routed (type, code) pair, in output order ("other" follows, hand-written). */
  webhookRoutedPorts: () => runtime('plaid/webhook/routing.js').ROUTED_WEBHOOKS.map(([type, code]) => `<li>${type} ${code}</li>`),
};

/** `text` with every {{name}} replaced by its literal; `source` names the file in the error for an unknown name. */
function fillLiterals(text, source = 'an editor file') {
  return text.replace(/\{\{(\w+)\}\}/g, (_, name, offset) => {
    if (!Object.hasOwn(LITERALS, name)) throw new Error(`${source} names {{${name}}}, which the build does not know (scripts/lib/editor-literals.js)`);
    const value = LITERALS[name]();
    if (!Array.isArray(value)) return value;
    const indent = /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', offset) + 1))[0];
    return value.join(`\n${indent}`);
  });
}

/** Fills the literals of every html file below `dir` (a dist/ copy of nodes/ or plugins/) in place. */
function fillLiteralsIn(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.html')) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const text = fs.readFileSync(file, 'utf8');
    const filled = fillLiterals(text, path.relative(dir, file));
    if (filled !== text) fs.writeFileSync(file, filled);
  }
}

module.exports = { LITERALS, fillLiterals, fillLiteralsIn };
