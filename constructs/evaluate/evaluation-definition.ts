import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { Task } from '../../lib/config/tasks';
import { API_TRANSIENT, BACKOFF, LAMBDA_TRANSIENT } from '../retry-policies';
import { BEDROCK_DATASET_FILE, type BedrockEvaluation } from './bedrock-evaluation';
import { bedrockEvaluationStates } from './bedrock-evaluation-states';
import type { PackageEndpoints } from './package-endpoints';
import { packageStates } from './package-states';

/** What an execution may name as candidate (and baseline). */
export const CANDIDATE_KINDS = ['bedrock', 'endpoint', 'prompt', 'model-package'] as const;
export type CandidateKind = (typeof CANDIDATE_KINDS)[number];
/** Where evaluation sets live in the datasets bucket; runs read nothing else of it. */
export const EVALUATION_SETS_PREFIX = 'evaluation/';
/** Largest batch input: Step Functions passes at most 256 KiB to a child execution, BatchInput included. */
export const MAX_BATCH_BYTES = 200_000;
/** Source and detail type of the verdict event. */
export const MODEL_EVALUATED_EVENT = { source: 'genai-kit.evaluate', detailType: 'Model evaluated' } as const;
/** Where runs keep their predictions, map results and reports in the artifacts bucket. */
export const EVALUATIONS_PREFIX = 'evaluations/';

export interface EvaluationDefinitionProps {
  readonly task: Task;
  readonly datasets: s3.IBucket;
  readonly artifacts: s3.IBucket;
  readonly thresholds: Readonly<Record<string, number>>;
  readonly tolerance: number;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage: number;
  readonly inference: { readonly maxTokens: number; readonly temperature: number; readonly topP?: number };
  /** Scores every answer (batch input `judge`); absent: no judge. */
  readonly judge?: { readonly modelId: string; readonly rubric: string };
  readonly invoke: lambda.IFunction;
  readonly score: lambda.IFunction;
  /** ARNs of the model packages the run may approve or reject; none: model-package candidates are refused. */
  readonly packageArns: readonly string[];
  /** Hosts model-package candidates for their run; absent: model-package candidates are refused. */
  readonly packageEndpoints?: PackageEndpoints;
  /** Candidate kinds the worker has been granted (the others are refused at the start). */
  readonly kinds: readonly CandidateKind[];
  /** A Bedrock evaluation job on the predictions between the score and the verdict; absent: none. */
  readonly bedrockEvaluation?: BedrockEvaluation;
  readonly topic: sns.ITopic;
  readonly eventBus?: events.IEventBus;
}

/**
 * JSONL item reader whose permission stays under the evaluation sets'
 * prefix: aws-cdk-lib's grants get on the whole bucket, which here also
 * holds training data and preference data built from user feedback.
 */
class PrefixJsonLItemReader extends sfn.S3JsonLItemReader {
  constructor(private readonly source: s3.IBucket, private readonly keyPrefix: string, key: string) {
    super({ bucket: source, key });
  }

  public providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.source.arnForObjects(`${this.keyPrefix}*`)] })];
  }
}

/**
 * ResultWriterV2 whose permissions stay under its prefix: aws-cdk-lib's
 * grants put and get on the whole bucket, which here also holds models.
 */
class PrefixResultWriter extends sfn.ResultWriterV2 {
  constructor(private readonly target: s3.IBucket, private readonly keyPrefix: string) {
    super({ bucket: target, prefix: keyPrefix });
  }

  public providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'], resources: [this.target.arnForObjects(`${this.keyPrefix}*`)] })];
  }
}


/**
 * The states of an evaluation run (JSONPath). The execution input stays
 * under `$.input`; predictions go to `evaluations/<run>/candidate/` (and
 * `baseline/`), the report to `evaluations/<run>/report.{json,md}`.
 */
