'use strict';
// A real Prometheus (Debian's package, a throwaway configuration and data directory, loopback) scraping a running
// Node-RED (the embedded launcher with adminAuth) as the README's scrape_config does, with a bearer token from
// adminAuth.tokens. After known traffic its query API answers exactly the counts sent; targets whose token lacks
// plaid-items.read, or that have none, are down with 401; the shipped alert rules load, and PlaidItemsNeedingAction
// fires once enough Items need action (its `for` and the evaluation interval shortened); no answer holds a token,
// an item_id or a client_user_id. Ends with a screenshot of the graph page showing the Items by status.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startPrometheus } = require('../../scripts/lib/prometheus-server');
const { startMetricsRig, stopMetricsRig, knownTraffic, fire, TOKENS } = require('../support/metrics-rig');
const { until } = require('../support/until');
const { alertGroups } = require('./support/alert-rules');
const { launch } = require('../browser/support/browser');

const root = path.join(__dirname, '..', '..');
const IMAGES = path.resolve(root, process.env.PLAID_SCREENSHOTS_DIR || path.join('test-results', 'screenshots'));
const JOB = 'node-red';
const STAGED_ALERT = 'PlaidItemsNeedingAction';

/** The shipped rules as Prometheus loads them, with the staged rule's `for` and every group's interval shortened. */
function rulesForTheTest() {
  return {
    groups: alertGroups().map((group) => ({
      ...group,
      interval: '1s',
      rules: group.rules.map((rule) => (rule.alert === STAGED_ALERT ? { ...rule, for: '1s' } : rule)),
    })),
  };
}

