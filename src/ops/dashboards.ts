/** Breakwater's Grafana dashboards, as code: `npm run dashboards` writes them to deploy/grafana/dashboards. */

interface Query {
  expr: string
  legend?: string
}

interface Panel {
  title: string
  kind?: 'timeseries' | 'stat'
  unit?: string
  queries: Query[]
  /** Full width instead of half. */
  wide?: boolean
}

interface Dashboard {
  uid: string
  title: string
  description: string
  panels: Panel[]
}

const perSecond = (metric: string, by: string) => `sum by (${by}) (rate(${metric}[1m]))`

export const dashboards: Dashboard[] = [
  {
    uid: 'breakwater-overview',
    title: 'Breakwater — golden signals',
    description: 'Traffic, errors, latency and saturation of the whole service.',
    panels: [
      {
        title: 'Requests per second',
        unit: 'reqps',
        queries: [{ expr: 'service:http_requests:rate5m', legend: 'all routes' }],
      },
      {
        title: 'Server error ratio (5xx)',
        unit: 'percentunit',
        queries: [{ expr: 'service:http_request_errors:ratio_rate5m', legend: '5xx share' }],
      },
      {
        title: 'Requests per second by route',
        unit: 'reqps',
        wide: true,
        queries: [{ expr: 'route_method:http_requests:rate5m', legend: '{{method}} {{route}}' }],
      },
      {
        title: 'p95 latency by route',
        unit: 's',
        queries: [{ expr: 'route:http_request_duration_seconds:p95_5m', legend: '{{route}}' }],
      },
      {
        title: 'p99 latency by route',
        unit: 's',
        queries: [{ expr: 'route:http_request_duration_seconds:p99_5m', legend: '{{route}}' }],
      },
      {
        title: 'Responses by status code',
        unit: 'reqps',
        queries: [
          {
            expr: perSecond('http_request_duration_seconds_count', 'status_code'),
            legend: '{{status_code}}',
          },
        ],
      },
      {
        title: 'Saturation: event loop busy, database waiters',
        unit: 'percentunit',
        queries: [
          { expr: 'nodejs_eventloop_utilization_ratio', legend: 'event loop busy {{instance}}' },
          {
            expr: 'breakwater_db_pool_connections{state="waiting"}',
            legend: 'waiting for a connection {{instance}}',
          },
        ],
      },
    ],
  },
  {
    uid: 'breakwater-waiting-room',
    title: 'Breakwater — waiting room',
    description: 'The crowd: how many wait, how fast they are let in, what is refused.',
    panels: [
      {
        title: 'Waiting',
        queries: [{ expr: 'sum by (event_id) (breakwater_queue_waiting)', legend: '{{event_id}}' }],
      },
      {
        title: 'Admitted per second vs the setting',
        unit: 'ops',
        queries: [
          { expr: perSecond('breakwater_queue_admitted_total', 'event_id'), legend: 'admitted {{event_id}}' },
          {
            expr: 'max by (event_id) (breakwater_queue_admission_rate_per_second)',
            legend: 'setting {{event_id}}',
          },
        ],
      },
      {
        title: 'Joined and entered per second',
        unit: 'ops',
        queries: [
          { expr: perSecond('breakwater_queue_joined_total', 'event_id'), legend: 'joined {{event_id}}' },
          { expr: perSecond('breakwater_queue_entered_total', 'event_id'), legend: 'entered {{event_id}}' },
        ],
      },
      {
        title: 'Skipped (abandoned tabs) per second',
        unit: 'ops',
        queries: [{ expr: perSecond('breakwater_queue_skipped_total', 'event_id'), legend: '{{event_id}}' }],
      },
      {
        title: 'Refused enters and tickets per second',
        unit: 'ops',
        queries: [
          { expr: perSecond('breakwater_queue_enter_rejected_total', 'reason'), legend: 'enter: {{reason}}' },
          {
            expr: perSecond('breakwater_queue_ticket_rejected_total', 'reason'),
            legend: 'ticket: {{reason}}',
          },
        ],
      },
      {
        title: 'Status poll latency p99',
        unit: 's',
        queries: [
          {
            expr: 'histogram_quantile(0.99, sum by (le) (rate(breakwater_queue_status_duration_seconds_bucket[1m])))',
            legend: 'p99',
          },
        ],
      },
      {
        title: 'Frontier age (how stale status answers are)',
        unit: 's',
        queries: [
          { expr: 'max by (instance) (breakwater_queue_frontier_age_seconds)', legend: '{{instance}}' },
        ],
      },
    ],
  },
  {
    uid: 'breakwater-sales',
    title: 'Breakwater — sales and business',
    description: 'Holds, orders, payments, revenue and stock.',
    panels: [
      {
        title: 'Remaining stock',
        queries: [{ expr: 'min by (event_id) (breakwater_event_remaining)', legend: '{{event_id}}' }],
      },
      {
        title: 'Revenue per minute',
        unit: 'none',
        queries: [
          {
            expr: 'sum by (currency) (rate(breakwater_revenue_cents_total[5m])) * 60 / 100',
            legend: '{{currency}}',
          },
        ],
      },
      {
        title: 'Holds per second by outcome',
        unit: 'ops',
        queries: [{ expr: perSecond('breakwater_holds_total', 'outcome'), legend: '{{outcome}}' }],
      },
      {
        title: 'Orders per second by state',
        unit: 'ops',
        queries: [{ expr: perSecond('breakwater_orders_total', 'status'), legend: '{{status}}' }],
      },
      {
        title: 'Payments per second by outcome',
        unit: 'ops',
        queries: [{ expr: perSecond('breakwater_payments_total', 'outcome'), legend: '{{outcome}}' }],
      },
      {
        title: 'Idempotent replays and conflicts per second',
        unit: 'ops',
        queries: [{ expr: perSecond('breakwater_idempotency_total', 'result'), legend: '{{result}}' }],
      },
    ],
  },
  {
    uid: 'breakwater-slo',
    title: 'Breakwater — SLOs and error budgets',
    description: 'Objectives from deploy/slo/slos.yaml: budget left over 30 days, burn rates, alerts.',
    panels: [
      {
        title: 'Error budget remaining (30 days)',
        kind: 'stat',
        unit: 'percentunit',
        wide: true,
        queries: [{ expr: 'slo:error_budget_remaining:ratio', legend: '{{slo}}' }],
      },
      {
        title: 'Burn rate over 1 hour (14.4 pages)',
        queries: [
          { expr: 'slo:sli_error:ratio_rate1h / on (slo) (1 - slo:objective:ratio)', legend: '{{slo}}' },
        ],
      },
      {
        title: 'Burn rate over 6 hours (6 pages)',
        queries: [
          { expr: 'slo:sli_error:ratio_rate6h / on (slo) (1 - slo:objective:ratio)', legend: '{{slo}}' },
        ],
      },
      {
        title: 'Error ratio over 5 minutes',
        unit: 'percentunit',
        queries: [{ expr: 'slo:sli_error:ratio_rate5m', legend: '{{slo}}' }],
      },
      {
        title: 'Firing burn-rate alerts',
        queries: [
          {
            expr: 'sum by (slo, severity) (ALERTS{alertname="ErrorBudgetBurn", alertstate="firing"})',
            legend: '{{slo}} {{severity}}',
          },
        ],
      },
    ],
  },
  {
    uid: 'breakwater-process',
    title: 'Breakwater — process (USE)',
    description: 'Utilisation, saturation and errors of each process and its pools.',
    panels: [
      {
        title: 'CPU (cores used)',
        queries: [{ expr: 'rate(process_cpu_seconds_total[1m])', legend: '{{instance}}' }],
      },
      {
        title: 'Memory',
        unit: 'bytes',
        queries: [
          { expr: 'process_resident_memory_bytes', legend: 'resident {{instance}}' },
          { expr: 'nodejs_heap_size_used_bytes', legend: 'heap used {{instance}}' },
        ],
      },
      {
        title: 'Event loop: busy share and lag p99',
        queries: [
          { expr: 'nodejs_eventloop_utilization_ratio', legend: 'busy {{instance}}' },
          { expr: 'nodejs_eventloop_lag_p99_seconds', legend: 'lag p99 (s) {{instance}}' },
        ],
      },
      {
        title: 'Garbage collection time per second',
        unit: 's',
        queries: [{ expr: 'sum by (kind) (rate(nodejs_gc_duration_seconds_sum[1m]))', legend: '{{kind}}' }],
      },
      {
        title: 'Database pool',
        queries: [{ expr: 'sum by (state) (breakwater_db_pool_connections)', legend: '{{state}}' }],
      },
      {
        title: 'Redis command p99 by command',
        unit: 's',
        queries: [
          {
            expr: 'histogram_quantile(0.99, sum by (command, le) (rate(breakwater_redis_command_duration_seconds_bucket[1m])))',
            legend: '{{command}}',
          },
        ],
      },
      {
        title: 'Redis command errors per second',
        unit: 'ops',
        queries: [
          {
            expr: 'sum by (command) (rate(breakwater_redis_command_duration_seconds_count{outcome="error"}[1m]))',
            legend: '{{command}}',
          },
        ],
      },
      { title: 'Open file descriptors', queries: [{ expr: 'process_open_fds', legend: '{{instance}}' }] },
    ],
  },
]

