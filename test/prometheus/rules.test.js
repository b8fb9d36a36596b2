'use strict';
// docs/prometheus/alerts.yml as an operations team loads it: `promtool check rules` accepts it, every rule says what
// it is about (severity, summary, runbook), and `promtool test rules` shows each rule firing on the series it is
// written for, with its summary rendered, and staying quiet on the ones it must ignore.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ALERTS_FILE, alertRules, promtool } = require('./support/alert-rules');

const M = 'node_red_plaid_';
const rules = alertRules();

/** An expected alert: its labels (severity included) and its summary; the runbook is the rule's own, unrendered. */
function alert(name, labels, summary) {
  const rule = rules.get(name);
  assert.ok(rule, `the file has a rule ${name}`);
  return { exp_labels: labels, exp_annotations: { summary, runbook: rule.annotations.runbook } };
}

/** promtool unit tests: per rule, the times it must be quiet (no alerts) and those it must fire. */
const UNIT_TESTS = [
  {
    // Two instances read one shared store (the same values); s2 has too few Items needing action, s3 too small a share.
    interval: '1m',
    input_series: [
      ...['a', 'b'].flatMap((instance) => [
        { series: `${M}items_needing_action{job="nr",instance="${instance}",store="s1"}`, values: '6x120' },
        { series: `${M}items{job="nr",instance="${instance}",store="s1",status="healthy"}`, values: '20x120' },
        { series: `${M}items{job="nr",instance="${instance}",store="s1",status="login_required"}`, values: '6x120' },
        // Removed Items do not count: with them the share would be 6 / 126, under 10 %.
        { series: `${M}items{job="nr",instance="${instance}",store="s1",status="removed"}`, values: '100x120' },
      ]),
      { series: `${M}items_needing_action{job="nr",instance="a",store="s2"}`, values: '4x120' },
      { series: `${M}items{job="nr",instance="a",store="s2",status="login_required"}`, values: '4x120' },
      { series: `${M}items_needing_action{job="nr",instance="a",store="s3"}`, values: '6x120' },
      { series: `${M}items{job="nr",instance="a",store="s3",status="healthy"}`, values: '94x120' },
    ],
    alert_rule_test: [
      { eval_time: '59m', alertname: 'PlaidItemsNeedingAction', exp_alerts: [] },
      {
        eval_time: '61m',
        alertname: 'PlaidItemsNeedingAction',
        exp_alerts: [alert('PlaidItemsNeedingAction', { severity: 'warning', job: 'nr', store: 's1' }, 'Item store s1: 23.08% of its Items have needed action for an hour')],
      },
    ],
  },
  {
    // 12 forged deliveries a minute on h1; 3 stale ones a minute is below the threshold.
    interval: '1m',
    input_series: [
      { series: `${M}webhook_rejections_total{job="nr",instance="a",node="h1",reason="bad_signature",status="401"}`, values: '0+12x30' },
      { series: `${M}webhook_rejections_total{job="nr",instance="a",node="h1",reason="stale",status="401"}`, values: '0+3x30' },
    ],
    alert_rule_test: [
      { eval_time: '9m', alertname: 'PlaidWebhookRejectionsSpiking', exp_alerts: [] },
      {
        eval_time: '15m',
        alertname: 'PlaidWebhookRejectionsSpiking',
        exp_alerts: [alert('PlaidWebhookRejectionsSpiking', { severity: 'warning', job: 'nr', node: 'h1', reason: 'bad_signature', status: '401' }, 'plaid-webhook-in h1 refuses 12 deliveries a minute (bad_signature, HTTP 401)')],
      },
    ],
  },
  {
    // nr: 10 Plaid errors and 50 Item errors for 100 successes (10 / 160 fail); nr2: only Item errors, which do not count.
    interval: '1m',
    input_series: [
      { series: `${M}api_calls_total{job="nr",instance="a",endpoint="item/get",outcome="ok",error_type=""}`, values: '0+100x30' },
      { series: `${M}api_calls_total{job="nr",instance="a",endpoint="item/get",outcome="INTERNAL_SERVER_ERROR",error_type="API_ERROR"}`, values: '0+10x30' },
      { series: `${M}api_calls_total{job="nr",instance="a",endpoint="item/get",outcome="ITEM_LOGIN_REQUIRED",error_type="ITEM_ERROR"}`, values: '0+50x30' },
      { series: `${M}api_calls_total{job="nr2",instance="a",endpoint="item/get",outcome="ok",error_type=""}`, values: '0+100x30' },
      { series: `${M}api_calls_total{job="nr2",instance="a",endpoint="item/get",outcome="ITEM_LOGIN_REQUIRED",error_type="ITEM_ERROR"}`, values: '0+50x30' },
    ],
    alert_rule_test: [
      { eval_time: '9m', alertname: 'PlaidApiErrorRate', exp_alerts: [] },
      { eval_time: '15m', alertname: 'PlaidApiErrorRate', exp_alerts: [alert('PlaidApiErrorRate', { severity: 'warning', job: 'nr' }, '6.25% of the calls to Plaid fail')] },
    ],
  },
  {
    // nr: webhooks for the first 2 h, then none; nr2: Items and never a webhook (no series at all); nr3: only removed
    // Items; nr4: Items and no webhook, but scraped only since 20 h (too short to know there was none in 24 h).
    interval: '1m',
    input_series: [
      ...['nr', 'nr2', 'nr3'].map((job) => ({ series: `up{job="${job}",instance="a"}`, values: '1x1700' })),
      { series: 'up{job="nr4",instance="a"}', values: '_x1200 1x500' },
      { series: `${M}items{job="nr4",instance="a",store="s1",status="healthy"}`, values: '_x1200 4x500' },
      { series: `${M}items{job="nr",instance="a",store="s1",status="healthy"}`, values: '3x1700' },
      { series: `${M}webhook_deliveries_total{job="nr",instance="a",node="h1",webhook_type="ITEM",webhook_code="ERROR",outcome="emitted"}`, values: '0+1x120 120x1580' },
      { series: `${M}items{job="nr2",instance="a",store="s1",status="login_required"}`, values: '2x1700' },
      { series: `${M}items{job="nr3",instance="a",store="s1",status="removed"}`, values: '5x1700' },
    ],
    alert_rule_test: [
      // Not before Prometheus has scraped the job for 23 h, though nr2 never had a webhook.
      { eval_time: '22h', alertname: 'PlaidNoWebhooks', exp_alerts: [] },
      {
        eval_time: '27h',
        alertname: 'PlaidNoWebhooks',
        exp_alerts: [
          alert('PlaidNoWebhooks', { severity: 'warning', job: 'nr' }, 'No Plaid webhook delivered in 24 h although the Item stores hold 3 Items'),
          alert('PlaidNoWebhooks', { severity: 'warning', job: 'nr2' }, 'No Plaid webhook delivered in 24 h although the Item stores hold 2 Items'),
        ],
      },
    ],
  },
  {
    // s1: hourly sweeps complete at 1 h and 2 h, then none: behind once 1.5 periods have gone by (3 h 30 min), plus
    // 5 min. s2: daily sweeps, the last complete at 2 h: not behind at 4 h. s3: sweeps end incomplete from 1 h on,
    // one at 1 h, a second at 2 h (also with no complete one to date, as after a restart). s4: one incomplete only.
    interval: '1m',
    input_series: [
      { series: `${M}reconcile_last_completed_timestamp_seconds{job="nr",instance="a",store="s1"}`, values: '_x59 3600x60 7200x240' },
      { series: `${M}reconcile_interval_seconds{job="nr",instance="a",store="s1"}`, values: '_x119 3600x240' },
      { series: `${M}reconcile_last_completed_timestamp_seconds{job="nr",instance="a",store="s2"}`, values: '7200x300' },
      { series: `${M}reconcile_interval_seconds{job="nr",instance="a",store="s2"}`, values: '86400x300' },
      { series: `${M}reconcile_incomplete_in_a_row{job="nr",instance="a",store="s3"}`, values: '_x59 1x60 2x180' },
      { series: `${M}reconcile_incomplete_in_a_row{job="nr",instance="a",store="s4"}`, values: '_x59 1x240' },
    ],
    alert_rule_test: [
      { eval_time: '110m', alertname: 'PlaidReconcileBehind', exp_alerts: [] },
      { eval_time: '3h', alertname: 'PlaidReconcileBehind', exp_alerts: [alert('PlaidReconcileBehind', { severity: 'warning', job: 'nr', store: 's3' }, 'Item store s3: its reconcile sweeps are not completing')] },
      {
        eval_time: '4h',
        alertname: 'PlaidReconcileBehind',
        exp_alerts: [
          alert('PlaidReconcileBehind', { severity: 'warning', job: 'nr', store: 's1' }, 'Item store s1: its reconcile sweeps are not completing'),
          alert('PlaidReconcileBehind', { severity: 'warning', job: 'nr', store: 's3' }, 'Item store s3: its reconcile sweeps are not completing'),
        ],
      },
    ],
  },
  {
    // s1 on instance a cannot be used from 1 h on; on instance b it can.
    interval: '1m',
    input_series: [
      { series: `${M}store_up{job="nr",instance="a",store="s1"}`, values: '1x59 0x60' },
      { series: `${M}store_up{job="nr",instance="b",store="s1"}`, values: '1x120' },
    ],
    alert_rule_test: [
      { eval_time: '50m', alertname: 'PlaidItemStoreDown', exp_alerts: [] },
      { eval_time: '90m', alertname: 'PlaidItemStoreDown', exp_alerts: [alert('PlaidItemStoreDown', { severity: 'critical', job: 'nr', instance: 'a', store: 's1' }, 'Item store s1 cannot be used on a')] },
    ],
  },
];

