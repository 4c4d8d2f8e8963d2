import { promptTemplateSchema } from '../../lib/adapt/prompt-template';
import { formatIssue } from '../../lib/config/issues';
import { describe } from '../../lib/errors';
import type { EvaluationRecord } from '../../lib/evaluate/record';
import * as z from '../../lib/validation/zod-mini';
import { S3_BUCKET_NAME } from '../shared/names';
import { PROMPT_VERSION_ARN } from '../shared/prompt-version';

/**
 * The event a Step Functions Distributed Map (JSONL ItemReader, ItemBatcher)
 * sends per batch: the batch's records and the run's settings, the same for
 * every batch.
 */
export interface InvokeCandidateEvent {
  readonly Items: readonly EvaluationRecord[];
  readonly BatchInput: BatchInput;
}

/** SageMaker's EndpointName and InferenceComponentName pattern, at most 63 characters. */
const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
/** Visible ASCII: the run id goes into S3 object metadata, which takes US-ASCII. */
const RUN_ID = /^[\x21-\x7e]{1,256}$/;

const text = (what: string) => z.string({ error: what }).check(z.minLength(1, { error: what }));
const sagemakerName = (what: string) => z.string({ error: what }).check(z.maxLength(63, { error: what }), z.regex(SAGEMAKER_NAME, { error: what }));

const candidateSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('bedrock'),
      modelId: text('a Bedrock model id, inference profile id or ARN'),
    }),
    z.strictObject({
      kind: z.literal('endpoint'),
      endpointName: sagemakerName('a SageMaker endpoint name (letters, digits and hyphens, at most 63)'),
      inferenceComponentName: z.optional(sagemakerName('a SageMaker inference component name (letters, digits and hyphens, at most 63)')),
    }),
    z.strictObject({
      kind: z.literal('model-package'),
      modelPackageArn: text('the ARN of the model package the run approves or rejects'),
      endpointName: sagemakerName('the SageMaker endpoint serving the package (letters, digits and hyphens, at most 63)'),
      inferenceComponentName: z.optional(sagemakerName('a SageMaker inference component name (letters, digits and hyphens, at most 63)')),
    }),
    z.strictObject({
      kind: z.literal('prompt'),
      promptArn: z
        .string({ error: 'a prompt version ARN, arn:<partition>:bedrock:<region>:<account>:prompt/<id>:<version>' })
        .check(z.regex(PROMPT_VERSION_ARN, { error: 'a prompt version ARN, arn:<partition>:bedrock:<region>:<account>:prompt/<id>:<version> (a prompt ARN without :<version> is the mutable draft)' })),
      modelId: text('the Bedrock model id, inference profile id or ARN the rendered prompt is sent to'),
    }),
  ],
  { error: 'a candidate of kind "bedrock", "endpoint", "model-package" (with the endpoint serving it) or "prompt"' },
);

/** Inference settings: those of the prompt files (maxTokens 1 to 512,000; temperature and topP 0 to 1). */
const inferenceSchema = promptTemplateSchema.shape.inference;

/** Longest rubric of an LLM judge, characters. */
export const MAX_RUBRIC_LENGTH = 4000;
const rubricRule = `the judge's grading rubric, 1 to ${MAX_RUBRIC_LENGTH} characters`;

/** The optional LLM judge: a Bedrock model that grades each answer 1 to 5 on the rubric (judge.ts). */
const judgeSchema = z.strictObject(
  {
    modelId: text("the judge's Bedrock model id, inference profile id or ARN"),
    rubric: z.string({ error: rubricRule }).check(z.minLength(1, { error: rubricRule }), z.maxLength(MAX_RUBRIC_LENGTH, { error: rubricRule })),
    maxTokens: z.optional(z.int({ error: 'a whole number of tokens > 0' }).check(z.positive({ error: 'a whole number of tokens > 0' }))),
  },
  { error: 'an LLM judge, {modelId, rubric, maxTokens?}' },
);

export const batchInputSchema = z.strictObject({
  runId: z.string({ error: 'the run id, visible ASCII characters' }).check(z.regex(RUN_ID, { error: 'the run id, 1 to 256 visible ASCII characters' })),
  candidate: candidateSchema,
  outputBucket: z.string({ error: 'a bucket name (not an s3:// URL or ARN)' }).check(z.regex(S3_BUCKET_NAME, { error: 'a bucket name (not an s3:// URL or ARN)' })),
  outputPrefix: z
    .string({ error: 'a prefix ending with "/", or "" for the bucket root' })
    .check(z.refine((prefix) => prefix === '' || prefix.endsWith('/'), { error: 'a prefix ending with "/", or "" for the bucket root' })),
  inference: inferenceSchema,
  /** Grades each prediction with an LLM judge; absent: no judge. */
  judge: z.optional(judgeSchema),
});

/** The run's settings, the same for every batch. */
export type BatchInput = z.infer<typeof batchInputSchema>;
export type Candidate = BatchInput['candidate'];
export type Inference = NonNullable<BatchInput['inference']>;
export type Judge = NonNullable<BatchInput['judge']>;

/** Bad input to the Lambda itself (not a bad record): a wiring error of the state machine. */
export class InvokeCandidateInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvokeCandidateInputError';
  }
}

/**
 * Checks the event's shape and its BatchInput, every problem at once; the
 * records are checked separately (records.ts), since a bad record is a data
 * problem, not a wiring one.
 */
export function checkEvent(event: unknown): { readonly input: BatchInput; readonly items: readonly unknown[] } {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new InvokeCandidateInputError('invalid input; expected {"Items": [records], "BatchInput": {...}} (a Distributed Map with an ItemBatcher and BatchInput)');
  }
  const { Items: items, BatchInput: batchInput, ...rest } = event as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(rest);
  if (unknown.length > 0) problems.push(`${unknown.join(', ')}: an unknown key; allowed: Items, BatchInput`);
  if (!Array.isArray(items) || items.length === 0) problems.push('Items: a non-empty list of records (set an ItemBatcher on the Distributed Map)');
  const parsed = batchInputSchema.safeParse(batchInput, { reportInput: true });
  if (batchInput === null || typeof batchInput !== 'object' || Array.isArray(batchInput)) {
    problems.push(`BatchInput: received ${describe(batchInput)}; allowed: {runId, candidate, outputBucket, outputPrefix, inference?, judge?} (set BatchInput on the ItemBatcher)`);
  } else if (!parsed.success) {
    problems.push(...parsed.error.issues.flatMap((issue) => formatIssue(issue, batchInputSchema, batchInput)).map((line) => `BatchInput.${line}`));
  }
  if (problems.length > 0 || !parsed.success) throw new InvokeCandidateInputError(`invalid input:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
  return { input: parsed.data, items: items as unknown[] };
}
