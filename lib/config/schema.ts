import * as z from 'zod';
import { ARCHIVE_STORAGE_CLASSES, retentionProblems } from '../../constructs/data/retention';
import { MAX_AZS_RANGE, VPC_CIDR_PATTERN } from '../../constructs/network/limits';
import { hyperparameterNameProblem, MAX_HYPERPARAMETER_VALUE, MAX_RUNTIME_HOURS, TRAINING_DEFAULTS } from '../../constructs/adapt/limits';
import { COPY_METRICS, INSTANCE_METRICS } from '../../constructs/serve/metrics';
import { BEDROCK_JUDGE_METRICS, BEDROCK_TASK_TYPES, MAX_BEDROCK_METRICS } from '../../constructs/evaluate/bedrock-evaluation-limits';
import { SERVING_SERVERS } from '../catalog/containers';
import { TASK_METRICS } from '../evaluate/metrics';
import { JUDGE_METRIC } from '../evaluate/record';
import { TASKS, type Task } from './tasks';
import {
  BUILT_IN_TOOL_NAMES,
  DEFAULT_EMBEDDING_MODEL,
  DENIED_TOPIC_LIMITS,
  EMBEDDING_MODELS,
  embeddingProblem,
  GROUNDING_THRESHOLD_RANGE,
  MAX_AGENT_TIME_BUDGET_SECONDS,
  MAX_HIERARCHICAL_TOKENS,
  TOOL_NAME_PATTERN,
} from '../../constructs/augment/limits';

export { TASKS } from './tasks';

/**
 * The schema of one environment's configuration (config/<env>.json).
 * Custom messages say what is allowed; the loader prints them after the
 * path and the value received.
 */

