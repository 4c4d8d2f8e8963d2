import { createHash } from 'node:crypto';
import type { EvaluationRecord, Prediction } from '../../lib/evaluate/record';

/**
 * The dataset of a Bedrock model evaluation job on the run's own
 * predictions ("bring your own inference responses"): one JSON line per
 * prediction, as the Bedrock user guide defines it for jobs that use a model
 * as judge (model-evaluation-prompt-datasets-judge):
 *
 * `{"prompt", "referenceResponse", "modelResponses": [{"response", "modelIdentifier"}]}`,
 *
 * one model response per prompt and one `modelIdentifier` in the whole job,
 * equal to the job's `precomputedInferenceSource.inferenceSourceIdentifier`.
 * Pure: no AWS calls.
 */

/** One line of the dataset. */
export interface BedrockDatasetRecord {
  readonly prompt: string;
  readonly referenceResponse: string;
  readonly modelResponses: readonly [{ readonly response: string; readonly modelIdentifier: string }];
}

/** What a Bedrock job is given in place of an empty answer: the judge must see that nothing was answered. */
export const NO_ANSWER = '(no answer)';

/** The service's `inferenceSourceIdentifier`: `[a-zA-Z0-9]([a-zA-Z0-9._-]){0,255}`. */
const IDENTIFIER_LENGTH = 256;

/** A label made valid as an inference source identifier: other characters become `-`, at most 256. */
function identifier(label: string): string {
  const cleaned = label.replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
  return (cleaned.length === 0 ? 'candidate' : cleaned).slice(0, IDENTIFIER_LENGTH);
}

/** The last part of an ARN's resource (`model-package/ft-group/7` gives `ft-group/7`). */
const resourceOf = (arn: string) => arn.split(':').slice(5).join(':').split('/').slice(1).join('/') || arn;

/**
 * The label of the candidate in the Bedrock job: its kind and what names it
 * (`bedrock-amazon.nova-micro-v1-0`, `endpoint-staging-llm`,
 * `prompt-ABCDEFGHIJ-3`, `model-package-ft-group-7`).
 */
export function modelIdentifierOf(candidate: unknown): string {
  const given = (candidate ?? {}) as Record<string, unknown>;
  const text = (field: string) => (typeof given[field] === 'string' ? (given[field] as string) : undefined);
  const kind = text('kind') ?? 'candidate';
  const name =
    kind === 'bedrock'
      ? text('modelId')
      : kind === 'endpoint'
        ? [text('endpointName'), text('inferenceComponentName')].filter((part) => part !== undefined).join('-')
        : kind === 'prompt'
          ? (text('promptArn') === undefined ? undefined : resourceOf(text('promptArn') as string))
          : kind === 'model-package'
            ? (text('modelPackageArn') === undefined ? undefined : resourceOf(text('modelPackageArn') as string))
            : undefined;
  return identifier(name === undefined || name.length === 0 ? kind : `${kind}-${name}`);
}

/**
 * What the candidate was asked: the record's prompt, or, for a prompt
 * template, its variables one per line (`name: value`, by name): the
 * rendered text is the worker's and is not kept with the predictions.
 */
export function promptText(record: Pick<EvaluationRecord, 'prompt' | 'variables'>): string {
  if (record.prompt !== undefined) return record.prompt;
  return Object.keys(record.variables ?? {})
    .sort()
    .map((name) => `${name}: ${record.variables?.[name]}`)
    .join('\n');
}

/**
 * The ground truth as one text: the text itself, the first of several
 * accepted answers, or the entities one per line (`type: text`).
 */
export function referenceText(reference: EvaluationRecord['reference']): string {
  if (typeof reference === 'string') return reference;
  if (reference.length === 0) return '(no entities)';
  const [first] = reference;
  if (typeof first === 'string') return first;
  return (reference as ReadonlyArray<{ type: string; text: string }>).map((entity) => `${entity.type}: ${entity.text}`).join('\n');
}

/** The dataset line of one prediction of a record. */
export function bedrockRecord(record: Pick<EvaluationRecord, 'prompt' | 'variables'>, prediction: Pick<Prediction, 'prediction' | 'reference'>, modelIdentifier: string): BedrockDatasetRecord {
  const response = typeof prediction.prediction === 'string' && prediction.prediction.trim().length > 0 ? prediction.prediction : NO_ANSWER;
  return { prompt: promptText(record), referenceResponse: referenceText(prediction.reference), modelResponses: [{ response, modelIdentifier }] };
}

const rank = (id: string) => createHash('sha256').update(id).digest('hex');

/**
 * The predictions the job evaluates: all of them up to `maxRecords`; above
 * it, the `maxRecords` whose id has the lowest SHA-256, a sample that is the
 * same for the same predictions whatever their order, and independent of
 * how the set is sorted. Returned in id order.
 */
export function sampleForBedrock<T extends Pick<Prediction, 'id'>>(predictions: readonly T[], maxRecords: number): T[] {
  const byId = (a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (predictions.length <= maxRecords) return [...predictions].sort(byId);
  return predictions
    .map((prediction) => ({ prediction, rank: rank(prediction.id) }))
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : byId(a.prediction, b.prediction)))
    .slice(0, maxRecords)
    .map(({ prediction }) => prediction)
    .sort(byId);
}

/** The dataset of the sampled predictions whose record was found, and what it holds. */
export interface BedrockDataset {
  /** JSONL, one line per record; empty when no prediction has its record. */
  readonly body: string;
  /** Lines written. */
  readonly records: number;
  /** Predictions of the run: more than `records` when the service's limit made the run sample. */
  readonly predictions: number;
  readonly sampled: boolean;
  /** Sampled predictions whose record was not found in the evaluation set (left out). */
  readonly missing: number;
  readonly modelIdentifier: string;
}

/**
 * The dataset of a run: `sampled` are the predictions sampleForBedrock chose,
 * `records` the evaluation records by id (at least those of the sample).
 */
export function bedrockDataset(input: {
  readonly sampled: readonly Prediction[];
  readonly predictions: number;
  readonly records: ReadonlyMap<string, Pick<EvaluationRecord, 'prompt' | 'variables'>>;
  readonly modelIdentifier: string;
}): BedrockDataset {
  const lines: string[] = [];
  let missing = 0;
  for (const prediction of input.sampled) {
    const record = input.records.get(prediction.id);
    if (record === undefined) {
      missing += 1;
      continue;
    }
    lines.push(JSON.stringify(bedrockRecord(record, prediction, input.modelIdentifier)));
  }
  return {
    body: lines.length === 0 ? '' : `${lines.join('\n')}\n`,
    records: lines.length,
    predictions: input.predictions,
    sampled: input.sampled.length < input.predictions,
    missing,
    modelIdentifier: input.modelIdentifier,
  };
}
