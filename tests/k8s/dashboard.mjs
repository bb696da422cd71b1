// The Grafana dashboard (k8s/grafana-dashboard.json), checked offline:
// every panel's query parses as PromQL (@prometheus-io/lezer-promql, the
// parser of Prometheus' own UI) and names only metrics documented in
// docs/metrics.md; the panels an operator watches first are there; ids,
// refIds and grid positions are sound. Then broken copies must be refused.
//
// Usage: node tests/k8s/dashboard.mjs <repository root>   (exit 1 on any error)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const repo = process.argv[2];
if (!repo) {
  console.error('usage: node dashboard.mjs <repository root>');
  process.exit(2);
}
const require = createRequire(join(repo, 'package.json'));
const { parser } = require('@prometheus-io/lezer-promql');

// name -> type, from every table of docs/metrics.md ("| `name` | type | ...").
function documentedMetrics(text) {
  const metrics = new Map();
  for (const line of text.split('\n')) {
    const m = /^\| `(replex_[a-z0-9_]+)` \| (counter|gauge|histogram|summary) \|/.exec(line);
    if (m) metrics.set(m[1], m[2]);
  }
  return metrics;
}

// The metrics of the "panels an operator watches first".
const kWatchedFirst = [
  'replex_consensus_height', 'replex_commit_latency_seconds', 'replex_consensus_view_changes_total',
  'replex_mempool_txs', 'replex_p2p_peers', 'replex_orders_total', 'replex_trades_total',
  'replex_settlement_batches_pending',
];

// Grafana's variables replaced by values PromQL accepts, as Grafana does before sending.
function expandVariables(expr) {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, 'x');
}

// Metric names of one expression, or an error.
function metricNames(expr) {
  const tree = parser.parse(expandVariables(expr));
  const names = [];
  let error = null;
  const text = expandVariables(expr);
  tree.iterate({
    enter: (node) => {
      if (node.type.isError && error === null) error = `PromQL syntax error at offset ${node.from}: '${text.slice(node.from, node.from + 20)}'`;
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(text.slice(node.from, node.to));
    },
  });
  return { names, error };
}

// The documented metric a series name belongs to (histograms: _bucket, _sum, _count).
function resolve(name, documented) {
  if (documented.has(name)) return name;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m && documented.get(m[1]) === 'histogram') return m[1];
  return null;
}

export function checkDashboard(dashboard, documented) {
  const errors = [];
  const used = new Set();
  const ids = new Set();
  const cells = [];
  const vars = (dashboard.templating?.list ?? []).map((v) => v.name);
  if (!vars.includes('datasource')) errors.push('templating: no "datasource" variable (panels name ${datasource})');
  if (!Array.isArray(dashboard.panels) || dashboard.panels.length === 0) errors.push('no panels');
  for (const panel of dashboard.panels ?? []) {
    const where = `panel ${panel.id} "${panel.title}"`;
    if (!Number.isInteger(panel.id) || ids.has(panel.id)) errors.push(`${where}: id missing or not unique`);
    ids.add(panel.id);
    const g = panel.gridPos ?? {};
    if (![g.x, g.y, g.w, g.h].every(Number.isInteger) || g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1) {
      errors.push(`${where}: gridPos ${JSON.stringify(g)} outside the 24-column grid`);
    } else {
      for (const c of cells) {
        if (g.x < c.x + c.w && c.x < g.x + g.w && g.y < c.y + c.h && c.y < g.y + g.h) {
          errors.push(`${where}: overlaps panel ${c.id}`);
        }
      }
      cells.push({ ...g, id: panel.id });
    }
    if (panel.type === 'row') continue;
    if (!panel.title) errors.push(`${where}: no title`);
    if (panel.datasource?.uid !== '${datasource}') errors.push(`${where}: datasource is not \${datasource}`);
    const targets = panel.targets ?? [];
    if (targets.length === 0) errors.push(`${where}: no query`);
    const refIds = new Set();
    for (const target of targets) {
      if (!target.refId || refIds.has(target.refId)) errors.push(`${where}: refId missing or repeated`);
      refIds.add(target.refId);
      const { names, error } = metricNames(target.expr ?? '');
      if (error) errors.push(`${where}, ${target.refId}: ${error} in ${target.expr}`);
      if (names.length === 0) errors.push(`${where}, ${target.refId}: names no metric: ${target.expr}`);
      for (const name of names) {
        const metric = resolve(name, documented);
        if (metric === null) errors.push(`${where}, ${target.refId}: ${name} is not a metric documented in docs/metrics.md`);
        else used.add(metric);
      }
    }
  }
  for (const metric of kWatchedFirst) {
    if (!used.has(metric)) errors.push(`no panel shows ${metric}`);
  }
  return errors;
}

function main() {
  const documented = documentedMetrics(readFileSync(join(repo, 'docs/metrics.md'), 'utf8'));
  if (documented.size < 20) {
    console.error(`dashboard: only ${documented.size} metrics read from docs/metrics.md`);
    process.exit(1);
  }
  const text = readFileSync(join(repo, 'k8s/grafana-dashboard.json'), 'utf8');
  const dashboard = JSON.parse(text);
  let failed = false;
  const errors = checkDashboard(dashboard, documented);
  for (const e of errors) console.error(`k8s/grafana-dashboard.json: ${e}`);
  failed ||= errors.length > 0;
  const queries = dashboard.panels.flatMap((p) => p.targets ?? []).length;
  console.log(`dashboard: ${dashboard.panels.length} panels, ${queries} queries, ${documented.size} documented metrics: ${errors.length} errors`);

  // Broken copies: each must be refused, or the check above proves nothing.
  const firstQuery = (d) => d.panels.find((p) => p.targets?.length).targets[0];
  const mutations = {
    'an undocumented metric': (d) => { firstQuery(d).expr = 'rate(replex_not_a_metric_total[5m])'; },
    'a syntax error': (d) => { firstQuery(d).expr = 'sum(rate(replex_trades_total[5m])'; },
    'a repeated panel id': (d) => { d.panels[2].id = d.panels[1].id; },
    'overlapping panels': (d) => { d.panels[2].gridPos = { ...d.panels[1].gridPos }; },
    'a watched metric dropped': (d) => {
      d.panels = d.panels.filter((p) => !(p.targets ?? []).some((t) => t.expr.includes('replex_mempool_txs')));
    },
    'a histogram suffix on a counter': (d) => { firstQuery(d).expr = 'replex_trades_total_bucket'; },
  };
  for (const [what, mutate] of Object.entries(mutations)) {
    const copy = JSON.parse(text);
    mutate(copy);
    if (checkDashboard(copy, documented).length === 0) {
      console.error(`dashboard: the check accepted a copy with ${what}`);
      failed = true;
    }
  }
  console.log(`dashboard: ${Object.keys(mutations).length} broken copies checked`);
  process.exit(failed ? 1 : 0);
}

main();
