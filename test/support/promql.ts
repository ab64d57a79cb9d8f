import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readDocuments, root } from './kustomize.js'

/** An alerting rule of the shipped PrometheusRule. */
export interface AlertRule {
  alert: string
  expr: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

/** The `spec` of manifests/monitoring/prometheus-rule.yaml: a Prometheus rule file's content. */
export function ruleFileContent(): { groups: { name: string; rules: AlertRule[] }[] } {
  const [rule] = readDocuments(join(root, 'manifests/monitoring/prometheus-rule.yaml'))
  return (rule as { spec: ReturnType<typeof ruleFileContent> }).spec
}

export function alertRules(): AlertRule[] {
  return ruleFileContent().groups.flatMap((g) => g.rules)
}

/** Every PromQL expression of the Grafana dashboard, with its panel title. */
export function dashboardExpressions(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(
    readFileSync(join(root, 'manifests/monitoring/dashboard.json'), 'utf8'),
  ) as { panels: { title: string; targets?: { expr: string }[] }[] }
  return dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
  )
}

const keywords = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
])

/**
 * The metric names a PromQL expression reads. Strips string literals, label
 * matchers, range and subquery brackets, grouping clauses and function
 * calls; what is left that looks like a name is a metric.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names = new Set<string>()
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0]
    const after = stripped.slice((m.index ?? 0) + word.length).trimStart()
    if (after.startsWith('(')) continue // a function or aggregation
    if (keywords.has(word.toLowerCase())) continue
    names.add(word)
  }
  return [...names]
}