export const DATA_CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;
export const PRECISIONS = ['fp32', 'bf16', 'fp16', 'int8', 'fp8', 'int4'] as const;
export const TRAINING_PRECISIONS = ['fp32', 'bf16', 'fp16'] as const;
export const COMPLIANCE_PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security'] as const;
/** Interface VPC endpoints the kit's stages call from inside the private network. */
export const INTERFACE_ENDPOINTS = [
  'bedrock',
  'bedrock-runtime',
  'bedrock-agent',
  'bedrock-agent-runtime',
  'sagemaker-api',
  'sagemaker-runtime',
  'states',
  'sns',
  'sts',
  'kms',
  'logs',
  'monitoring',
  'ecr-api',
  'ecr-dkr',
] as const;
/** Retention periods CloudWatch Logs accepts (RetentionInDays). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const positiveInt = (what: string) => z.int({ error: `a whole number of ${what} > 0` }).positive({ error: `a whole number of ${what} > 0` });
const positiveNumber = (what: string) => z.number({ error: `a number of ${what} > 0` }).positive({ error: `a number of ${what} > 0` });
const uniqueList = <T extends z.ZodType>(item: T) =>
  z.array(item).refine((items) => new Set(items).size === items.length, { error: 'each entry at most once' });

const scope = z.strictObject({
  useCase: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,62}$/, { error: 'lower-case letters, digits and dashes, 2 to 63 characters, starting with a letter' })
    .describe('Name of the use case; also the Project tag of every resource.'),
  task: z.enum(TASKS).describe('The task the model performs; it selects the evaluation metrics of later stages.'),
  dataClassification: z.enum(DATA_CLASSIFICATIONS).describe('Most sensitive data the environment holds.'),
  latencySloP95Ms: positiveInt('milliseconds').describe('Latency objective: 95th percentile of one answer, in milliseconds.'),
  peakRequestsPerSecond: positiveNumber('requests per second').describe('Expected peak load.'),
  monthlyBudgetUsd: positiveNumber('US dollars').describe('Monthly budget of the environment in USD.'),
  budgetAction: z
    .enum(['warn', 'fail'])
    .optional()
    .describe('What `kit cost` does when its estimate exceeds monthlyBudgetUsd: warn (exit 0) or fail (exit 1). Absent: warn.'),
  peakHoursPerDay: z
    .number({ error: 'a number of hours above 0, at most 24' })
    .gt(0, { error: 'a number of hours above 0, at most 24' })
    .max(24, { error: 'a number of hours above 0, at most 24' })
    .optional()
    .describe('Cost estimate: hours a day at peakRequestsPerSecond; no load the rest of the day. Absent: 8.'),
  averageRequestSeconds: positiveNumber('seconds')
    .optional()
    .describe('Cost estimate: average time one request takes (concurrency = load x time). Absent: latencySloP95Ms, as if every request took the 95th percentile.'),
  payloadKb: positiveNumber('KB').optional().describe('Cost estimate: size of one request and its answer together, in KB (requests captured to S3). Absent: 8.'),
  dataLakeGb: z
    .number({ error: 'a number of GB >= 0' })
    .nonnegative({ error: 'a number of GB >= 0' })
    .optional()
    .describe('Cost estimate: data the data lake holds, in GB, priced as S3 Standard. Absent: 100.'),
});

const architecture = z
  .strictObject({
    layers: positiveInt('layers'),
    kvHeads: positiveInt('key/value heads'),
    headDim: positiveInt('dimensions per head'),
  })
  .describe('Transformer shape; sizes the KV cache.');

const precision = z.enum(PRECISIONS).describe('Numeric precision the weights are served in.');
const hostedModelFacts = {
  parametersBillions: positiveNumber('billions of parameters').describe('Model size in billions of parameters.'),
  precision,
  contextLength: positiveInt('tokens').describe('Maximum sequence length in tokens.'),
  architecture: architecture.optional(),
};

const model = z.discriminatedUnion('source', [
  z
    .strictObject({
      source: z.literal('bedrock'),
      modelId: z
        .string()
        .regex(/^([a-z]{2,4}\.)?[a-z0-9-]+\.[a-zA-Z0-9.:_-]+$/, { error: 'a Bedrock model id such as anthropic.claude-3-5-haiku-20241022-v1:0' })
        .describe('Bedrock foundation model id, or an inference profile id.'),
    })
    .describe('A Bedrock foundation model.'),
  z
    .strictObject({
      source: z.literal('huggingface'),
      modelId: z
        .string()
        .regex(/^[\w.-]+\/[\w.-]+$/, { error: 'a Hugging Face repository id such as meta-llama/Llama-3.1-8B-Instruct' }),
      revision: z
        .string()
        .regex(/^[0-9a-f]{40}$/, { error: 'a 40-character commit hash' })
        .optional()
        .describe('Commit of the model repository, pinned for reproducible deployments.'),
      ...hostedModelFacts,
    })
    .describe('An open model from the Hugging Face Hub, hosted on SageMaker.'),
  z
    .strictObject({
      source: z.literal('s3-artifacts'),
      artifactUri: z
        .string()
        .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, { error: 'an S3 URI such as s3://bucket/models/my-model/' })
        .describe('S3 URI of the model artifacts (a prefix or a model.tar.gz).'),
      ...hostedModelFacts,
    })
    .describe('Own model artifacts in S3, hosted on SageMaker.'),
  z
    .strictObject({
      source: z.literal('pretraining'),
      parametersBillions: hostedModelFacts.parametersBillions,
      precision: z.enum(TRAINING_PRECISIONS).describe('Training precision.'),
      contextLength: hostedModelFacts.contextLength,
      architecture,
    })
    .describe('A model pre-trained from scratch by the kit.'),
]);

const retention = z
  .strictObject({
    noncurrentVersionExpirationDays: positiveInt('days').describe('Days a noncurrent version is kept.'),
    expirationDays: positiveInt('days').optional().describe('Days after which current versions expire; absent: never.'),
    transitions: z
      .array(
        z.strictObject({
          storageClass: z.enum(ARCHIVE_STORAGE_CLASSES),
          afterDays: z.int({ error: 'a whole number of days >= 0' }).nonnegative({ error: 'a whole number of days >= 0' }),
        }),
      )
      .optional()
      .describe('Archive transitions of current versions, in increasing days.'),
  })
  .superRefine((value, ctx) => {
    for (const problem of retentionProblems(value)) {
      const path = problem.field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
      ctx.addIssue({ code: 'custom', path, input: problem.received, message: problem.allowed });
    }
  });

const data = z.strictObject({
  retention: z
    .strictObject({
      raw: retention,
      datasets: retention,
      artifacts: retention,
      feedback: retention,
      accessLogs: retention,
    })
    .describe('Lifecycle of each bucket class of the data lake.'),
});

const zonesAllowed = `a whole number from ${MAX_AZS_RANGE.min} to ${MAX_AZS_RANGE.max}`;
const network = z.discriminatedUnion('mode', [
  z
    .strictObject({
      mode: z.literal('create'),
      cidr: z
        .string()
        .regex(VPC_CIDR_PATTERN, { error: 'an IPv4 CIDR block from /16 to /24, such as 10.20.0.0/16' })
        .describe('IPv4 range of the new VPC.'),
      maxAzs: z
        .int({ error: zonesAllowed })
        .min(MAX_AZS_RANGE.min, { error: zonesAllowed })
        .max(MAX_AZS_RANGE.max, { error: zonesAllowed })
        .describe('Availability zones of the new VPC: the region\'s first zones, one isolated subnet each.'),
      interfaceEndpoints: uniqueList(z.enum(INTERFACE_ENDPOINTS)).describe('Interface VPC endpoints to create (private DNS on).'),
      flowLogRetentionDays: z.literal(LOG_RETENTION_DAYS).describe('Days CloudWatch Logs keeps the flow logs.'),
    })
    .describe('A new VPC with isolated subnets only.'),
  z
    .strictObject({
      mode: z.literal('import'),
      vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { error: 'a VPC id such as vpc-0123456789abcdef0' }),
      availabilityZones: uniqueList(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, { error: 'an availability zone such as us-east-1a' })).min(1),
      subnetIds: uniqueList(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: 'a subnet id such as subnet-0123456789abcdef0' })).min(1),
    })
    .refine((value) => value.subnetIds.length === value.availabilityZones.length, {
      error: 'one private subnet id per availability zone, in the same order',
      path: ['subnetIds'],
    })
    .describe("The platform team's existing VPC, given by ids (no lookup at synth)."),
]);

const maxInstances = positiveInt('instances').describe('Most instances the endpoint scales out to.');
const targetValue = positiveNumber('the metric').optional().describe('Target of the tracked metric; absent: derived from maxConcurrentRequests and the latency SLO.');
const scaling = z.discriminatedUnion('mode', [
  z
    .strictObject({
      mode: z.literal('instances'),
      minInstances: positiveInt('instances').describe('Instances always running (at least 1).'),
      maxInstances,
      metric: z
        .enum(INSTANCE_METRICS, { error: `${INSTANCE_METRICS.join(' | ')}: an endpoint without inference components emits no per-copy metric` })
        .optional()
        .describe('Tracked metric; absent: ConcurrentRequestsPerModel (high resolution).'),
      targetValue,
    })
    .describe('Always-on instances scaled by target tracking.'),
  z
    .strictObject({
      mode: z.literal('scale-to-zero'),
      minInstances: z.literal(0, { error: "0 in mode scale-to-zero (for always-on instances use mode 'instances')" }).optional(),
      maxInstances,
      metric: z
        .enum(COPY_METRICS, { error: `${COPY_METRICS.join(' | ')}: an inference component emits only per-copy metrics` })
        .optional()
        .describe('Tracked metric; absent: InvocationsPerCopy.'),
      targetValue,
    })
    .describe('An inference component that scales to zero copies and zero instances when idle, woken by the first request.'),
]);

const serve = z
  .strictObject({
    server: z.enum(SERVING_SERVERS).optional().describe('Serving container; absent: lmi (DJL Serving with vLLM).'),
    instanceType: z
      .string()
      .regex(/^(auto|ml\.[a-z0-9]+\.[a-z0-9]+)$/, { error: '"auto" (the cheapest catalogued instance the model fits) or an instance type such as ml.g6e.xlarge' })
      .describe('"auto" or an instance type; checked against the model\'s memory needs at synth.'),
    maxConcurrentRequests: positiveInt('sequences').describe('Sequences one model copy serves at once; sizes the KV cache.'),
    maxSequenceLength: positiveInt('tokens').optional().describe('Longest prompt + answer served; absent: model.contextLength.'),
    weightsKey: z
      .string()
      .regex(/^[\w!.'()/-]+\/$/, { error: 'a key prefix of the data lake artifacts bucket ending with "/"' })
      .optional()
      .describe('Hugging Face models: where their files are staged in the artifacts bucket; absent: models/<modelId>/<revision or main>/.'),
    scaling,
    dataCapture: z
      .strictObject({
        samplingPercentage: z.int({ error: 'a whole number from 1 to 100' }).min(1, { error: 'a whole number from 1 to 100' }).max(100, { error: 'a whole number from 1 to 100' }),
      })
      .optional()
      .describe('Capture of requests and responses into the feedback bucket (instance scaling only).'),
    deployment: z.enum(['rolling', 'blue-green']).optional().describe('Update strategy; absent: rolling with two or more instances, else blue/green.'),
  })
  .describe('The Deploy stage: a SageMaker real-time endpoint for a hosted model.');

const adapt = z
  .strictObject({
    training: z
      .strictObject({
        instanceType: z
          .string()
          .regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, { error: 'a training instance type such as ml.g6e.2xlarge' })
          .describe('GPU instance of the catalog the training job runs on.'),
        instanceCount: positiveInt('instances').max(64, { error: 'a whole number of instances from 1 to 64' }).optional().describe('Instances of one job; more than one runs data-parallel with torchrun. Absent: 1.'),
        volumeSizeGb: positiveInt('GiB').max(16384, { error: 'a whole number of GiB from 1 to 16384' }).optional().describe('Storage volume per instance; absent: 200.'),
        maxRuntimeHours: positiveNumber('hours')
          .max(MAX_RUNTIME_HOURS, { error: `at most ${MAX_RUNTIME_HOURS} hours (28 days, SageMaker's limit)` })
          .optional()
          .describe(`Longest training time; absent: ${TRAINING_DEFAULTS.maxRuntimeHours}.`),
        spot: z.boolean().optional().describe('Managed spot training, resumed from checkpoints after an interruption; absent: true.'),
        maxWaitHours: positiveNumber('hours').optional().describe('Spot only: longest run, waiting for capacity included; absent: twice maxRuntimeHours.'),
      })
      .optional()
      .describe('The SageMaker training job: required for Hugging Face and pre-training models, refused for Bedrock models (Bedrock chooses the hardware).'),
    hyperparameters: z
      .record(z.string(), z.union([z.string().max(MAX_HYPERPARAMETER_VALUE), z.number(), z.boolean()], { error: `a string of at most ${MAX_HYPERPARAMETER_VALUE} characters, a number or a boolean` }))
      .superRefine((values, ctx) => {
        for (const name of Object.keys(values)) {
          const problem = hyperparameterNameProblem(name);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name], input: name, message: problem });
        }
      })
      .optional()
      .describe('Hyperparameters of every run (see training/*.py); an execution\'s own override them.'),
    capacityRetries: z.int({ error: 'a whole number from 0 to 10' }).min(0, { error: 'a whole number from 0 to 10' }).max(10, { error: 'a whole number from 0 to 10' }).optional().describe('Times a job that found no capacity is started again; absent: 3.'),
    runsPerMonth: z
      .number({ error: 'a number of runs >= 0' })
      .nonnegative({ error: 'a number of runs >= 0' })
      .optional()
      .describe('Cost estimate: training runs (SFT and DPO) a month. Absent: one per firing of preference.schedule (each may start a DPO run), else 1.'),
    hoursPerRun: positiveNumber('hours')
      .max(MAX_RUNTIME_HOURS, { error: `at most ${MAX_RUNTIME_HOURS} hours (28 days, SageMaker's limit)` })
      .optional()
      .describe('Cost estimate: hours one training run takes (capped at training.maxRuntimeHours). Absent: training.maxRuntimeHours, an upper bound.'),
    tokenizerKey: z
      .string()
      .regex(/^[\w!.'()/-]+\/$/, { error: 'a key prefix of the data lake artifacts bucket ending with "/"' })
      .optional()
      .describe('Pre-training: where the tokenizer files are staged in the artifacts bucket.'),
    preference: z
      .strictObject({
        minNewPairs: positiveInt('pairs').describe('New preference pairs that start a DPO run.'),
        schedule: z
          .string()
          .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^)]+\))$/, { error: 'an EventBridge schedule expression such as rate(1 day) or cron(0 3 * * ? *)' })
          .describe('When the feedback is turned into a preference dataset.'),
        validationFraction: z.number().gt(0).lt(0.5, { error: 'a fraction above 0 and below 0.5' }).optional().describe('Share of prompts held out for validation; absent: 0.1.'),
      })
      .optional()
      .describe('Align: build DPO datasets from feedback and start DPO runs (Hugging Face models).'),
  })
  .describe('The Adapt and Align stages: a fine-tuning pipeline (SageMaker training, or Bedrock customization for a Bedrock model).');

const unitInterval = (what: string) => z.number({ error: `${what}: a number from 0 to 1` }).min(0, { error: `${what}: a number from 0 to 1` }).max(1, { error: `${what}: a number from 0 to 1` });
const evaluate = z
  .strictObject({
    thresholds: z.record(z.string(), unitInterval('a metric value')).describe("Lowest acceptable value of each of the task's metrics (0..1), such as {\"rougeL\": 0.35}."),
    tolerance: unitInterval('a drop').optional().describe('Largest drop of a metric below the baseline that still passes; absent: 0.01.'),
    batchSize: positiveInt('records').max(100, { error: 'a whole number of records from 1 to 100' }).optional().describe('Records per worker invocation; absent: 20.'),
    maxConcurrency: positiveInt('batches').max(10000, { error: 'a whole number from 1 to 10000' }).optional().describe('Batches in flight at once; absent: 10.'),
    toleratedFailurePercentage: z.number().min(0, { error: 'a percentage from 0 to 100' }).max(100, { error: 'a percentage from 0 to 100' }).optional().describe('Share of records whose batch may fail before the run fails; absent: 0.'),
    inference: z
      .strictObject({
        maxTokens: positiveInt('tokens').optional(),
        temperature: z.number().min(0, { error: 'a number from 0 to 1' }).max(1, { error: 'a number from 0 to 1' }).optional(),
        topP: z.number().gt(0, { error: 'a number above 0, at most 1' }).max(1, { error: 'a number above 0, at most 1' }).optional(),
      })
      .optional()
      .describe("Generation settings of every evaluated call; absent: 512 tokens, temperature 0, the model's own topP."),
    bedrockModelIds: uniqueList(
      z.string().regex(/^([a-z]{2,4}\.)?[a-z0-9-]+\.[a-zA-Z0-9.:_-]+$/, { error: 'a Bedrock model id such as amazon.nova-micro-v1:0' }),
    )
      .optional()
      .describe('Bedrock models the runs may evaluate (candidates, baselines, prompt templates) besides the served model.'),
    dataset: z
      .string()
      .regex(/^evaluation\/[^\s]+\.jsonl$/, { error: 'a JSONL key under evaluation/ of the datasets bucket, such as evaluation/support-qa.jsonl' })
      .optional()
      .describe('The evaluation set every fine-tuned model package runs over as soon as it is registered; absent: runs start only by hand.'),
    baseline: z
      .literal('served-model', { error: 'served-model (compare with the model the serve stage deploys), or absent' })
      .optional()
      .describe('What registered packages are compared with: served-model, the endpoint of the serve stage; absent: thresholds only.'),
    judge: z
      .strictObject({
        modelId: z.string().regex(/^([a-z]{2,6}\.)?[a-z0-9-]+\.[a-zA-Z0-9.:_-]+$/, { error: 'a Bedrock model or inference profile id such as us.anthropic.claude-sonnet-4-5-20250929-v1:0' }),
        rubric: z.string().min(20, { error: 'a rubric of at least 20 characters: what a 5 and a 1 answer look like' }).max(4000, { error: 'a rubric of at most 4000 characters' }),
      })
      .optional()
      .describe('An LLM judge on Bedrock scoring every answer 1 to 5 against the rubric: metric judge (0..1), usable in thresholds.'),
    bedrockEvaluation: z
      .strictObject({
        evaluatorModelId: z
          .string()
          .regex(/^([a-z]{2,6}\.)?[a-z0-9-]+\.[a-zA-Z0-9.:_-]+$/, { error: 'a Bedrock model or inference profile id that Bedrock model evaluation supports as evaluator, such as us.anthropic.claude-sonnet-4-5-20250929-v1:0' })
          .describe('The evaluator (judge) model of the Bedrock evaluation jobs.'),
        metrics: uniqueList(z.enum(BEDROCK_JUDGE_METRICS, { error: `a built-in metric of model-as-judge jobs: ${BEDROCK_JUDGE_METRICS.join(', ')}` }))
          .min(1, { error: 'at least one metric' })
          .max(MAX_BEDROCK_METRICS, { error: `at most ${MAX_BEDROCK_METRICS} metrics` })
          .describe('Built-in metrics the evaluator model grades every prediction on.'),
        taskType: z
          .enum(BEDROCK_TASK_TYPES)
          .optional()
          .describe("The job's task type; absent: the task's (QuestionAndAnswer for question-answering, Generation for chat, Custom for entity-extraction, ...)."),
      })
      .optional()
      .describe("A Bedrock model evaluation job on each run's own predictions (at most 1000 records, sampled above), reported with the verdict; the verdict does not depend on it."),
  })
  .describe('The Evaluate stage: thresholds and scale of the evaluation runs that gate a model.');

const keyPrefix = (example: string) =>
  z.string().regex(/^[\w!.'()-]+(\/[\w!.'()-]+)*\/$/, { error: `a key prefix of letters, digits and ! - _ . ' ( ) ending with "/", such as ${example}` });
const wholeBetween = (what: string, min: number, max: number) =>
  z.int({ error: `a whole number of ${what} from ${min} to ${max}` }).min(min, { error: `a whole number of ${what} from ${min} to ${max}` }).max(max, { error: `a whole number of ${what} from ${min} to ${max}` });
const groundingThreshold = (what: string) =>
  z
    .number({ error: `a ${what} threshold from ${GROUNDING_THRESHOLD_RANGE.min} to ${GROUNDING_THRESHOLD_RANGE.max}` })
    .min(GROUNDING_THRESHOLD_RANGE.min, { error: `a ${what} threshold from ${GROUNDING_THRESHOLD_RANGE.min} to ${GROUNDING_THRESHOLD_RANGE.max}` })
    .max(GROUNDING_THRESHOLD_RANGE.max, { error: `a ${what} threshold from ${GROUNDING_THRESHOLD_RANGE.min} to ${GROUNDING_THRESHOLD_RANGE.max} (1 would block every answer)` });
const bedrockModelId = z.string().regex(/^([a-z]{2,6}\.)?[a-z0-9-]+\.[a-zA-Z0-9.:_-]+$/, { error: 'a Bedrock model or inference profile id such as us.amazon.nova-lite-v1:0' });

const chunking = z.discriminatedUnion('strategy', [
  z
    .strictObject({
      strategy: z.literal('fixed-size'),
      maxTokens: positiveInt('tokens').describe('Tokens of one chunk.'),
      overlapPercentage: wholeBetween('percent', 1, 99).describe('Share of a chunk repeated in the next one.'),
    })
    .describe('Chunks of a fixed number of tokens.'),
  z.strictObject({ strategy: z.literal('none') }).describe('One chunk per file (files already split).'),
  z
    .strictObject({
      strategy: z.literal('semantic'),
      maxTokens: positiveInt('tokens').describe('Most tokens of one chunk.'),
      bufferSize: wholeBetween('sentences', 0, 1).describe('Sentences on each side compared with a sentence.'),
      breakpointPercentileThreshold: wholeBetween('percentile', 50, 99).describe('Dissimilarity percentile at which a chunk ends.'),
    })
    .describe('Chunks that end where the meaning changes.'),
  z
    .strictObject({
      strategy: z.literal('hierarchical'),
      parentMaxTokens: wholeBetween('tokens', 1, MAX_HIERARCHICAL_TOKENS).describe('Tokens of a parent chunk (returned as context).'),
      childMaxTokens: wholeBetween('tokens', 1, MAX_HIERARCHICAL_TOKENS).describe('Tokens of a child chunk (what is embedded and matched).'),
      overlapTokens: positiveInt('tokens').describe('Tokens shared by neighbouring chunks.'),
    })
    .describe('Small chunks matched, their larger parents returned.'),
]);

const augment = z
  .strictObject({
    documentsPrefix: keyPrefix('documents/').optional().describe('Where the documents are in the data lake\'s raw bucket; absent: documents/.'),
    embeddingModel: z
      .strictObject({
        modelId: z.enum(Object.keys(EMBEDDING_MODELS) as [string, ...string[]]).describe('Bedrock embedding model.'),
        dimensions: positiveInt('dimensions').describe('Vector size; one the model outputs (also the vector index dimension).'),
      })
      .optional()
      .describe(`Embedding model of the knowledge base; absent: ${DEFAULT_EMBEDDING_MODEL.modelId} with ${DEFAULT_EMBEDDING_MODEL.dimensions} dimensions.`),
    chunking: chunking.optional().describe('How documents are split before embedding; absent: fixed-size, 300 tokens, 20 % overlap.'),
    ingestionSchedule: z
      .string()
      .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^)]+\))$/, { error: 'an EventBridge schedule expression such as rate(1 day) or cron(0 3 * * ? *)' })
      .optional()
      .describe('Full ingestion besides the one document changes start; absent: rate(1 day).'),
    retrieval: z
      .strictObject({
        topK: wholeBetween('passages', 1, 100).optional().describe('Passages retrieved when a request does not say; absent: 5.'),
        maxTopK: wholeBetween('passages', 1, 100).optional().describe('Most passages a request may ask for; absent: 20.'),
        minScore: unitInterval('a relevance score').optional().describe('Lowest relevance score of a passage used in an answer; absent: 0.3.'),
      })
      .optional()
      .describe('Retrieval defaults of POST /ask.'),
    answer: z
      .strictObject({
        maxQuestionChars: wholeBetween('characters', 1, 100_000).optional().describe('Longest question; absent: 2000.'),
        maxTokens: wholeBetween('tokens', 1, 512_000).optional().describe('Longest answer; absent: 1024.'),
      })
      .optional()
      .describe('Limits of the questions and answers of POST /ask.'),
    guardrail: z
      .strictObject({
        deniedTopics: z
          .array(
            z.strictObject({
              name: z.string().regex(DENIED_TOPIC_LIMITS.namePattern, { error: '1 to 100 letters, digits, spaces and - _ ! ? .' }).describe('Name of the topic.'),
              definition: z.string().min(1, { error: `1 to ${DENIED_TOPIC_LIMITS.maxDefinition} characters` }).max(DENIED_TOPIC_LIMITS.maxDefinition, { error: `1 to ${DENIED_TOPIC_LIMITS.maxDefinition} characters` }).describe('What the topic covers.'),
              examples: z
                .array(z.string().min(1).max(DENIED_TOPIC_LIMITS.maxExampleLength, { error: `an example of 1 to ${DENIED_TOPIC_LIMITS.maxExampleLength} characters` }))
                .max(DENIED_TOPIC_LIMITS.maxExamples, { error: `at most ${DENIED_TOPIC_LIMITS.maxExamples} examples` })
                .optional()
                .describe('Example prompts of the topic.'),
            }),
          )
          .max(DENIED_TOPIC_LIMITS.maxTopics, { error: `at most ${DENIED_TOPIC_LIMITS.maxTopics} topics` })
          .refine((topics) => new Set(topics.map((topic) => topic.name.toLowerCase())).size === topics.length, { error: 'each topic name once' })
          .optional()
          .describe('Topics the assistant refuses to discuss; absent: none.'),
        groundingThreshold: groundingThreshold('grounding').optional().describe('Lowest grounding score of an answer in the retrieved passages; absent: 0.75.'),
        relevanceThreshold: groundingThreshold('relevance').optional().describe('Lowest relevance score of an answer to the question; absent: 0.75.'),
        contentFilterStrength: z.enum(['LOW', 'MEDIUM', 'HIGH']).optional().describe('Strength of the harmful-content filters; absent: HIGH.'),
      })
      .optional()
      .describe('The guardrail both Lambdas apply; PII handling follows scope.dataClassification.'),
    api: z
      .strictObject({
        auth: z.enum(['iam', 'cognito']).optional().describe('iam: callers sign with SigV4; cognito: users of userPoolArn send their ID token. Absent: iam.'),
        userPoolArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+_[0-9a-zA-Z]+$/, { error: 'a Cognito user pool ARN such as arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_Abc123' })
          .optional()
          .describe('With auth cognito: the user pool whose users may call the API.'),
        throttle: z
          .strictObject({
            rateLimit: positiveNumber('requests per second').describe('Steady requests per second of the stage.'),
            burstLimit: positiveInt('requests').describe('Requests accepted at once above the steady rate.'),
          })
          .optional()
          .describe('Stage throttling; excess requests get 429. Absent: 10 per second, bursts of 20.'),
        quotaPerDay: positiveInt('requests').optional().describe('Requests a client may make a day; with it every call also needs the API key of the usage plan. Absent: no quota, no key.'),
        waf: z.boolean().optional().describe('A WAF web ACL with the AWS managed common and known-bad-inputs rules; absent: false.'),
      })
      .optional()
      .describe('The API in front of the Lambdas (POST /ask, /agent, /feedback).'),
    agent: z
      .strictObject({
        modelId: bedrockModelId.optional().describe('Bedrock model of the tool-calling agent; absent: the served model when it is a Bedrock model, else no agent.'),
        maxTurns: wholeBetween('turns', 1, 20).optional().describe('Most model turns of one request; absent: 6.'),
        timeBudgetSeconds: wholeBetween('seconds', 1, MAX_AGENT_TIME_BUDGET_SECONDS).optional().describe(`Time one request may take (API Gateway ends it after 29 s); absent: 20.`),
        maxTokens: wholeBetween('tokens', 1, 200_000).optional().describe('Longest answer of one turn; absent: 1024.'),
        systemPrompt: z.string().min(1).max(2000, { error: 'a system prompt of at most 2000 characters' }).optional().describe('System prompt of the agent; absent: the handler\'s own.'),
        tools: z
          .array(
            z.strictObject({
              name: z.string().regex(TOOL_NAME_PATTERN, { error: 'a tool name: 1 to 64 letters, digits, _ or -' }).refine((name) => !(BUILT_IN_TOOL_NAMES as readonly string[]).includes(name), { error: `a name other than the built-in tools' (${BUILT_IN_TOOL_NAMES.join(', ')})` }).describe('Tool name the model sees.'),
              description: z.string().min(1).max(4000, { error: 'a description of 1 to 4000 characters' }).describe('What the tool does and when to use it.'),
              functionArn: z
                .string()
                .regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]{1,64}(:[a-zA-Z0-9$_-]{1,128})?$/, { error: 'a Lambda function ARN such as arn:aws:lambda:us-east-1:111122223333:function:lookup-order' })
                .describe('The Lambda that runs the tool.'),
              inputSchema: z.record(z.string(), z.unknown()).refine((schema) => schema.type === 'object', { error: 'a JSON schema of an object: {"type": "object", ...}' }).describe('JSON schema of the tool input.'),
            }),
          )
          .refine((tools) => new Set(tools.map((tool) => tool.name)).size === tools.length, { error: 'each tool name once' })
          .optional()
          .describe('Registered Lambda tools besides the built-in calculator, current time and knowledge-base search; absent: none.'),
      })
      .optional()
      .describe('The tool-calling agent (POST /agent); it needs a Bedrock model.'),
  })
  .describe('The Augment stage: knowledge base on S3 Vectors, guardrail, question-answering, tool-calling and feedback Lambdas behind an authorised API.');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path of the JSON Schema, for editors.'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'an AWS region code such as us-east-1' })
      .describe('AWS region: models, container images and prices are regional.'),
    account: z
      .string()
      .regex(/^\d{12}$/, { error: 'a 12-digit AWS account id' })
      .optional()
      .describe('AWS account; absent: CDK_DEFAULT_ACCOUNT, else resolved at deploy time.'),
    costCentre: z
      .string()
      .regex(/^[\w .:/=+@-]{1,256}$/, { error: 'a tag value: 1 to 256 letters, digits, spaces or _ . : / = + - @' })
      .describe('Value of the CostCentre tag on every resource.'),
    protection: z
      .strictObject({
        terminationProtection: z.boolean().describe('Stack termination protection.'),
        removalPolicy: z
          .enum(['retain', 'destroy'])
          .describe('retain keeps every stateful resource when a stack is deleted; destroy deletes them with their objects.'),
      })
      .describe('What happens to stacks and stateful resources on deletion.'),
    scope,
    model: model.describe('The Select stage: which model the later stages adapt, evaluate and serve.'),
    data,
    network,
    serve: serve.optional(),
    adapt: adapt.optional(),
    evaluate: evaluate.optional(),
    augment: augment.optional(),
    compliance: z.strictObject({
      packs: uniqueList(z.enum(COMPLIANCE_PACKS)).min(1, { error: 'at least one pack' }).describe('cdk-nag packs that gate synth.'),
    }),
  })
  .superRefine((config, ctx) => {
    adaptProblems(config, ctx);
    evaluateProblems(config, ctx);
    augmentProblems(config, ctx);
    if (config.serve === undefined) return;
    if (config.model.source === 'bedrock') {
      ctx.addIssue({ code: 'custom', path: ['serve'], message: 'no serve section with a Bedrock model: Bedrock hosts it, there is no endpoint to configure' });
    } else if (config.model.source === 'pretraining') {
      ctx.addIssue({ code: 'custom', path: ['serve'], message: 'no serve section before a pre-trained model exists: serve its artifacts with model.source s3-artifacts' });
    }
  })
  .describe('One environment of the generative-AI lifecycle kit.');

/** Which adapt settings fit which model source. */
function adaptProblems(config: { model: { source: string }; adapt?: z.infer<typeof adapt> }, ctx: z.RefinementCtx): void {
  const { adapt: settings, model } = config;
  if (settings === undefined) return;
  const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path: ['adapt', ...path], message });
  if (model.source === 's3-artifacts') issue([], 'no adapt section with model.source s3-artifacts: fine-tune a huggingface model (its files staged in the data lake) or a bedrock model');
  if (model.source === 'bedrock') {
    if (settings.training !== undefined) issue(['training'], 'no training section with a Bedrock model: Bedrock chooses the hardware of a customization job');
    if (settings.preference !== undefined) issue(['preference'], 'no preference section with a Bedrock model: Bedrock customization offers no DPO');
  }
  if ((model.source === 'huggingface' || model.source === 'pretraining') && settings.training === undefined) issue(['training'], 'a training section (instanceType at least) for the SageMaker training job');
  if (model.source === 'pretraining') {
    if (settings.tokenizerKey === undefined) issue(['tokenizerKey'], 'the artifacts-bucket prefix of the tokenizer a model pre-trained from scratch uses');
    if (settings.preference !== undefined) issue(['preference'], 'no preference section before a pre-trained model exists');
  } else if (settings.tokenizerKey !== undefined) issue(['tokenizerKey'], 'only with model.source pretraining');
  const training = settings.training;
  if (training?.maxWaitHours !== undefined) {
    if (training.spot === false) issue(['training', 'maxWaitHours'], 'only with spot: it bounds the wait for spot capacity');
    else if (training.maxWaitHours < (training.maxRuntimeHours ?? TRAINING_DEFAULTS.maxRuntimeHours)) issue(['training', 'maxWaitHours'], `at least maxRuntimeHours (${training.maxRuntimeHours ?? TRAINING_DEFAULTS.maxRuntimeHours})`);
  }
}

