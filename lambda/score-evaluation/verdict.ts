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
}

const format = (value: number) => value.toFixed(4);

/**
 * Thresholds first (every metric named must reach its value; a threshold on
 * a metric the task does not compute is a reason, not a silent pass), then
 * the baseline (no metric may drop by more than the tolerance).
 */
export function compareScores(input: VerdictInput): Verdict {
  const reasons: string[] = [];
  const missing = input.records - input.predictions;
  if (input.predictions === 0) reasons.push(`no prediction to score (the dataset has ${input.records} records)`);
  else if (missing > 0 && (missing / input.records) * 100 > (input.toleratedFailurePercentage ?? 0)) {
    // Records of failed batches are not scored: a model failing on the hardest records must not pass on the rest.
    reasons.push(`${missing} of ${input.records} records have no prediction, more than the ${input.toleratedFailurePercentage ?? 0} % tolerated`);
  }
  for (const [metric, threshold] of Object.entries(input.thresholds)) {
    const value = input.metrics[metric];
    if (value === undefined) reasons.push(`threshold on ${metric}, which this task does not compute (it computes ${Object.keys(input.metrics).join(', ')})`);
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
