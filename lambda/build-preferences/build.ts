import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DatasetChecker, usable, type DatasetReport } from '../../lib/adapt/dataset-format';
import { buildPreferencePairs, pairHash, toJsonl, type PreferencePair } from '../../lib/align/preference-pairs';
import { S3_BUCKET_NAME } from '../shared/names';
import { readFeedback, type BadLine } from './feedback';
import { MANIFEST_NAME, readManifest, writeManifest, type DatasetManifest } from './manifest';

export type { BadLine } from './feedback';
export { ManifestInvalidError } from './manifest';

/** What the align workflow passes in (schedule or on-demand start). */
export interface BuildPreferencesInput {
  readonly feedbackBucket: string;
  /** Prefix of the feedback files, e.g. "feedback/"; "" for the whole bucket. */
  readonly feedbackPrefix: string;
  readonly datasetsBucket: string;
  /** Prefix of the preference datasets and their manifest, e.g. "preference/". */
  readonly datasetPrefix: string;
  /** New pairs (not in the previous dataset) needed before a dataset is built. */
  readonly minNewPairs: number;
  /** Share of prompts held out for validation, in (0, 1). @default 0.1 */
  readonly validationFraction?: number;
}

export interface SkippedCounts {
  /** Feedback lines that are not records of the shared format (see badLines). */
  readonly badLines: number;
  /** Pairs given more than once. */
  readonly duplicates: number;
  /** Pairs dropped because other feedback says the opposite. */
  readonly conflicts: number;
}

interface BuildSummary {
  /** Pairs the feedback gives in all (train + validation). */
  readonly pairs: number;
  /** Pairs not in the previous dataset. */
  readonly newPairs: number;
  /** Feedback objects and valid feedback records read. */
  readonly feedbackObjects: number;
  readonly feedbackRecords: number;
  readonly skipped: SkippedCounts;
  /** The first bad feedback lines, with object key and line number. */
  readonly badLines: BadLine[];
  /** The dataset new pairs were counted against; absent before the first one. */
  readonly previousDatasetId?: string;
}

export interface DatasetReady extends BuildSummary {
  readonly ready: true;
  readonly datasetId: string;
  readonly bucket: string;
  readonly trainKey: string;
  readonly validationKey: string;
  /** S3 versions written: the lineage of the model trained on them. */
  readonly trainVersionId?: string;
  readonly validationVersionId?: string;
  readonly trainPairs: number;
  readonly validationPairs: number;
  readonly manifestKey: string;
  readonly manifestVersionId?: string;
}

export interface NotReady extends BuildSummary {
  readonly ready: false;
  readonly minNewPairs: number;
  readonly reason: string;
}

/** The state machine chooses on `ready`. */
export type BuildPreferencesOutput = DatasetReady | NotReady;

export interface BuildPreferencesOptions {
  /** Clock for the dataset id. @default the system clock */
  readonly now?: () => Date;
}

/** Bad input to the Lambda itself (not to the feedback): a wiring error. */
export class BuildPreferencesInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildPreferencesInputError';
  }
}

/** The pairs would make a dataset DPO cannot train or validate on; nothing was written. */
export class DatasetUnusableError extends Error {
  constructor(
    message: string,
    public readonly reports: { readonly train: DatasetReport; readonly validation: DatasetReport },
  ) {
    super(message);
    this.name = 'DatasetUnusable';
  }
}

export const DEFAULT_VALIDATION_FRACTION = 0.1;
const INPUT_FIELDS = ['feedbackBucket', 'feedbackPrefix', 'datasetsBucket', 'datasetPrefix', 'minNewPairs', 'validationFraction'];

function checkInput(event: unknown): BuildPreferencesInput {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new BuildPreferencesInputError(`invalid input; expected an object with ${INPUT_FIELDS.join(', ')}`);
  const input = event as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(input).filter((key) => !INPUT_FIELDS.includes(key));
  if (unknown.length > 0) problems.push(`no field ${unknown.map((key) => JSON.stringify(key)).join(', ')} (allowed: ${INPUT_FIELDS.join(', ')})`);
  for (const field of ['feedbackBucket', 'datasetsBucket']) {
    if (typeof input[field] !== 'string' || !S3_BUCKET_NAME.test(input[field])) problems.push(`${field}: a bucket name (not an s3:// URL or ARN)`);
  }
  for (const field of ['feedbackPrefix', 'datasetPrefix']) {
    const prefix = input[field];
    if (typeof prefix !== 'string' || (prefix !== '' && !prefix.endsWith('/'))) problems.push(`${field}: a prefix ending with "/", or "" for the whole bucket`);
  }
  if (!Number.isInteger(input.minNewPairs) || (input.minNewPairs as number) < 1) problems.push('minNewPairs: a whole number >= 1');
  const fraction = input.validationFraction;
  if (fraction !== undefined && (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1))) problems.push('validationFraction: a number between 0 and 1 (exclusive)');
  if (problems.length === 0 && input.feedbackBucket === input.datasetsBucket) {
    const [feedback, datasets] = [input.feedbackPrefix as string, input.datasetPrefix as string];
    if (feedback.startsWith(datasets) || datasets.startsWith(feedback)) {
      problems.push(`feedbackPrefix and datasetPrefix that do not contain one another in the same bucket (received ${JSON.stringify(feedback)} and ${JSON.stringify(datasets)})`);
    }
  }
  if (problems.length > 0) throw new BuildPreferencesInputError(`invalid input; expected ${problems.join(', ')}`);
  return input as unknown as BuildPreferencesInput;
}

