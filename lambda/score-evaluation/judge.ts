import { isJudgeScore, JUDGE_METRIC, MAX_JUDGE_SCORE, MIN_JUDGE_SCORE, type Prediction } from '../../lib/evaluate/record';

/** One record the judge scored: its score 1..5, the same on 0..1, and its reason. */
export interface JudgedExample {
  readonly id: string;
  readonly judgeScore: number;
  readonly score: number;
  readonly reason: string;
}

/** What the judge made of a run's predictions. */
export interface JudgeSummary {
  /** Mean over the scored records of (score - 1) / 4, on 0..1; undefined when no record has a score. */
  readonly metric?: number;
  /** Predictions with a judge score. */
  readonly scored: number;
  /** Predictions without one: the judge's reply held no valid score (or the record was not judged). */
  readonly failed: number;
  /** The scored records, in the order of the predictions. */
  readonly examples: readonly JudgedExample[];
  /** Why the judge gave no score, per record without one. */
  readonly errors: ReadonlyArray<{ readonly id: string; readonly error: string }>;
}

/** The judge's score of a prediction, when it is a whole number from 1 to 5 (predictions files are read, not trusted). */
function scoreOf(prediction: Prediction): { score: number; reason: string } | undefined {
  const judge = prediction.judge as { score?: unknown; reason?: unknown } | undefined;
  const score = judge?.score;
  if (!isJudgeScore(score)) return undefined;
  return { score, reason: typeof judge?.reason === 'string' ? judge.reason : '' };
}

/**
 * The judge's metric and counts, or undefined when no prediction carries a
 * `judge` field (the run had no judge). Records without a judge score do not
 * count toward the mean; the verdict weighs how many there are.
 */
export function summarizeJudge(predictions: readonly Prediction[]): JudgeSummary | undefined {
  if (!predictions.some((prediction) => prediction.judge !== undefined)) return undefined;
  const examples: JudgedExample[] = [];
  const errors: { id: string; error: string }[] = [];
  for (const prediction of predictions) {
    const judged = scoreOf(prediction);
    if (judged !== undefined) {
      examples.push({ id: prediction.id, judgeScore: judged.score, score: (judged.score - MIN_JUDGE_SCORE) / (MAX_JUDGE_SCORE - MIN_JUDGE_SCORE), reason: judged.reason });
      continue;
    }
    const error = (prediction.judge as { error?: unknown } | undefined)?.error;
    errors.push({ id: prediction.id, error: typeof error === 'string' ? error : prediction.judge === undefined ? 'not judged' : `no valid judge score in ${JSON.stringify(prediction.judge)}` });
  }
  const metric = examples.length === 0 ? undefined : examples.reduce((sum, example) => sum + example.score, 0) / examples.length;
  return { ...(metric === undefined ? {} : { metric }), scored: examples.length, failed: errors.length, examples, errors };
}

/** The task's metrics with the judge's metric added when it has one. */
export function withJudgeMetric(metrics: Record<string, number>, judge: JudgeSummary | undefined): Record<string, number> {
  return judge?.metric === undefined ? metrics : { ...metrics, [JUDGE_METRIC]: judge.metric };
}