describe('a real Prometheus scraping Node-RED', function () {
  this.timeout(120000);
  let rig;
  let prometheus;
  let expected;
  let prometheusStartedAt;
  /** Every answer of Prometheus' API a test read. */
  const answers = [];

  async function api(urlPath) {
    const res = await fetch(prometheus.url + urlPath);
    const text = await res.text();
    answers.push(text);
    assert.equal(res.status, 200, `${urlPath}: ${text}`);
    const body = JSON.parse(text);
    assert.equal(body.status, 'success', text);
    return body.data;
  }
  const query = async (promql) => (await api(`/api/v1/query?query=${encodeURIComponent(promql)}`)).result;
  const targets = async () => (await api('/api/v1/targets?state=active')).activeTargets;
  const target = async (job) => (await targets()).find((t) => t.labels.job === job);
  const alerts = async () => (await api('/api/v1/alerts')).alerts;

  /** Resolves once every target has been scraped, and every rule group evaluated, after `since` (ms). */
  async function scrapedAndEvaluatedAfter(since) {
    await until('a scrape after the traffic', async () => (await targets()).every((t) => Date.parse(t.lastScrape) > since), 20000);
    await until('a rule evaluation after that scrape', async () => (await api('/api/v1/rules')).groups.every((g) => Date.parse(g.lastEvaluation) > since + 1000), 20000);
  }

  before(async () => {
    rig = await startMetricsRig();
    const host = new URL(rig.url).host;
    const job = (name, authorization) => ({
      job_name: name,
      metrics_path: '/plaid-items/metrics',
      scrape_interval: '1s',
      scrape_timeout: '1s',
      ...(authorization ? { authorization } : {}),
      static_configs: [{ targets: [host] }],
    });
    prometheusStartedAt = Date.now();
    prometheus = await startPrometheus({
      files: { 'alerts.yml': rulesForTheTest(), 'node-red-token': TOKENS.scraper, 'outsider-token': TOKENS.outsider },
      config: (dir) => ({
        global: { evaluation_interval: '1s' },
        rule_files: [path.join(dir, 'alerts.yml')],
        scrape_configs: [
          job(JOB, { type: 'Bearer', credentials_file: path.join(dir, 'node-red-token') }),
          job('without-permission', { type: 'Bearer', credentials_file: path.join(dir, 'outsider-token') }),
          job('without-token'),
        ],
      }),
    });
    await until('Node-RED scraped', async () => (await target(JOB))?.health === 'up', 20000);
    expected = await knownTraffic(rig, { forged: 5, plaidErrors: 3 });
    await scrapedAndEvaluatedAfter(Date.now());
  });

  after(async () => {
    await prometheus?.stop();
    await stopMetricsRig();
  });

  it('scrapes with the bearer token of a user with plaid-items.read; without the permission, or a token, the target is down with 401', async () => {
    assert.equal((await target(JOB)).health, 'up');
    for (const name of ['without-permission', 'without-token']) {
      const down = await target(name);
      assert.equal(down.health, 'down', name);
      assert.match(down.lastError, /401 Unauthorized/, name);
    }
  });

  it('loaded the shipped alert rules', async () => {
    const loaded = (await api('/api/v1/rules')).groups.flatMap((g) => g.rules).map((r) => r.name);
    assert.deepEqual(loaded, alertGroups().flatMap((g) => g.rules).map((r) => r.alert));
  });

  describe('the query API answers the known traffic exactly', () => {
    /** The result's samples as {labels without job and instance: value}, sorted. */
    const samples = (result) => result.map(({ metric, value }) => {
      const { job: _job, instance: _instance, __name__: _name, ...labels } = metric;
      return { ...labels, count: Number(value[1]) };
    }).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const sorted = (list) => [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

    it('N deliveries of known codes: by node, webhook_type, webhook_code and outcome', async () => {
      const result = await query(`node_red_plaid_webhook_deliveries_total{job="${JOB}"}`);
      assert.deepEqual(samples(result), sorted(expected.deliveries.map((d) => ({ node: 'hook-main', ...d }))));
      const emitted = expected.deliveries.filter((d) => d.outcome === 'emitted').reduce((sum, d) => sum + d.count, 0);
      assert.equal(Number((await query(`sum(node_red_plaid_webhook_deliveries_total{job="${JOB}",outcome="emitted"})`))[0].value[1]), emitted);
    });

    it('M forged ones, and the other refusals: by node, reason and status', async () => {
      const result = await query(`node_red_plaid_webhook_rejections_total{job="${JOB}"}`);
      assert.deepEqual(samples(result), sorted(expected.rejections.map((r) => ({ node: 'hook-main', ...r }))));
      assert.equal(Number((await query(`node_red_plaid_webhook_rejections_total{job="${JOB}",reason="bad_signature"}`))[0].value[1]), 5);
    });

    it('K Plaid errors: calls by endpoint, outcome and error_type, and their retries', async () => {
      const result = await query(`node_red_plaid_api_calls_total{job="${JOB}"}`);
      // An empty label is no label to Prometheus.
      assert.deepEqual(samples(result), sorted(expected.apiCalls.map(({ error_type: errorType, ...call }) => (errorType ? { ...call, error_type: errorType } : call))));
      assert.equal(Number((await query(`sum(node_red_plaid_api_calls_total{job="${JOB}",outcome!="ok"})`))[0].value[1]), 3);
      const retries = await query(`node_red_plaid_api_retries_total{job="${JOB}"}`);
      assert.deepEqual(samples(retries), Object.entries(expected.retries).map(([endpoint, count]) => ({ endpoint, count })));
    });

    it('Items by store and status', async () => {
      const result = await query(`node_red_plaid_items{job="${JOB}",store="store-main"}`);
      assert.deepEqual(Object.fromEntries(result.map(({ metric, value }) => [metric.status, Number(value[1])])), expected.statuses);
    });
  });

  describe('alert rules', () => {
    it(`${STAGED_ALERT} stays quiet at 3 Items needing action of 6, and fires once 5 do`, async () => {
      assert.deepEqual((await alerts()).filter((a) => a.labels.alertname === STAGED_ALERT), [], 'not at 3 of 6');
      const staged = Date.now();
      for (const itemId of [expected.items[4], expected.items[5]]) assert.equal(await fire(rig, itemId, 'ERROR'), 200);
      const firing = await until(`${STAGED_ALERT} firing`, async () => (await alerts()).find((a) => a.labels.alertname === STAGED_ALERT && a.state === 'firing'), 30000);
      assert.ok(Date.parse(firing.activeAt) > staged - 1000, 'active since the staged change');
      assert.deepEqual(firing.labels, { alertname: STAGED_ALERT, job: JOB, severity: 'warning', store: 'store-main' });
      assert.equal(firing.annotations.summary, 'Item store store-main: 83.33% of its Items have needed action for an hour');
    });

    it('the other rules keep to their own conditions and durations: none fires', async () => {
      const others = (await alerts()).filter((a) => a.labels.alertname !== STAGED_ALERT);
      assert.deepEqual(others.filter((a) => a.state === 'firing'), []);
      // The store without a directory is down: its rule is pending, for its 5 minutes.
      assert.ok(others.some((a) => a.labels.alertname === 'PlaidItemStoreDown' && a.labels.store === 'store-broken' && a.state === 'pending'), JSON.stringify(others));
    });
  });

  describe('after the traffic and the staged alert', () => {
    it('no answer of Node-RED or Prometheus, nor any series Prometheus stored, holds a token, an item_id or a client_user_id', async () => {
      const res = await fetch(`${prometheus.url}/federate?match[]=${encodeURIComponent('{job=~".+"}')}`);
      const stored = await res.text();
      assert.equal(res.status, 200);
      assert.match(stored, /node_red_plaid_items\{/);
      const secrets = [...expected.accessTokens, ...expected.items, ...expected.clientUserIds, ...Object.values(TOKENS), rig.emulator.secret, 'access-sandbox-'];
      for (const text of [stored, ...answers, ...rig.answers.map((a) => a.text)]) {
        for (const secret of secrets) assert.equal(text.includes(secret), false, `an answer holds ${secret}`);
      }
    });

    it('the graph page shows the Items by status (screenshot for the README)', async () => {
      const browser = await launch({ width: 1200, height: 900 });
      try {
        const { page, problems } = browser;
        const expr = 'sum by (status) (node_red_plaid_items{store="store-main"})';
        // The whole run, from Prometheus' start: the Items linked, their webhooks, the staged errors.
        const range = `${Math.ceil((Date.now() - prometheusStartedAt) / 1000) + 2}s`;
        await page.goto(`${prometheus.url}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=0&g0.stacked=0&g0.range_input=${range}`);
        const legend = page.locator('.legend .line .label');
        await until('the graph legend', async () => (await legend.count()) === Object.keys(expected.statuses).length, 30000);
        const shown = await legend.allInnerTexts();
        assert.deepEqual(shown.map((text) => text.trim()).sort(), Object.keys(expected.statuses).map((status) => `{status="${status}"}`).sort());
        fs.mkdirSync(IMAGES, { recursive: true });
        await page.screenshot({ path: path.join(IMAGES, 'prometheus-items-by-status.png'), fullPage: true });
        // Debian's libjs-popper.js ships Popper as an ES module, which the classic UI loads as a plain script: it
        // throws once, and only the navigation's dropdown menus need it.
        assert.deepEqual(problems.filter((problem) => problem !== "pageerror: Unexpected token 'export'"), []);
      } finally {
        await browser.close();
      }
    });
  });
});
