import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { scoreTask, type TaskScore } from '../../lib/evaluate/metrics';
import { evaluationRecordSchema, type EvaluationRecord, type Prediction } from '../../lib/evaluate/record';
import { TASKS, type Task } from '../../lib/config/tasks';
import { recordId } from '../invoke-candidate/records';
import { listKeys, objectLines } from '../shared/s3-objects';
import { bedrockDataset, modelIdentifierOf, sampleForBedrock } from './bedrock-dataset';
import { summarizeJudge, withJudgeMetric, type JudgeSummary } from './judge';
import { compareScores, type Verdict } from './verdict';
import { markdownReport } from './report';

export type { Task };

/** Where the baseline's metrics come from: given, an earlier report, or predictions of this run. */
export type BaselineSource = { readonly metrics: Record<string, number> } | { readonly reportKey: string } | { readonly predictionsPrefix: string };

/** What the evaluation state machine passes in. */
export interface ScoreInput {
  readonly runId: string;
  readonly task: Task;
  /** What was evaluated, as the execution named it (for the report). */
  readonly candidate: unknown;
  /** Bucket of the predictions and the report (the artifacts bucket). */
  readonly bucket: string;
  /** `evaluations/<runId>/candidate/`: predictions/*.jsonl under it. */
  readonly predictionsPrefix: string;
  /** Where the report goes: `<reportPrefix>report.json` and `report.md`. */
  readonly reportPrefix: string;
  readonly dataset: { readonly bucket: string; readonly key: string };
  /** Lowest acceptable value per metric (0..1); `judge` names the LLM judge's metric. */
  readonly thresholds: Readonly<Record<string, number>>;
  /** Largest drop of any metric below the baseline that is not a regression (0..1). */
  readonly tolerance: number;
  /** Share of the set (percent) whose batches may have failed unscored; more missing predictions reject the run. @default 0 */
  readonly toleratedFailurePercentage?: number;
  readonly baseline?: BaselineSource;
  /** Examples of lowest score in the report. @default 10 */
  readonly worstExamples?: number;
  /**
   * Also write the dataset of a Bedrock evaluation job on the predictions
   * (bedrock-dataset.ts) to this key of `bucket`, at most `maxRecords` lines.
   * @default - none written
   */
  readonly bedrockDataset?: { readonly key: string; readonly maxRecords: number };
}

/** The Bedrock job's dataset as written: absent `key` when no line was (no prediction). */
export interface BedrockDatasetOutput {
  readonly key?: string;
  /** The job's inference source identifier, the `modelIdentifier` of every line. */
  readonly modelIdentifier: string;
  /** Lines written, predictions of the run, whether the service's limit made the run sample. */
  readonly records: number;
  readonly predictions: number;
  readonly sampled: boolean;
}

export interface ScoreOutput extends Verdict {
  /** One line for people and for the model package's ApprovalDescription (at most 1000 characters). */
  readonly summary: string;
  readonly metrics: Record<string, number>;
  readonly baselineMetrics?: Record<string, number>;
  readonly records: number;
  readonly predictions: number;
  /** Predictions with an LLM judge score, and without one; present when the run had a judge. */
  readonly judgeScored?: number;
  readonly judgeFailed?: number;
  readonly reportKey: string;
  readonly markdownKey: string;
  /** Present when the input asked for a Bedrock dataset. */
  readonly bedrockDataset?: BedrockDatasetOutput;
}

/** Bad input to the Lambda itself: a wiring error. */
export class ScoreInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScoreInputError';
  }
}

function checkInput(input: Partial<ScoreInput>): ScoreInput {
  const problems: string[] = [];
  for (const field of ['runId', 'bucket', 'predictionsPrefix', 'reportPrefix'] as const) {
    if (typeof input[field] !== 'string' || input[field].length === 0) problems.push(`${field}: a non-empty string`);
  }
  if (!TASKS.includes(input.task as Task)) problems.push(`task: ${TASKS.join(' | ')}`);
  if (typeof input.dataset?.bucket !== 'string' || typeof input.dataset?.key !== 'string') problems.push('dataset: {bucket, key}');
  const thresholds = input.thresholds ?? {};
  if (typeof thresholds !== 'object' || Object.values(thresholds).some((value) => typeof value !== 'number' || value < 0 || value > 1)) problems.push('thresholds: {metric: a number from 0 to 1}');
  if (typeof input.tolerance !== 'number' || input.tolerance < 0 || input.tolerance > 1) problems.push('tolerance: a number from 0 to 1');
  const bedrock = input.bedrockDataset;
  if (bedrock !== undefined && (typeof bedrock?.key !== 'string' || bedrock.key.length === 0 || !Number.isInteger(bedrock.maxRecords) || bedrock.maxRecords < 1)) {
    problems.push('bedrockDataset: {key: a non-empty string, maxRecords: a whole number above 0}');
  }
  if (problems.length > 0) throw new ScoreInputError(`invalid input; expected ${problems.join(', ')}`);
  return input as ScoreInput;
}

