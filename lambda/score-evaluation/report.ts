import { MAX_JUDGE_SCORE, type JudgeResult } from '../../lib/evaluate/record';

/** The fields of an evaluation report the Markdown shows. */
export interface ReportFields {
  readonly runId: string;
  readonly task: string;
  readonly candidate: unknown;
  readonly dataset: { readonly bucket: string; readonly key: string };
  readonly records: number;
  readonly predictions: number;
  /** Predictions with an LLM judge score and without one; present when the run had a judge. */
  readonly judgeScored?: number;
  readonly judgeFailed?: number;
  readonly metrics: Record<string, number>;
  readonly thresholds: Readonly<Record<string, number>>;
  readonly baseline: Record<string, number> | null;
  readonly deltas: Record<string, number>;
  readonly approved: boolean;
  readonly reasons: string[];
  readonly worst: ReadonlyArray<{ id: string; score: number; prediction?: string; reference?: unknown; judge?: JudgeResult }>;
  /** The records of lowest judge score (1..5), with the judge's reason. */
  readonly worstJudged?: ReadonlyArray<{ id: string; judgeScore: number; reason: string; prediction?: string; reference?: unknown }>;
  /** Why the judge gave no score, for the first records without one. */
  readonly judgeErrors?: ReadonlyArray<{ id: string; error: string }>;
}

const cell = (text: unknown) =>
  String(typeof text === 'string' ? text : JSON.stringify(text) ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s+/g, ' ')
    .slice(0, 200);
const number = (value: number | undefined) => (value === undefined ? '' : value.toFixed(4));

const judgeCell = (judge: JudgeResult | undefined) => (judge === undefined ? 'not judged' : 'error' in judge ? `no score: ${judge.error}` : `${judge.score} / ${MAX_JUDGE_SCORE}: ${judge.reason}`);

/** The judge's part of the report: counts, the worst-judged records with the judge's reasons, and its errors. */
function judgeSection(report: ReportFields): string[] {
  if (report.judgeScored === undefined) return [];
  const failed = report.judgeFailed ?? 0;
  const judged = (report.worstJudged ?? []).map((example) => `| ${cell(example.id)} | ${example.judgeScore} / ${MAX_JUDGE_SCORE} | ${cell(example.reason)} | ${cell(example.prediction)} | ${cell(example.reference)} |`);
  const errors = (report.judgeErrors ?? []).map((example) => `- ${cell(example.id)}: ${cell(example.error)}`);
  return [
    '## LLM judge',
    '',
    `${report.judgeScored} of ${report.predictions} predictions scored by the judge; ${failed} without a valid score (not counted in the judge metric).`,
    '',
    ...(judged.length > 0 ? ['### Worst judged examples', '', '| id | judge | reason | prediction | reference |', '|---|---|---|---|---|', ...judged, ''] : []),
    ...(errors.length > 0 ? [`### Without a judge score${failed > errors.length ? ` (first ${errors.length} of ${failed})` : ''}`, '', ...errors, ''] : []),
  ];
}

/** A human-readable report: verdict, every metric against its threshold and the baseline, the worst examples, the judge's worst grades. */
export function markdownReport(report: ReportFields): string {
  const rows = Object.entries(report.metrics).map(
    ([metric, value]) => `| ${metric} | ${number(value)} | ${number(report.thresholds[metric])} | ${number(report.baseline?.[metric])} | ${report.deltas[metric] === undefined ? '' : (report.deltas[metric] >= 0 ? '+' : '') + number(report.deltas[metric])} |`,
  );
  // With a judge, the worst examples show its grade too.
  const judged = report.judgeScored !== undefined;
  const worst = report.worst.map((example) => `| ${cell(example.id)} | ${number(example.score)} | ${cell(example.prediction)} | ${cell(example.reference)} |${judged ? ` ${cell(judgeCell(example.judge))} |` : ''}`);
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
    judged ? '| id | score | prediction | reference | judge |' : '| id | score | prediction | reference |',
    judged ? '|---|---|---|---|---|' : '|---|---|---|---|',
    ...worst,
    '',
    ...judgeSection(report),
  ].join('\n');
}
