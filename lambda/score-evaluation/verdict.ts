import { JUDGE_METRIC } from '../../lib/evaluate/record';

/** Whether a candidate passes, and why not. */
export interface Verdict {
  readonly approved: boolean;
  /** Every reason to reject, one sentence each; empty when approved. */
  readonly reasons: string[];
  /** Candidate minus baseline, per metric both have. */
  readonly deltas: Record<string, number>;
}

export interface VerdictInput {
  readonly metrics: Readonly<Record<string, number>>;
  readonly thresholds: Readonly<Record<string, number>>;
  readonly baseline?: Readonly<Record<string, number>>;
  readonly tolerance: number;
  /** Records in the dataset and predictions scored: no prediction at all is a rejection. */
  readonly records: number;
  readonly predictions: number;
  /** Share of the set (percent) that may be missing: records of batches that failed within the run's tolerance. */
  readonly toleratedFailurePercentage?: number;
  /** Predictions with and without an LLM judge score; absent when no prediction carries a judge field (no judge ran). */
  readonly judge?: { readonly scored: number; readonly failed: number };
}

const format = (value: number) => value.toFixed(4);
const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** More of the set than tolerated without a judge score: a judge that cannot grade the hardest answers must not pass the rest. */
function judgeCoverage(input: VerdictInput): string | undefined {
  if (input.judge === undefined || input.predictions === 0) return undefined;
  const unscored = input.records - input.judge.scored;
  const tolerated = input.toleratedFailurePercentage ?? 0;
  if (unscored <= 0 || (unscored / input.records) * 100 <= tolerated) return undefined;
  const why = [
    ...(input.judge.failed > 0 ? [`${plural(input.judge.failed, 'prediction', 'predictions')} without a valid judge score`] : []),
    ...(input.records > input.predictions ? [`${plural(input.records - input.predictions, 'record', 'records')} without prediction`] : []),
  ];
  return `${unscored} of ${input.records} records have no judge score${why.length > 0 ? ` (${why.join(', ')})` : ''}, more than the ${tolerated} % tolerated`;
}

/** Why a threshold names a metric this run did not compute. */
function uncomputed(input: VerdictInput, metric: string): string {
  if (metric !== JUDGE_METRIC) return `threshold on ${metric}, which this task does not compute (it computes ${Object.keys(input.metrics).join(', ')})`;
  return input.judge === undefined
    ? `threshold on ${JUDGE_METRIC}, but no LLM judge ran on this run (no prediction carries a judge score): configure a judge or remove the threshold`
    : `threshold on ${JUDGE_METRIC}, but no record has a judge score (the judge gave no valid score for any of the ${input.judge.failed} predictions)`;
}

/**
 * Thresholds first (every metric named must reach its value; a threshold on
 * a metric the run does not compute is a reason, not a silent pass), then
 * the baseline (no metric may drop by more than the tolerance). The LLM
 * judge's metric is one of them when the run has a judge; records without
 * a judge score count against the tolerated failure percentage as missing
 * predictions do.
 */
export function compareScores(input: VerdictInput): Verdict {
  const reasons: string[] = [];
  const missing = input.records - input.predictions;
  if (input.predictions === 0) reasons.push(`no prediction to score (the dataset has ${input.records} records)`);
  else if (missing > 0 && (missing / input.records) * 100 > (input.toleratedFailurePercentage ?? 0)) {
    // Records of failed batches are not scored: a model failing on the hardest records must not pass on the rest.
    reasons.push(`${missing} of ${input.records} records have no prediction, more than the ${input.toleratedFailurePercentage ?? 0} % tolerated`);
  }
  const coverage = judgeCoverage(input);
  if (coverage !== undefined) reasons.push(coverage);
  for (const [metric, threshold] of Object.entries(input.thresholds)) {
    const value = input.metrics[metric];
    if (value === undefined) reasons.push(uncomputed(input, metric));
    else if (value < threshold) reasons.push(`${metric} ${format(value)} is below its threshold ${format(threshold)}`);
  }
  const deltas: Record<string, number> = {};
  for (const [metric, value] of Object.entries(input.metrics)) {
    const before = input.baseline?.[metric];
    if (before === undefined) continue;
    deltas[metric] = value - before;
    if (value < before - input.tolerance) reasons.push(`${metric} ${format(value)} regresses from the baseline's ${format(before)} by more than the tolerance ${format(input.tolerance)}`);
  }
  return { approved: reasons.length === 0, reasons, deltas };
}
