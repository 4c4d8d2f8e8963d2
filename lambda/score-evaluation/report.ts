/** The fields of an evaluation report the Markdown shows. */
export interface ReportFields {
  readonly runId: string;
  readonly task: string;
  readonly candidate: unknown;
  readonly dataset: { readonly bucket: string; readonly key: string };
  readonly records: number;
  readonly predictions: number;
  readonly metrics: Record<string, number>;
  readonly thresholds: Readonly<Record<string, number>>;
  readonly baseline: Record<string, number> | null;
  readonly deltas: Record<string, number>;
  readonly approved: boolean;
  readonly reasons: string[];
  readonly worst: ReadonlyArray<{ id: string; score: number; prediction?: string; reference?: unknown }>;
}

const cell = (text: unknown) =>
  String(typeof text === 'string' ? text : JSON.stringify(text) ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s+/g, ' ')
    .slice(0, 200);
const number = (value: number | undefined) => (value === undefined ? '' : value.toFixed(4));

/** A human-readable report: verdict, every metric against its threshold and the baseline, the worst examples. */
export function markdownReport(report: ReportFields): string {
  const rows = Object.entries(report.metrics).map(
    ([metric, value]) => `| ${metric} | ${number(value)} | ${number(report.thresholds[metric])} | ${number(report.baseline?.[metric])} | ${report.deltas[metric] === undefined ? '' : (report.deltas[metric] >= 0 ? '+' : '') + number(report.deltas[metric])} |`,
  );
  const worst = report.worst.map((example) => `| ${cell(example.id)} | ${number(example.score)} | ${cell(example.prediction)} | ${cell(example.reference)} |`);
  return [
    `# Evaluation ${report.runId}: ${report.approved ? 'approved' : 'rejected'}`,
    '',
    `Task ${report.task}; candidate \`${cell(report.candidate)}\`; dataset s3://${report.dataset.bucket}/${report.dataset.key} (${report.predictions} of ${report.records} records scored).`,
    '',
    ...(report.reasons.length > 0 ? ['## Reasons', '', ...report.reasons.map((reason) => `- ${reason}`), ''] : []),
    '## Metrics',
    '',
    '| metric | value | threshold | baseline | delta |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    '## Worst examples',
    '',
    '| id | score | prediction | reference |',
    '|---|---|---|---|',
    ...worst,
    '',
  ].join('\n');
}
