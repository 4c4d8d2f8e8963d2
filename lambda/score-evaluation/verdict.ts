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
}

const format = (value: number) => value.toFixed(4);

/**
 * Thresholds first (every metric named must reach its value; a threshold on
 * a metric the task does not compute is a reason, not a silent pass), then
 * the baseline (no metric may drop by more than the tolerance).
 */
export function compareScores(input: VerdictInput): Verdict {
  const reasons: string[] = [];
  if (input.predictions === 0) reasons.push(`no prediction to score (the dataset has ${input.records} records)`);
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
