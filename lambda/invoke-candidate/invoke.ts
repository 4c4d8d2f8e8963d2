import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { JudgeResult, Prediction } from '../../lib/evaluate/record';
import { prepareCandidate, type CandidateClients, type PreparedCandidate } from './candidates';
import { checkEvent } from './input';
import { callJudge, type JudgeItem } from './judge';
import { batchId, checkRecords, type IdentifiedRecord } from './records';
import { describeError, withRetry, type RetryOptions } from '../shared/retry';

export { PromptVersionInvalidError } from '../shared/prompt-version';
export { EvaluationRecordInvalidError } from './records';
export { InvokeCandidateInputError, type BatchInput, type InvokeCandidateEvent, type Judge } from './input';

/** The clients the batch worker uses. */
export interface InvokeCandidateClients extends CandidateClients {
  readonly s3: S3Client;
}

/** What the Distributed Map gets back per batch (its ResultWriter collects them). */
export interface InvokeCandidateOutput {
  /** Key of the batch's predictions in the output bucket: `<outputPrefix>predictions/<batch id>.jsonl`. */
  readonly key: string;
  /** Records of the batch, all predicted. */
  readonly items: number;
  /** Always 0: a batch with a failed record throws CandidateInvocationFailed instead. */
  readonly failed: 0;
  /** Sums of the tokens the API reported; 0 when it reports none (an endpoint reports no input tokens). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Median (nearest rank) and largest latency of the records' successful calls, milliseconds. */
  readonly latencyMsP50: number;
  readonly latencyMsMax: number;
}

export interface InvokeCandidateOptions extends RetryOptions {
  /** Records invoked at once. @default 4 */
  readonly concurrency?: number;
  /** Clock for latencies, milliseconds; injected by tests. @default performance.now */
  readonly now?: () => number;
}

export const DEFAULT_CONCURRENCY = 4;
/** Failed records named in the error at most, and the length of each cause: the error stays within a Step Functions cause (32,768 characters). */
const MAX_NAMED_FAILURES = 20;
const MAX_CAUSE_LENGTH = 400;

export interface RecordFailure {
  readonly id: string;
  readonly cause: string;
}

/**
 * A record still failed after its retries (or could not be sent at all);
 * nothing was written. The Distributed Map counts the batch's items as
 * failed against its tolerated failure threshold.
 */
export class CandidateInvocationFailedError extends Error {
  constructor(
    message: string,
    public readonly failures: readonly RecordFailure[],
  ) {
    super(message);
    this.name = 'CandidateInvocationFailed';
  }
}

type Outcome = { readonly prediction: Prediction } | { readonly failure: RecordFailure };

/** Runs `task` over the items with at most `limit` in flight; results in item order. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The judge of the batch: one call for one answer (retries are the caller's), and the name its failures go by. */
interface PreparedJudge {
  readonly name: string;
  readonly call: (item: JudgeItem) => Promise<JudgeResult>;
}

/**
 * One record: the candidate's answer, then, when the run has a judge, the
 * judge's grade of it. Both calls are retried alike; an error that retries
 * cannot fix, of either call, fails the record. A judge reply without a valid
 * score does not: the prediction carries `judge: { error }`.
 */
async function predict(candidate: PreparedCandidate, judge: PreparedJudge | undefined, { id, record }: IdentifiedRecord, options: InvokeCandidateOptions): Promise<Outcome> {
  const now = options.now ?? (() => performance.now());
  let prompt: string;
  try {
    prompt = candidate.render(record);
  } catch (error) {
    return { failure: { id, cause: (error as Error).message } };
  }
  let prediction: Prediction;
  try {
    const { answer, latencyMs } = await withRetry(async () => {
      const start = now();
      const answer = await candidate.call(prompt);
      return { answer, latencyMs: Math.max(0, Math.round(now() - start)) };
    }, options);
    prediction = {
      id,
      prediction: answer.text,
      reference: record.reference,
      latencyMs,
      ...(answer.inputTokens === undefined ? {} : { inputTokens: answer.inputTokens }),
      ...(answer.outputTokens === undefined ? {} : { outputTokens: answer.outputTokens }),
    };
  } catch (error) {
    return { failure: { id, cause: describeError(error) } };
  }
  if (judge === undefined) return { prediction };
  try {
    const graded = await withRetry(() => judge.call({ question: prompt, reference: record.reference, answer: prediction.prediction }), options);
    return { prediction: { ...prediction, judge: graded } };
  } catch (error) {
    return { failure: { id, cause: `${judge.name}: ${describeError(error)}` } };
  }
}

function failureMessage(failures: readonly RecordFailure[], total: number): string {
  const shown = failures.slice(0, MAX_NAMED_FAILURES).map(({ id, cause }) => `  - ${id}: ${cause.length > MAX_CAUSE_LENGTH ? `${cause.slice(0, MAX_CAUSE_LENGTH - 3)}...` : cause}`);
  const more = failures.length > MAX_NAMED_FAILURES ? [`  - and ${failures.length - MAX_NAMED_FAILURES} more`] : [];
  return `${failures.length} of ${total} records failed; no predictions were written for the batch:\n${[...shown, ...more].join('\n')}`;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

/**
 * The Evaluate stage's batch worker: checks the batch (BatchInput, then
 * every record), calls the candidate for each record with bounded
 * concurrency and retries (then the judge on its answer, when the run has
 * one), and writes the batch's predictions, one JSON per
 * line, to `s3://<outputBucket>/<outputPrefix>predictions/<batch id>.jsonl`,
 * overwriting what an earlier attempt of the same batch wrote. When any
 * record still fails, throws CandidateInvocationFailed and writes nothing.
 */
export async function invokeCandidate(clients: InvokeCandidateClients, event: unknown, options: InvokeCandidateOptions = {}): Promise<InvokeCandidateOutput> {
  const { input, items } = checkEvent(event);
  const records = checkRecords(items, input.candidate);
  const candidate = await prepareCandidate(clients, input);
  const judgeSettings = input.judge;
  const judge: PreparedJudge | undefined =
    judgeSettings === undefined ? undefined : { name: `judge ${judgeSettings.modelId}`, call: (item) => callJudge(clients.bedrock, judgeSettings, item) };
  const outcomes = await mapWithConcurrency(records, options.concurrency ?? DEFAULT_CONCURRENCY, (record) => predict(candidate, judge, record, options));

  const failures = outcomes.flatMap((outcome) => ('failure' in outcome ? [outcome.failure] : []));
  if (failures.length > 0) throw new CandidateInvocationFailedError(failureMessage(failures, records.length), failures);
  const predictions = outcomes.flatMap((outcome) => ('prediction' in outcome ? [outcome.prediction] : []));

  const key = `${input.outputPrefix}predictions/${batchId(records.map((record) => record.id))}.jsonl`;
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: input.outputBucket,
      Key: key,
      Body: predictions.map((prediction) => JSON.stringify(prediction)).join('\n') + '\n',
      ContentType: 'application/jsonl',
      Metadata: { 'run-id': input.runId },
    }),
  );

  const latencies = predictions.map((prediction) => prediction.latencyMs).sort((a, b) => a - b);
  return {
    key,
    items: predictions.length,
    failed: 0,
    inputTokens: predictions.reduce((sum, prediction) => sum + (prediction.inputTokens ?? 0), 0),
    outputTokens: predictions.reduce((sum, prediction) => sum + (prediction.outputTokens ?? 0), 0),
    latencyMsP50: percentile(latencies, 0.5),
    latencyMsMax: latencies.length === 0 ? 0 : latencies[latencies.length - 1],
  };
}
