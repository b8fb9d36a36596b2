'use strict';
// The README's monitoring section is the users' list of metrics, refusal reasons and event channels: it must name
// exactly what the code defines (src/plugins/metrics/definitions.ts, src/plaid/webhook/rejection.ts,
// src/plaid/channels.ts), and its scrape_config the route the exporter serves.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { createMetrics } = require('../../dist/plugins/metrics/definitions');
const { METRICS_ROUTE } = require('../../dist/plugins/metrics/route');
const { REJECTION_REASONS } = require('../../dist/plaid/webhook/rejection');
const { channels } = require('../../dist/plaid/channels');

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const section = README.slice(README.indexOf('## Monitoring with Prometheus'), README.indexOf('## Message contract'));

/** The rows of the table whose header row starts with `| first |`, as arrays of cells without backticks. */
function table(first) {
  const lines = section.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`| ${first} |`));
  assert.ok(start >= 0, `a table starting with ${first}`);
  const rows = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/`/g, '')));
  }
  return rows;
}

describe('README: monitoring with Prometheus', () => {
  it('lists every metric the exporter serves, with its type and labels, and no other', () => {
    // prom-client's typings leave out the label names its metric objects keep.
    const metrics = /** @type {Array<{name: string, type: string, labelNames: string[]}>} */ (/** @type {unknown} */ (createMetrics().registry.getMetricsAsArray()));
    const rows = table('metric');
    assert.deepEqual(rows.map((row) => row[0]), metrics.map((metric) => metric.name));
    for (const metric of metrics) {
      const [, type, labels] = rows.find((row) => row[0] === metric.name);
      assert.equal(type, metric.type, metric.name);
      assert.deepEqual(labels.split(',').map((label) => label.trim()), metric.labelNames, metric.name);
    }
  });

  it('lists every reason a delivery is refused for, with its status', () => {
    assert.deepEqual(table('reason').map(([reason, status]) => [reason, Number(status)]), Object.entries(REJECTION_REASONS));
  });

  it('lists every event channel', () => {
    assert.deepEqual(table('channel').map(([name]) => name), Object.values(channels).map((channel) => channel.name));
  });

  it('its scrape_config reads the exporter\'s route, with a bearer token', () => {
    assert.match(section, new RegExp(`metrics_path: ${METRICS_ROUTE}\\n`));
    assert.match(section, /type: Bearer/);
  });
});