function check(jsonl: string): DatasetReport {
  // The context length is the training workflow's check (validate-dataset, with the model's own).
  const checker = new DatasetChecker('dpo', Number.POSITIVE_INFINITY);
  for (const line of jsonl.split('\n')) checker.add(line);
  return checker.report();
}

function describeUnusable(name: 'train' | 'validation', report: DatasetReport, prompts: number, fraction: number): string {
  if (report.records === 0) {
    const advice = name === 'validation' ? 'collect feedback on more prompts, or raise validationFraction' : 'collect feedback on more prompts, or lower validationFraction';
    return `the ${name} split is empty: the split holds out about ${Math.round(fraction * 100)}% of prompts by a hash of the prompt, and none of the ${prompts} prompts fell into ${name}; ${advice}`;
  }
  const lines = report.problems.map((problem) => `line ${problem.line}: ${problem.message}`).join('; ');
  return `the ${name} split has ${report.problemCount} bad of ${report.records} records (${lines}); the feedback passed the feedback format but not the dpo format: fix the builder, not the feedback`;
}

/** Sortable (UTC time first) and unique (hash of the content): 20261128T180000Z-1a2b3c4d. */
function datasetIdOf(now: Date, train: string, validation: string): string {
  const time = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${time}-${createHash('sha256').update(train).update('\0').update(validation).digest('hex').slice(0, 8)}`;
}

async function putNew(s3: S3Client, bucket: string, key: string, body: string): Promise<string | undefined> {
  // IfNoneMatch: a dataset is always a new key, never an overwrite.
  const written = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/jsonl', IfNoneMatch: '*' }));
  return written.VersionId;
}

/**
 * Turns all feedback into preference pairs and, when at least minNewPairs of
 * them are not in the previous dataset, writes a new DPO dataset (train and
 * validation JSONL under a new id) and then the manifest naming it. Writes
 * nothing otherwise. Never changes feedback nor an earlier dataset.
 */
export async function buildPreferences(s3: S3Client, event: unknown, options: BuildPreferencesOptions = {}): Promise<BuildPreferencesOutput> {
  const input = checkInput(event);
  const fraction = input.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  const manifestKey = `${input.datasetPrefix}${MANIFEST_NAME}`;
  const previous = await readManifest(s3, input.datasetsBucket, manifestKey);
  const feedback = await readFeedback(s3, input.feedbackBucket, input.feedbackPrefix);
  const dataset = buildPreferencePairs(feedback.records, { validationShare: fraction });

  const all: PreferencePair[] = [...dataset.train, ...dataset.validation];
  const hashes = all.map(pairHash);
  const known = new Set(previous?.manifest.pairHashes ?? []);
  const newPairs = hashes.filter((hash) => !known.has(hash)).length;
  const summary: BuildSummary = {
    pairs: all.length,
    newPairs,
    feedbackObjects: feedback.objects,
    feedbackRecords: feedback.records.length,
    skipped: { badLines: feedback.badLineCount, duplicates: dataset.stats.duplicates, conflicts: dataset.stats.conflicts },
    badLines: feedback.badLines,
    ...(previous === undefined ? {} : { previousDatasetId: previous.manifest.datasetId }),
  };

  if (newPairs < input.minNewPairs) {
    const since = previous === undefined ? 'and no earlier dataset' : `since dataset ${previous.manifest.datasetId}`;
    const bad = feedback.badLineCount > 0 ? `; ${feedback.badLineCount} feedback lines were not feedback records (see badLines)` : '';
    return { ready: false, ...summary, minNewPairs: input.minNewPairs, reason: `${newPairs} new preference pairs ${since} (${all.length} in all); ${input.minNewPairs} needed${bad}` };
  }

  const train = toJsonl(dataset.train);
  const validation = toJsonl(dataset.validation);
  const reports = { train: check(train), validation: check(validation) };
  const unusable = (['train', 'validation'] as const).filter((name) => !usable(reports[name]));
  if (unusable.length > 0) {
    const prompts = new Set(all.map((pair) => pair.prompt.trim().replace(/\s+/g, ' '))).size;
    throw new DatasetUnusableError(`refusing to write the preference dataset: ${unusable.map((name) => describeUnusable(name, reports[name], prompts, fraction)).join(' | ')}`, reports);
  }

  const now = (options.now ?? (() => new Date()))();
  const datasetId = datasetIdOf(now, train, validation);
  const trainKey = `${input.datasetPrefix}${datasetId}/train.jsonl`;
  const validationKey = `${input.datasetPrefix}${datasetId}/validation.jsonl`;
  const [trainVersionId, validationVersionId] = await Promise.all([
    putNew(s3, input.datasetsBucket, trainKey, train),
    putNew(s3, input.datasetsBucket, validationKey, validation),
  ]);
  const manifest: DatasetManifest = {
    version: 1,
    datasetId,
    createdAt: now.toISOString(),
    bucket: input.datasetsBucket,
    trainKey,
    validationKey,
    ...(trainVersionId === undefined ? {} : { trainVersionId }),
    ...(validationVersionId === undefined ? {} : { validationVersionId }),
    validationFraction: fraction,
    trainPairs: dataset.train.length,
    validationPairs: dataset.validation.length,
    pairHashes: [...hashes].sort(),
  };
  const manifestVersionId = await writeManifest(s3, input.datasetsBucket, manifestKey, manifest, previous);
  return {
    ready: true,
    ...summary,
    datasetId,
    bucket: input.datasetsBucket,
    trainKey,
    validationKey,
    trainVersionId,
    validationVersionId,
    trainPairs: dataset.train.length,
    validationPairs: dataset.validation.length,
    manifestKey,
    manifestVersionId,
  };
}