/**
 * Thresholds name only the task's metrics (and the judge's, with a judge);
 * registered packages are hosted like the served endpoint; the evaluation
 * worker runs in the isolated subnets, so a new network needs the endpoints
 * of what it calls.
 */
function evaluateProblems(
  config: { scope: { task: Task }; model: { source: string }; network: { mode: string; interfaceEndpoints?: readonly string[] }; serve?: unknown; adapt?: unknown; evaluate?: z.infer<typeof evaluate> },
  ctx: z.RefinementCtx,
): void {
  const settings = config.evaluate;
  if (settings === undefined) return;
  const computed = [...TASK_METRICS[config.scope.task], ...(settings.judge === undefined ? [] : [JUDGE_METRIC])];
  if (settings.dataset !== undefined && (config.adapt === undefined || config.serve === undefined || config.model.source === 'bedrock')) {
    ctx.addIssue({ code: 'custom', path: ['evaluate', 'dataset'], input: settings.dataset, message: 'only with an adapt and a serve section: registered packages of the fine-tuning pipeline are hosted like the served endpoint for their run' });
  }
  if (settings.baseline !== undefined && settings.dataset === undefined) {
    ctx.addIssue({ code: 'custom', path: ['evaluate', 'baseline'], input: settings.baseline, message: 'only with evaluate.dataset: it is the baseline of the runs of registered packages' });
  }
  for (const metric of Object.keys(settings.thresholds)) {
    if (!computed.includes(metric)) ctx.addIssue({ code: 'custom', path: ['evaluate', 'thresholds', metric], input: metric, message: `a metric of task ${config.scope.task}: ${computed.join(', ')}` });
  }
  if (!Object.keys(settings.thresholds).some((metric) => computed.includes(metric))) {
    ctx.addIssue({ code: 'custom', path: ['evaluate', 'thresholds'], input: settings.thresholds, message: `at least one of ${computed.join(', ')}: a run with no threshold would approve anything` });
  }
  if (config.network.mode !== 'create') return;
  const bedrock = config.model.source === 'bedrock' || (settings.bedrockModelIds ?? []).length > 0;
  const needed = [...new Set([...(bedrock ? EVALUATION_ENDPOINTS_BEDROCK : []), ...(settings.judge === undefined ? [] : ['bedrock-runtime']), ...(config.model.source === 'bedrock' ? [] : ['sagemaker-runtime'])])];
  const missing = needed.filter((name) => !(config.network.interfaceEndpoints ?? []).includes(name));
  if (missing.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['network', 'interfaceEndpoints'], input: config.network.interfaceEndpoints, message: `also ${missing.join(', ')}: the evaluation worker calls them from the isolated subnets` });
  }
}