describe('alert rules: docs/prometheus/alerts.yml', function () {
  it('promtool check rules accepts the file as it is', async () => {
    const { code, output } = await promtool('check', 'rules', ALERTS_FILE);
    assert.equal(code, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${rules.size} rules found`));
  });

  it('has the rules an operations team needs, each with a severity, a summary and a runbook line', () => {
    assert.deepEqual([...rules.keys()], [
      'PlaidItemsNeedingAction', 'PlaidWebhookRejectionsSpiking', 'PlaidApiErrorRate', 'PlaidNoWebhooks', 'PlaidReconcileBehind', 'PlaidItemStoreDown',
    ]);
    for (const [name, rule] of rules) {
      assert.match(rule.labels?.severity ?? '', /^(warning|critical)$/, name);
      assert.ok(rule.annotations?.summary?.length > 20, `${name} has a summary`);
      assert.ok(rule.annotations?.runbook?.length > 40, `${name} has a runbook line`);
      assert.doesNotMatch(rule.annotations.runbook, /\n/, `${name}: one line`);
      assert.match(rule.expr, /node_red_plaid_/, name);
    }
  });

  it('promtool test rules: each rule fires on the series it is written for, with its summary, and only there', async () => {
    const covered = new Set(UNIT_TESTS.flatMap((test) => test.alert_rule_test.map((t) => t.alertname)));
    assert.deepEqual([...covered].sort(), [...rules.keys()].sort(), 'every rule is tested');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-promtool-'));
    try {
      // JSON is YAML; promtool reads the rule file by the path given here. Rules are evaluated every 5 minutes of the
      // series' time: enough for every rule's `for`, and 27 hours of series in a few seconds.
      const file = path.join(dir, 'alerts-test.yml');
      fs.writeFileSync(file, JSON.stringify({ rule_files: [ALERTS_FILE], evaluation_interval: '5m', tests: UNIT_TESTS }, null, 2));
      const { code, output } = await promtool('test', 'rules', file);
      assert.equal(code, 0, output);
      assert.match(output, /SUCCESS/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
