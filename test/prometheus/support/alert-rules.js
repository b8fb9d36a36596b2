'use strict';
// The shipped alert rules (docs/prometheus/alerts.yml), read with the YAML parser mocha itself uses, and promtool.
const path = require('node:path');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');

const yaml = require(require.resolve('js-yaml', { paths: [path.dirname(require.resolve('mocha/package.json'))] }));

const ROOT = path.join(__dirname, '..', '..', '..');
const ALERTS_FILE = path.join(ROOT, 'docs', 'prometheus', 'alerts.yml');
const PROMTOOL = process.env.PLAID_PROMTOOL || '/usr/bin/promtool';

/** The file's groups, as Prometheus reads them. */
function alertGroups() {
  return yaml.load(require('node:fs').readFileSync(ALERTS_FILE, 'utf8')).groups;
}

/** Every alerting rule of the file, by its name. */
function alertRules() {
  return new Map(alertGroups().flatMap((group) => group.rules).map((rule) => [rule.alert, rule]));
}

/** Runs promtool; resolves to {code, output} whatever its exit code. */
async function promtool(...args) {
  try {
    const { stdout, stderr } = await promisify(execFile)(PROMTOOL, args);
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error(`${PROMTOOL} not found: apt-get install prometheus (or set PLAID_PROMTOOL)`, { cause: err });
    return { code: err.code, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

module.exports = { ALERTS_FILE, alertGroups, alertRules, promtool };
