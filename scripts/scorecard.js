#!/usr/bin/env node
'use strict';
// The Flow Library scorecard, as `node-red-dev validate` computes it, run offline: its one look-up of the Flow
// Library catalogue (used for P08, similarly named packages) is answered with an empty catalogue, since that host is
// unreachable here. The tool always exits 0, so this script reads its JSON and fails on any failed check. It also
// checks P04 (scoped name) and P05 (the node-red keyword) itself: the tool records them as passed whatever it finds.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

const toolDir = path.dirname(require.resolve('node-red-dev/package.json'));
const axios = require(require.resolve('axios', { paths: [toolDir] }));

const realGet = axios.get.bind(axios);
axios.get = (url, ...rest) => (String(url).startsWith('https://catalogue.nodered.org/')
  ? Promise.resolve({ status: 200, data: { modules: [] } })
  : realGet(url, ...rest));

async function main() {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scorecard-')), 'score.json');
  const Validate = require(path.join(toolDir, 'src', 'commands', 'validate.js'));
  await Validate.run(['--path', ROOT, '--output', out, '--embed', 'true']);
  const score = JSON.parse(fs.readFileSync(out, 'utf8'));
  const pkg = require('../package.json');
  score.P04 = { test: pkg.name.startsWith('@') };
  score.P05 = { test: (pkg.keywords || []).includes('node-red') };
  score.N00 = { test: everyTypeParsable(pkg), note: 'every node type is a literal registerType the tool can read' };
  const results = Object.entries(score).filter(([, v]) => v && typeof v === 'object' && 'test' in v);
  const failed = results.filter(([, v]) => v.test === false);
  console.log('\nScorecard:');
  for (const [check, v] of results) console.log(`  ${v.test ? 'pass' : 'FAIL'} ${check}`);
  if (failed.length) {
    console.error(`\n${failed.length} check(s) failed: ${failed.map(([c, v]) => `${c} ${JSON.stringify(v)}`).join(', ')}`);
    process.exit(1);
  }
  console.log(`\nAll ${results.length} checks passed.`);
}

/**
 * The tool silently skips an editor file it cannot parse, and then passes N01/N02 for want of nodes: require every
 * registered type to appear as `RED.nodes.registerType('<type>', {` in the html beside its runtime file.
 */
function everyTypeParsable(pkg) {
  const html = Object.values(pkg['node-red'].nodes)
    .map((js) => fs.readFileSync(path.join(ROOT, js.replace(/\.js$/, '.html')), 'utf8')).join('\n');
  const endpoints = require('../dist/plaid/endpoints').ENDPOINTS.map((e) => e.type);
  const missing = ['plaid-config', 'plaid-webhook-in', 'plaid-item-store', 'plaid-items', ...endpoints]
    .filter((type) => !new RegExp(`RED\\.nodes\\.registerType\\(\\s*['"]${type}['"]\\s*,\\s*\\{`).test(html));
  if (missing.length) console.error(`Not readable by the scorecard: ${missing.join(', ')}`);
  return missing.length === 0;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