/** The non-blank lines of an object. */
async function* lines(s3: S3Client, bucket: string, key: string): AsyncGenerator<string> {
  for await (const line of (await objectLines(s3, bucket, key)).lines) if (line.trim().length > 0) yield line;
}

/** Files read at once: one per batch, thousands for a large set. */
const READ_CONCURRENCY = 16;

/** Every prediction written under `<prefix>predictions/`, in a stable order. */
export async function readPredictions(s3: S3Client, bucket: string, prefix: string): Promise<Prediction[]> {
  const keys = (await listKeys(s3, bucket, `${prefix}predictions/`)).filter((key) => key.endsWith('.jsonl')).sort();
  const files: Prediction[][] = new Array(keys.length);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const index = next++;
      const found: Prediction[] = [];
      for await (const line of lines(s3, bucket, keys[index])) found.push(JSON.parse(line) as Prediction);
      files[index] = found;
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, keys.length) }, worker));
  return files.flat().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The records of the evaluation set (its non-blank lines), and those whose
 * id is wanted, by id (as the worker identifies them; lines that are not
 * evaluation records are counted and skipped: the worker refused them).
 */
async function scanRecords(s3: S3Client, bucket: string, key: string, wanted: ReadonlySet<string> = new Set()): Promise<{ count: number; found: Map<string, EvaluationRecord> }> {
  let count = 0;
  const found = new Map<string, EvaluationRecord>();
  for await (const line of lines(s3, bucket, key)) {
    count += 1;
    if (wanted.size === found.size) continue;
    let parsed: ReturnType<typeof evaluationRecordSchema.safeParse>;
    try {
      parsed = evaluationRecordSchema.safeParse(JSON.parse(line));
    } catch {
      continue;
    }
    if (!parsed.success) continue;
    const id = recordId(parsed.data);
    if (wanted.has(id)) found.set(id, parsed.data);
  }
  return { count, found };
}

/** The task's metrics of the predictions, and the judge's (metric `judge`) when they carry judge fields. */
function scorePredictions(task: Task, predictions: readonly Prediction[]): { readonly score: TaskScore; readonly judge?: JudgeSummary; readonly metrics: Record<string, number> } {
  const score = scoreTask(task, predictions);
  const judge = summarizeJudge(predictions);
  return { score, ...(judge === undefined ? {} : { judge }), metrics: withJudgeMetric(score.metrics, judge) };
}

async function baselineMetrics(s3: S3Client, input: ScoreInput): Promise<Record<string, number> | undefined> {
  const baseline = input.baseline;
  if (baseline === undefined || Object.keys(baseline).length === 0) return undefined;
  if ('metrics' in baseline) return baseline.metrics;
  if ('reportKey' in baseline) {
    const where = `baseline report s3://${input.bucket}/${baseline.reportKey}`;
    const object = await s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: baseline.reportKey }));
    const report = JSON.parse(await (object.Body as { transformToString(): Promise<string> }).transformToString()) as { metrics?: Record<string, number>; task?: string; dataset?: { key?: string } };
    if (report.metrics === undefined) throw new ScoreInputError(`${where} has no metrics`);
    // Metrics of another task or another set are not a baseline for this run.
    if (report.task !== input.task || report.dataset?.key !== input.dataset.key) {
      throw new ScoreInputError(`${where} scored task ${report.task} on ${report.dataset?.key}; this run scores ${input.task} on ${input.dataset.key}: compare on the same task and set`);
    }
    return report.metrics;
  }
  return scorePredictions(input.task, await readPredictions(s3, input.bucket, baseline.predictionsPrefix)).metrics;
}

/**
 * Scores the candidate's predictions on the task's metrics, compares them
 * with the thresholds and the baseline, and writes the report (JSON and
 * Markdown) beside them. The verdict is the state machine's to act on.
 */