export function buildEvaluationDefinition(scope: Construct, props: EvaluationDefinitionProps): sfn.IChainable {
  const onError = { resultPath: '$.error' };
  const notifyFailure = new tasks.SnsPublish(scope, 'NotifyFailure', {
    topic: props.topic,
    subject: 'Evaluation run failed',
    // A Distributed Map beyond its tolerance reports States.ExceedToleratedFailureThreshold only: the failed batches'
    // causes are in its map run (execution) and in the map results.
    message: sfn.TaskInput.fromJsonPathAt(
      `States.Format('Evaluation run {} ({}) failed: {}: {}. Failed batches: the map run of this execution, and s3://${props.artifacts.bucketName}/${EVALUATIONS_PREFIX}map-results/', $.runId, $$.Execution.Id, $.error.Error, $.error.Cause)`,
    ),
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addRetry({ ...BACKOFF, errors: API_TRANSIENT })
    .next(new sfn.Fail(scope, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' }));

  const prepare = new sfn.Pass(scope, 'Prepare', { parameters: { 'input.$': '$', 'runId.$': 'States.UUID()' } });
  const kinds = props.kinds;
  const invalidInput = new sfn.Pass(scope, 'InvalidInput', {
    parameters: {
      Error: 'InvalidInput',
      Cause: `expected {"candidate": {"kind": ${kinds.map((kind) => `"${kind}"`).join(' | ')}, ...}, "dataset": {"key": "${EVALUATION_SETS_PREFIX}<name>.jsonl"}, "baseline": {"candidate": {...}} | {"reportKey": "..."} (optional)}; a model-package candidate names a package of this pipeline's groups, which the run hosts on a temporary endpoint`,
    },
    resultPath: '$.error',
  }).next(notifyFailure);

  // Only packages of the named groups: the run may not be pointed at another group's package.
  const packageInGroups =
    props.packageArns.length === 0
      ? sfn.Condition.isPresent('$.input.candidate.modelPackageArn') // no group: model-package is not an accepted kind anyway
      : sfn.Condition.or(...props.packageArns.map((arn) => sfn.Condition.stringMatches('$.input.candidate.modelPackageArn', arn)));
  const isPackage = (path: string) => sfn.Condition.and(sfn.Condition.isPresent(`${path}.kind`), sfn.Condition.stringEquals(`${path}.kind`, 'model-package'));
  const candidateGiven = sfn.Condition.and(
    sfn.Condition.isPresent('$.input.candidate.kind'),
    sfn.Condition.isString('$.input.candidate.kind'),
    sfn.Condition.or(...kinds.map((kind) => sfn.Condition.stringEquals('$.input.candidate.kind', kind))),
    sfn.Condition.isPresent('$.input.dataset.key'),
    sfn.Condition.isString('$.input.dataset.key'),
    sfn.Condition.stringMatches('$.input.dataset.key', `${EVALUATION_SETS_PREFIX}*`),
    sfn.Condition.or(
      sfn.Condition.not(isPackage('$.input.candidate')),
      sfn.Condition.and(
        sfn.Condition.isPresent('$.input.candidate.modelPackageArn'),
        sfn.Condition.isString('$.input.candidate.modelPackageArn'),
        packageInGroups,
        // The run serves the package itself; an endpoint or component named by the caller is not evidence of anything.
        sfn.Condition.not(sfn.Condition.isPresent('$.input.candidate.endpointName')),
        sfn.Condition.not(sfn.Condition.isPresent('$.input.candidate.inferenceComponentName')),
      ),
    ),
    sfn.Condition.or(
      sfn.Condition.not(sfn.Condition.isPresent('$.input.baseline.candidate')),
      sfn.Condition.and(
        sfn.Condition.isPresent('$.input.baseline.candidate.kind'),
        sfn.Condition.isString('$.input.baseline.candidate.kind'),
        sfn.Condition.or(...kinds.filter((kind) => kind !== 'model-package').map((kind) => sfn.Condition.stringEquals('$.input.baseline.candidate.kind', kind))),
      ),
    ),
  );

  const runOver = (id: string, candidatePath: string, folder: string, onFailure: sfn.IChainable = notifyFailure) => {
    const map = new sfn.DistributedMap(scope, id, {
      itemReader: new PrefixJsonLItemReader(props.datasets, EVALUATION_SETS_PREFIX, sfn.JsonPath.stringAt('$.input.dataset.key')),
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: props.batchSize,
        maxInputBytesPerBatch: MAX_BATCH_BYTES,
        batchInput: {
          'runId.$': '$.runId',
          'candidate.$': candidatePath,
          outputBucket: props.artifacts.bucketName,
          'outputPrefix.$': `States.Format('${EVALUATIONS_PREFIX}{}/${folder}/', $.runId)`,
          inference: props.inference,
          ...(props.judge === undefined ? {} : { judge: props.judge }),
        },
      }),
      maxConcurrency: props.maxConcurrency,
      toleratedFailurePercentage: props.toleratedFailurePercentage,
      resultWriterV2: new PrefixResultWriter(props.artifacts, `${EVALUATIONS_PREFIX}map-results/`),
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label: id,
      resultPath: sfn.JsonPath.DISCARD,
    });
    map.itemProcessor(
      new tasks.LambdaInvoke(scope, `${id}Batch`, { lambdaFunction: props.invoke, payloadResponseOnly: true, retryOnServiceExceptions: false })
        .addRetry({ ...BACKOFF, maxAttempts: 3, errors: LAMBDA_TRANSIENT })
        // The worker has retried each record already; a batch that still failed gets two more chances minutes later
        // (a scale-to-zero endpoint waking up, a throttled account). It overwrites only its own predictions file.
        .addRetry({ errors: ['CandidateInvocationFailed'], interval: Duration.minutes(2), backoffRate: 2, maxAttempts: 2 }),
    );
    // Failures beyond the tolerance (States.ExceedToleratedFailureThreshold) end the run here: nothing is approved.
    return map.addCatch(onFailure, { ...onError, errors: [sfn.Errors.ALL] });
  };

  const score = new tasks.LambdaInvoke(scope, 'Score', {
    lambdaFunction: props.score,
    payload: sfn.TaskInput.fromObject({
      'runId.$': '$.runId',
      task: props.task,
      'candidate.$': '$.input.candidate',
      bucket: props.artifacts.bucketName,
      'predictionsPrefix.$': `States.Format('${EVALUATIONS_PREFIX}{}/candidate/', $.runId)`,
      'reportPrefix.$': `States.Format('${EVALUATIONS_PREFIX}{}/', $.runId)`,
      dataset: { bucket: props.datasets.bucketName, 'key.$': '$.input.dataset.key' },
      thresholds: props.thresholds,
      tolerance: props.tolerance,
      toleratedFailurePercentage: props.toleratedFailurePercentage,
      'baseline.$': '$.baselineSource',
      ...(props.bedrockEvaluation === undefined
        ? {}
        : { bedrockDataset: { 'key.$': `States.Format('${EVALUATIONS_PREFIX}{}/${BEDROCK_DATASET_FILE}', $.runId)`, maxRecords: props.bedrockEvaluation.maxRecords } }),
    }),
    payloadResponseOnly: true,
    resultPath: '$.score',
    retryOnServiceExceptions: false,
  })
    .addRetry({ ...BACKOFF, maxAttempts: 3, errors: LAMBDA_TRANSIENT })
    .addCatch(notifyFailure, { ...onError, errors: [sfn.Errors.ALL] });

  const fromBaselineRun = new sfn.Pass(scope, 'BaselineFromRun', {
    parameters: { 'predictionsPrefix.$': `States.Format('${EVALUATIONS_PREFIX}{}/baseline/', $.runId)` },
    resultPath: '$.baselineSource',
  });
  const fromReport = new sfn.Pass(scope, 'BaselineFromReport', { parameters: { 'reportKey.$': '$.input.baseline.reportKey' }, resultPath: '$.baselineSource' });
  const noBaseline = new sfn.Pass(scope, 'NoBaseline', { result: sfn.Result.fromObject({}), resultPath: '$.baselineSource' });
  const baselineChoice = new sfn.Choice(scope, 'Baseline')
    .when(sfn.Condition.isPresent('$.input.baseline.candidate'), runOver('EvaluateBaseline', '$.input.baseline.candidate', 'baseline').next(fromBaselineRun))
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.input.baseline.reportKey'), sfn.Condition.isString('$.input.baseline.reportKey')), fromReport)
    .otherwise(noBaseline);
  fromBaselineRun.next(score);
  fromReport.next(score);
  noBaseline.next(score);

  const detail = {
    'runId.$': '$.runId',
    'candidate.$': '$.input.candidate',
    'approved.$': '$.score.approved',
    'reasons.$': '$.score.reasons',
    'metrics.$': '$.score.metrics',
    'report.$': `States.Format('s3://${props.artifacts.bucketName}/{}', $.score.reportKey)`,
    ...(props.bedrockEvaluation === undefined ? {} : { 'bedrockEvaluation.$': '$.bedrockEvaluation' }),
  };
  // After ApprovePackage / RejectPackage the package's status is set: a failure to publish must say so, not "nothing approved".
  const notDelivered = new sfn.Pass(scope, 'VerdictNotDelivered', {
    parameters: { Error: 'VerdictNotDelivered', 'Cause.$': "States.Format('the verdict ({}) is recorded, on the model package too if the candidate is one; delivering it failed: {}: {}', $.score.summary, $.error.Error, $.error.Cause)" },
    resultPath: '$.error',
  }).next(notifyFailure);
  const publish = new tasks.EventBridgePutEvents(scope, 'PublishVerdict', {
    entries: [{ source: MODEL_EVALUATED_EVENT.source, detailType: MODEL_EVALUATED_EVENT.detailType, detail: sfn.TaskInput.fromObject(detail), eventBus: props.eventBus }],
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addRetry({ ...BACKOFF, errors: API_TRANSIENT })
    .addCatch(notDelivered, { ...onError, errors: [sfn.Errors.ALL] });
  const notifyVerdict = new tasks.SnsPublish(scope, 'NotifyVerdict', {
    topic: props.topic,
    subject: 'Evaluation verdict',
    message: sfn.TaskInput.fromJsonPathAt(
      props.bedrockEvaluation === undefined
        ? `States.Format('Evaluation run {}: {}. Report: s3://${props.artifacts.bucketName}/{}', $.runId, $.score.summary, $.score.markdownKey)`
        : `States.Format('Evaluation run {}: {}. Report: s3://${props.artifacts.bucketName}/{}. Bedrock evaluation job (not part of the verdict): {}', $.runId, $.score.summary, $.score.markdownKey, $.bedrockEvaluation.summary)`,
    ),
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addRetry({ ...BACKOFF, errors: API_TRANSIENT })
    .addCatch(notDelivered, { ...onError, errors: [sfn.Errors.ALL] });
  publish.next(notifyVerdict).next(new sfn.Succeed(scope, 'Done'));

  const decide = (status: 'Approved' | 'Rejected') =>
    new tasks.CallAwsService(scope, status === 'Approved' ? 'ApprovePackage' : 'RejectPackage', {
      service: 'sagemaker',
      action: 'updateModelPackage',
      iamAction: 'sagemaker:UpdateModelPackage',
      iamResources: [...props.packageArns],
      parameters: { 'ModelPackageArn.$': '$.input.candidate.modelPackageArn', ModelApprovalStatus: status, 'ApprovalDescription.$': '$.score.summary' },
      resultPath: sfn.JsonPath.DISCARD,
    })
      .addRetry({ ...BACKOFF, errors: API_TRANSIENT })
      .addCatch(notifyFailure, { ...onError, errors: [sfn.Errors.ALL] })
      .next(publish);
  const verdict = new sfn.Choice(scope, 'Verdict');
  if (props.packageArns.length > 0) {
    verdict
      .when(sfn.Condition.and(sfn.Condition.booleanEquals('$.score.approved', true), isPackage('$.input.candidate')), decide('Approved'))
      .when(sfn.Condition.and(sfn.Condition.booleanEquals('$.score.approved', false), isPackage('$.input.candidate')), decide('Rejected'));
  }
  verdict.otherwise(publish);
  // The Bedrock job informs; the kit's own metrics decide, so its outcome never changes the verdict or fails the run.
  score.next(props.bedrockEvaluation === undefined ? verdict : bedrockEvaluationStates(scope, { evaluation: props.bedrockEvaluation, artifacts: props.artifacts, next: verdict }));

  const checkInput = new sfn.Choice(scope, 'CheckInput');
  let candidateRun: sfn.DistributedMap;
  if (props.packageEndpoints === undefined) {
    candidateRun = runOver('EvaluateCandidate', '$.input.candidate', 'candidate');
    candidateRun.next(baselineChoice);
  } else {
    // A package is hosted for its own predictions only: its endpoint is deleted before the baseline runs or anything is scored.
    const afterRelease = new sfn.Choice(scope, 'AfterRelease').when(sfn.Condition.isPresent('$.error'), notifyFailure).otherwise(baselineChoice);
    const hosted = packageStates(scope, { endpoints: props.packageEndpoints, packageArns: props.packageArns, topic: props.topic, afterRelease });
    candidateRun = runOver('EvaluateCandidate', '$.input.candidate', 'candidate', hosted.release);
    candidateRun.next(hosted.release);
    hosted.deployed.next(candidateRun);
    checkInput.when(sfn.Condition.and(candidateGiven, isPackage('$.input.candidate')), hosted.deploy);
  }
  checkInput.when(candidateGiven, candidateRun).otherwise(invalidInput);
  return prepare.next(checkInput);
}