/** The Grafana JSON of one dashboard; the data source is chosen by a variable. */
export function grafanaJson(dashboard: Dashboard): string {
  let x = 0
  let y = 0
  const panels = dashboard.panels.map((panel, index) => {
    const w = panel.wide ? 24 : 12
    if (x + w > 24) {
      x = 0
      y += 8
    }
    const gridPos = { x, y, w, h: 8 }
    x += w
    if (x >= 24) {
      x = 0
      y += 8
    }
    return {
      id: index + 1,
      type: panel.kind ?? 'timeseries',
      title: panel.title,
      gridPos,
      // Grafana's own variable syntax, not a template literal.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable reference
      datasource: { type: 'prometheus', uid: '${datasource}' },
      fieldConfig: { defaults: { unit: panel.unit ?? 'short' }, overrides: [] },
      options: panel.kind === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value' } : {},
      targets: panel.queries.map((query, n) => ({
        refId: String.fromCharCode(65 + n),
        expr: query.expr,
        legendFormat: query.legend ?? '',
      })),
    }
  })
  return `${JSON.stringify(
    {
      uid: dashboard.uid,
      title: dashboard.title,
      description: dashboard.description,
      tags: ['breakwater'],
      timezone: 'browser',
      schemaVersion: 39,
      refresh: '5s',
      time: { from: 'now-30m', to: 'now' },
      templating: {
        list: [
          {
            name: 'datasource',
            type: 'datasource',
            query: 'prometheus',
            current: { text: 'Prometheus', value: 'prometheus' },
          },
        ],
      },
      panels,
    },
    null,
    2,
  )}\n`
}

const promqlWords = new Set(
  'sum min max avg count rate irate increase histogram_quantile by without on ignoring group_left group_right and or unless bool offset vector scalar topk bottomk clamp_min clamp_max abs le'.split(
    ' ',
  ),
)

/** The metric names a query reads: what is left once strings, label matchers, ranges and PromQL words are gone. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ')
  const names = stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []
  return [...new Set(names.filter((name) => !promqlWords.has(name)))]
}