/** Interface endpoints the evaluation worker calls when it may evaluate Bedrock models: Converse and Prompt Management. */
export const EVALUATION_ENDPOINTS_BEDROCK = ['bedrock-runtime', 'bedrock-agent'] as const;

/** Interface endpoints the augment Lambdas call: Converse and ApplyGuardrail, Retrieve, GetPrompt and StartIngestionJob. */
export const AUGMENT_ENDPOINTS = ['bedrock-runtime', 'bedrock-agent-runtime', 'bedrock-agent'] as const;

/**
 * The augment stage answers with the served model (a serve section or a
 * Bedrock model); Cognito needs its user pool; the embedding model outputs
 * the vectors the index is sized for; the Lambdas run in the isolated
 * subnets, so a new network needs the endpoints of what they call.
 */
function augmentProblems(
  config: { model: { source: string }; network: { mode: string; interfaceEndpoints?: readonly string[] }; serve?: unknown; augment?: z.infer<typeof augment> },
  ctx: z.RefinementCtx,
): void {
  const settings = config.augment;
  if (settings === undefined) return;
  const issue = (path: Array<string | number>, input: unknown, message: string) => ctx.addIssue({ code: 'custom', path: ['augment', ...path], input, message });
  if (config.model.source !== 'bedrock' && config.serve === undefined) {
    ctx.addIssue({ code: 'custom', path: ['serve'], input: undefined, message: 'a serve section: the augment section answers with the served model (or model.source bedrock)' });
  }
  const embedding = settings.embeddingModel;
  const embeddingIssue = embedding === undefined ? undefined : embeddingProblem(embedding.modelId, embedding.dimensions);
  if (embedding !== undefined && embeddingIssue !== undefined) issue(['embeddingModel', embeddingIssue.prop], embedding[embeddingIssue.prop], embeddingIssue.allowed);
  // The schema checks each chunking number; only the levels' order is left.
  const chunking = settings.chunking;
  if (chunking?.strategy === 'hierarchical' && chunking.childMaxTokens > chunking.parentMaxTokens) {
    issue(['chunking', 'childMaxTokens'], chunking.childMaxTokens, `at most parentMaxTokens (${chunking.parentMaxTokens})`);
  }
  const retrieval = settings.retrieval ?? {};
  if ((retrieval.topK ?? 5) > (retrieval.maxTopK ?? 20)) issue(['retrieval', 'topK'], retrieval.topK ?? 5, `at most maxTopK (${retrieval.maxTopK ?? 20})`);
  const api = settings.api ?? {};
  if (api.auth === 'cognito' && api.userPoolArn === undefined) issue(['api', 'userPoolArn'], undefined, 'the ARN of the user pool whose users may call the API (auth cognito)');
  if (api.auth !== 'cognito' && api.userPoolArn !== undefined) issue(['api', 'userPoolArn'], api.userPoolArn, 'only with auth cognito');
  if (config.network.mode !== 'create') return;
  const needed = [...AUGMENT_ENDPOINTS, ...(config.model.source === 'bedrock' ? [] : ['sagemaker-runtime'])];
  const missing = needed.filter((name) => !(config.network.interfaceEndpoints ?? []).includes(name));
  if (missing.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['network', 'interfaceEndpoints'], input: config.network.interfaceEndpoints, message: `also ${missing.join(', ')}: the augment Lambdas call them from the isolated subnets` });
  }
}

/** A validated environment configuration. */
export type KitConfig = z.infer<typeof configSchema>;
export type ModelConfig = KitConfig['model'];
export type NetworkConfig = KitConfig['network'];
export type AdaptConfig = NonNullable<KitConfig['adapt']>;
export type EvaluateConfig = NonNullable<KitConfig['evaluate']>;
export type AugmentConfig = NonNullable<KitConfig['augment']>;
export type InterfaceEndpointName = (typeof INTERFACE_ENDPOINTS)[number];
export type CompliancePackName = (typeof COMPLIANCE_PACKS)[number];
