import type { S3Client } from '@aws-sdk/client-s3';
import { DATASET_FORMATS, DatasetChecker, usable, type DatasetFormat, type DatasetReport } from '../../lib/adapt/dataset-format';
import { objectLines } from '../shared/s3-objects';
import { mergeHyperparameters, type HyperparameterLayers } from './hyperparameters';

export { InvalidInputError } from './hyperparameters';

/** What the fine-tuning state machine passes in. */
export interface ValidateDatasetInput {
  readonly bucket: string;
  readonly trainKey: string;
  readonly validationKey: string;
  readonly format: DatasetFormat;
  readonly contextLength: number;
  /** Checked and merged before the dataset is read. */
  readonly hyperparameters: HyperparameterLayers;
}

export interface SplitReport extends DatasetReport {
  readonly key: string;
  /** S3 version of the object checked, the lineage of the model trained on it; `null` when the bucket keeps no versions. */
  readonly versionId: string | null;
}

export interface ValidateDatasetOutput {
  readonly train: SplitReport;
  readonly validation: SplitReport;
  /** What the job runs with: defaults, then the execution's values, then the kit's. */
  readonly hyperparameters: Record<string, string>;
}

/**
 * Thrown when a split cannot be trained on; the state machine catches it by
 * name and stops before any training job starts. The message lists the bad
 * lines of each split.
 */
export class DatasetInvalidError extends Error {
  constructor(
    message: string,
    public readonly output: ValidateDatasetOutput,
  ) {
    super(message);
    this.name = 'DatasetInvalid';
  }
}

/** Bad input to the Lambda itself (not to the dataset): a wiring error. */
export class ValidateInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidateInputError';
  }
}

function checkInput(input: Partial<ValidateDatasetInput>): ValidateDatasetInput {
  const problems: string[] = [];
  for (const field of ['bucket', 'trainKey', 'validationKey'] as const) {
    if (typeof input[field] !== 'string' || input[field].length === 0) problems.push(`${field}: a non-empty string`);
  }
  if (!DATASET_FORMATS.includes(input.format as DatasetFormat)) problems.push(`format: ${DATASET_FORMATS.join(' | ')}`);
  if (!Number.isInteger(input.contextLength) || (input.contextLength as number) <= 0) problems.push('contextLength: a whole number > 0');
  const layers = input.hyperparameters as Partial<HyperparameterLayers> | undefined;
  if (layers === undefined || typeof layers.defaults !== 'object' || typeof layers.reserved !== 'object' || !('requested' in layers)) {
    problems.push('hyperparameters: {defaults, requested, reserved}');
  }
  if (problems.length > 0) throw new ValidateInputError(`invalid input; expected ${problems.join(', ')}`);
  return input as ValidateDatasetInput;
}

async function checkSplit(s3: S3Client, input: ValidateDatasetInput, key: string): Promise<SplitReport> {
  const { lines, versionId } = await objectLines(s3, input.bucket, key);
  const checker = new DatasetChecker(input.format, input.contextLength);
  for await (const line of lines) checker.add(line);
  return { key, versionId: versionId ?? null, ...checker.report() };
}

function describeSplit(name: string, report: SplitReport): string {
  if (report.records === 0) return `${name} (${report.key}) has no record`;
  const lines = report.problems.map((problem) => `line ${problem.line}: ${problem.message}`).join('; ');
  const more = report.problemCount > report.problems.length ? `; and ${report.problemCount - report.problems.length} more` : '';
  return `${name} (${report.key}): ${report.problemCount} bad of ${report.records} records: ${lines}${more}`;
}

/**
 * Checks a run before it spends GPU hours: its hyperparameters (merged), then
 * both splits, read from S3 line by line, every record.
 */
export async function validateDataset(s3: S3Client, event: Partial<ValidateDatasetInput>): Promise<ValidateDatasetOutput> {
  const input = checkInput(event);
  const hyperparameters = mergeHyperparameters(input.hyperparameters);
  const [train, validation] = await Promise.all([checkSplit(s3, input, input.trainKey), checkSplit(s3, input, input.validationKey)]);
  const output = { train, validation, hyperparameters };
  const bad = [['train', train] as const, ['validation', validation] as const].filter(([, report]) => !usable(report));
  if (bad.length > 0) throw new DatasetInvalidError(bad.map(([name, report]) => describeSplit(name, report)).join(' | '), output);
  return output;
}