export async function scoreEvaluation(s3: S3Client, event: Partial<ScoreInput>): Promise<ScoreOutput> {
  const input = checkInput(event);
  const predictions = await readPredictions(s3, input.bucket, input.predictionsPrefix);
  const forBedrock = input.bedrockDataset === undefined ? undefined : sampleForBedrock(predictions, input.bedrockDataset.maxRecords);
  const scanned = await scanRecords(s3, input.dataset.bucket, input.dataset.key, new Set(forBedrock?.map((prediction) => prediction.id)));
  const records = scanned.count;
  const { score, judge, metrics } = scorePredictions(input.task, predictions);
  const baseline = await baselineMetrics(s3, input);
  const verdict = compareScores({
    metrics,
    thresholds: input.thresholds,
    baseline,
    tolerance: input.tolerance,
    records,
    predictions: predictions.length,
    toleratedFailurePercentage: input.toleratedFailurePercentage ?? 0,
    ...(judge === undefined ? {} : { judge: { scored: judge.scored, failed: judge.failed } }),
  });
  const byId = new Map(predictions.map((prediction) => [prediction.id, prediction]));
  const shown = input.worstExamples ?? 10;
  const worst = [...score.perExample]
    .sort((a, b) => a.score - b.score)
    .slice(0, shown)
    .map(({ id, score: value }) => {
      const prediction = byId.get(id);
      return { id, score: value, prediction: prediction?.prediction, reference: prediction?.reference, ...(prediction?.judge === undefined ? {} : { judge: prediction.judge }) };
    });
  const judgeFields =
    judge === undefined
      ? {}
      : {
          judgeScored: judge.scored,
          judgeFailed: judge.failed,
          // The lowest judge scores with the judge's reasons (ties in id order), and why the judge gave no score.
          worstJudged: [...judge.examples]
            .sort((a, b) => a.judgeScore - b.judgeScore)
            .slice(0, shown)
            .map(({ id, judgeScore, reason }) => ({ id, judgeScore, reason, prediction: byId.get(id)?.prediction, reference: byId.get(id)?.reference })),
          judgeErrors: judge.errors.slice(0, shown),
        };
  const bedrock = forBedrock === undefined ? undefined : bedrockDataset({ sampled: forBedrock, predictions: predictions.length, records: scanned.found, modelIdentifier: modelIdentifierOf(input.candidate) });
  const bedrockOutput: BedrockDatasetOutput | undefined =
    bedrock === undefined || input.bedrockDataset === undefined
      ? undefined
      : {
          ...(bedrock.records === 0 ? {} : { key: input.bedrockDataset.key }),
          modelIdentifier: bedrock.modelIdentifier,
          records: bedrock.records,
          predictions: bedrock.predictions,
          sampled: bedrock.sampled,
        };
  const report = {
    runId: input.runId,
    task: input.task,
    candidate: input.candidate,
    dataset: input.dataset,
    records,
    predictions: predictions.length,
    ...judgeFields,
    metrics,
    primaryMetric: score.primary,
    thresholds: input.thresholds,
    baseline: baseline ?? null,
    deltas: verdict.deltas,
    tolerance: input.tolerance,
    approved: verdict.approved,
    reasons: verdict.reasons,
    worst,
    ...(bedrockOutput === undefined ? {} : { bedrockDataset: bedrockOutput }),
  };
  const reportKey = `${input.reportPrefix}report.json`;
  const markdownKey = `${input.reportPrefix}report.md`;
  await s3.send(new PutObjectCommand({ Bucket: input.bucket, Key: reportKey, Body: JSON.stringify(report, null, 2), ContentType: 'application/json' }));
  await s3.send(new PutObjectCommand({ Bucket: input.bucket, Key: markdownKey, Body: markdownReport(report), ContentType: 'text/markdown' }));
  if (bedrockOutput?.key !== undefined) {
    await s3.send(new PutObjectCommand({ Bucket: input.bucket, Key: bedrockOutput.key, Body: bedrock?.body, ContentType: 'application/jsonl' }));
  }
  const metricsText = Object.entries(metrics)
    .map(([metric, value]) => `${metric} ${value.toFixed(4)}`)
    .join(', ');
  const summary = (verdict.approved ? `approved: ${metricsText}` : `rejected: ${verdict.reasons.join('; ')}`).slice(0, 1000);
  const judgeCounts = judge === undefined ? {} : { judgeScored: judge.scored, judgeFailed: judge.failed };
  return {
    ...verdict,
    summary,
    metrics,
    baselineMetrics: baseline,
    records,
    predictions: predictions.length,
    ...judgeCounts,
    reportKey,
    markdownKey,
    ...(bedrockOutput === undefined ? {} : { bedrockDataset: bedrockOutput }),
  };
}
