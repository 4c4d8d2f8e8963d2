import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { DatasetFormat } from '../../lib/adapt/dataset-format';
import type { FineTuningMode } from './fine-tuning-pipeline';
import { API_TRANSIENT, BACKOFF, LAMBDA_TRANSIENT } from '../retry-policies';
import { ARTIFACT_PREFIXES } from './training-job';

/** One mode a pipeline accepts: the dataset format it checks and the hyperparameters the kit sets for it. */
export interface ModeSettings {
  readonly mode: FineTuningMode;
  readonly format: DatasetFormat;
  /** Set by the kit last, so an execution cannot override them (entry script, code location). */
  readonly reserved: Readonly<Record<string, string>>;
}

export interface DefinitionProps {
  readonly modes: readonly ModeSettings[];
  readonly defaults: Readonly<Record<string, string>>;
  readonly jobPrefix: string;
  readonly contextLength: number;
  readonly datasets: s3.IBucket;
  readonly artifacts: s3.IBucket;
  readonly validate: lambda.IFunction;
  /** The training Task state (SageMaker or Bedrock). */
  readonly train: Record<string, unknown>;
  readonly capacityRetries: number;
  /** What every lineage record and model package says the run started from. */
  readonly baseModel: string;
  readonly revision: string;
  /** SageMaker runs register a model package; Bedrock runs leave a custom model. */
  readonly register?: { readonly groupName: string; readonly servingImageUri: string; readonly servingEnvironment?: Readonly<Record<string, string>>; readonly groupArn: string; readonly packageArns: string };
  readonly eventBus?: events.IEventBus;
  readonly topic: sns.ITopic;
}

/** Source and detail type of the event a trained model emits; the evaluation stage subscribes to it. */
export const MODEL_REGISTERED_EVENT = { source: 'genai-kit.adapt', detailType: 'Fine-tuned model registered' } as const;

/**
 * SageMaker and Bedrock report throttling and quota errors under these
 * names; SageMaker reports throttling under its generic exception, which a
 * rejected request shares, so a bad request is restarted a few times before
 * it is notified. A restart takes a new job name: a job may exist under the
 * old one, and SageMaker refuses a name used before.
 */
export const TRAINING_TRANSIENT = [
  'SageMaker.AmazonSageMakerException',
  'SageMaker.ResourceLimitExceededException',
  'SageMaker.ThrottlingException',
  'Bedrock.ThrottlingException',
  'Bedrock.ServiceQuotaExceededException',
  'Bedrock.InternalServerException',
];
/** Restarts of a training call refused for throttling or quota, and the wait before each. */
export const TRANSIENT_RESTARTS = 4;
export const TRANSIENT_WAIT = Duration.minutes(2);
/** How long a job that found no capacity waits before it is started again. */
export const CAPACITY_WAIT = Duration.minutes(15);

/**
 * The states of a fine-tuning run (JSONPath). The execution input is kept
 * under `$.input`; each step adds its result beside it, so the failure
 * notification can say which run failed and why.
 */
export function buildDefinition(scope: Construct, props: DefinitionProps): sfn.IChainable {
  const failed = new sfn.Fail(scope, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
  const notifyFailure = new tasks.SnsPublish(scope, 'NotifyFailure', {
    topic: props.topic,
    subject: 'Fine-tuning run failed',
    message: sfn.TaskInput.fromJsonPathAt("States.Format('Fine-tuning run {} failed: {}: {}', $.runId, $.error.Error, $.error.Cause)"),
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addRetry({ ...BACKOFF, errors: API_TRANSIENT })
    .next(failed);
  const onError = { resultPath: '$.error' };

  const prepare = new sfn.Pass(scope, 'Prepare', {
    comment: 'Keeps the execution input and names the run; the run id keys its checkpoints',
    parameters: { 'input.$': '$', 'runId.$': 'States.UUID()', restarts: { capacity: 0, transient: 0 } },
  });
  const invalidInput = new sfn.Pass(scope, 'InvalidInput', {
    parameters: {
      Error: 'InvalidInput',
      Cause: `expected {"mode": ${props.modes.map((m) => `"${m.mode}"`).join(' | ')}, "dataset": {"trainKey": "<key in the datasets bucket>", "validationKey": "<key>"}, "hyperparameters": {<name>: "<value>"} (optional)}`,
    },
    resultPath: '$.error',
  }).next(notifyFailure);

  const datasetGiven = [
    sfn.Condition.isPresent('$.input.dataset.trainKey'),
    sfn.Condition.isString('$.input.dataset.trainKey'),
    sfn.Condition.isPresent('$.input.dataset.validationKey'),
    sfn.Condition.isString('$.input.dataset.validationKey'),
  ];
  const checkInput = new sfn.Choice(scope, 'CheckInput');
  const hasHyperparameters = new sfn.Choice(scope, 'HasHyperparameters');
  for (const settings of props.modes) {
    const chosen = new sfn.Pass(scope, `Mode${settings.mode.charAt(0).toUpperCase()}${settings.mode.slice(1)}`, {
      result: sfn.Result.fromObject({ format: settings.format, defaults: props.defaults, reserved: settings.reserved }),
      resultPath: '$.trainer',
    });
    checkInput.when(sfn.Condition.and(sfn.Condition.isPresent('$.input.mode'), sfn.Condition.stringEquals('$.input.mode', settings.mode), ...datasetGiven), chosen.next(hasHyperparameters));
  }
  checkInput.otherwise(invalidInput);

  const noHyperparameters = new sfn.Pass(scope, 'NoHyperparameters', { result: sfn.Result.fromObject({}), resultPath: '$.input.hyperparameters' });
  const validate = new tasks.LambdaInvoke(scope, 'ValidateDataset', {
    lambdaFunction: props.validate,
    payload: sfn.TaskInput.fromObject({
      bucket: props.datasets.bucketName,
      'trainKey.$': '$.input.dataset.trainKey',
      'validationKey.$': '$.input.dataset.validationKey',
      'format.$': '$.trainer.format',
      contextLength: props.contextLength,
      hyperparameters: { 'defaults.$': '$.trainer.defaults', 'requested.$': '$.input.hyperparameters', 'reserved.$': '$.trainer.reserved' },
    }),
    payloadResponseOnly: true,
    resultPath: '$.validation',
    retryOnServiceExceptions: false,
  })
    .addRetry({ ...BACKOFF, maxAttempts: 3, errors: LAMBDA_TRANSIENT })
    // DatasetInvalid (bad records, with their lines) and InvalidInput (hyperparameters) end here, as any other error.
    .addCatch(notifyFailure, { ...onError, errors: [sfn.Errors.ALL] });
  hasHyperparameters.when(sfn.Condition.isPresent('$.input.hyperparameters'), validate).otherwise(noHyperparameters.next(validate));

  const nameJob = new sfn.Pass(scope, 'NameJob', {
    comment: 'A new job name per attempt: SageMaker and Bedrock refuse a name used before',
    parameters: { 'name.$': `States.Format('${props.jobPrefix}-{}', States.UUID())` },
    resultPath: '$.job',
  });
  validate.next(nameJob);

  const restart = (kind: 'capacity' | 'transient', limit: number, wait: Duration, matches: sfn.Condition[]) => {
    const other = kind === 'capacity' ? 'transient' : 'capacity';
    const label = kind === 'capacity' ? 'Capacity' : 'Transient';
    const count = new sfn.Pass(scope, `Count${label}Restart`, {
      parameters: { [`${kind}.$`]: `States.MathAdd($.restarts.${kind}, 1)`, [`${other}.$`]: `$.restarts.${other}` },
      resultPath: '$.restarts',
    });
    const waitState = new sfn.Wait(scope, `WaitBefore${label}Restart`, { time: sfn.WaitTime.duration(wait) });
    return new sfn.Choice(scope, `${label}Restart`)
      .when(sfn.Condition.and(...matches, sfn.Condition.numberLessThan(`$.restarts.${kind}`, limit)), count.next(waitState).next(nameJob))
      .otherwise(notifyFailure);
  };
  const capacityRestart = restart('capacity', props.capacityRetries, CAPACITY_WAIT, [sfn.Condition.isString('$.error.Cause'), sfn.Condition.stringMatches('$.error.Cause', '*CapacityError*')]);
  const transientRestart = restart('transient', TRANSIENT_RESTARTS, TRANSIENT_WAIT, []);
  const train = new sfn.CustomState(scope, 'Train', { stateJson: props.train })
    .addCatch(transientRestart, { ...onError, errors: TRAINING_TRANSIENT })
    .addCatch(capacityRestart, { ...onError, errors: ['States.TaskFailed'] })
    .addCatch(notifyFailure, { ...onError, errors: [sfn.Errors.ALL] });
  nameJob.next(train);

  const lineageKey = `States.Format('${ARTIFACT_PREFIXES.lineage}{}.json', $.job.name)`;
  const lineage = new sfn.Pass(scope, 'Lineage', {
    comment: 'What the model was made from: base model, dataset versions, hyperparameters, kit revision, the job',
    parameters: {
      'runId.$': '$.runId',
      'mode.$': '$.input.mode',
      baseModel: props.baseModel,
      kitRevision: props.revision,
      dataset: {
        bucket: props.datasets.bucketName,
        'trainKey.$': '$.validation.train.key',
        'trainVersionId.$': '$.validation.train.versionId',
        'validationKey.$': '$.validation.validation.key',
        'validationVersionId.$': '$.validation.validation.versionId',
      },
      'hyperparameters.$': '$.validation.hyperparameters',
      'job.$': '$.job.name',
      'result.$': '$.training',
    },
    resultPath: '$.lineage',
  });
  const writeLineage = new tasks.CallAwsService(scope, 'WriteLineage', {
    service: 's3',
    action: 'putObject',
    iamAction: 's3:PutObject',
    iamResources: [props.artifacts.arnForObjects(`${ARTIFACT_PREFIXES.lineage}*`)],
    parameters: { Bucket: props.artifacts.bucketName, 'Key.$': lineageKey, 'Body.$': 'States.JsonToString($.lineage)', ContentType: 'application/json' },
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addRetry({ ...BACKOFF, errors: API_TRANSIENT })
    .addCatch(notifyFailure, { ...onError, errors: [sfn.Errors.ALL] });
  train.next(lineage).next(writeLineage);

  const lineageUri = `States.Format('s3://${props.artifacts.bucketName}/${ARTIFACT_PREFIXES.lineage}{}.json', $.job.name)`;
  let registered: sfn.INextable & sfn.IChainable = writeLineage;
  const detail: Record<string, unknown> = { 'runId.$': '$.runId', 'mode.$': '$.input.mode', 'job.$': '$.job.name', 'lineage.$': lineageUri };
  if (props.register !== undefined) {
    const register = new tasks.CallAwsService(scope, 'RegisterModel', {
      service: 'sagemaker',
      action: 'createModelPackage',
      iamAction: 'sagemaker:CreateModelPackage',
      iamResources: [props.register.groupArn, props.register.packageArns],
      parameters: {
        ModelPackageGroupName: props.register.groupName,
        'ModelPackageDescription.$': `States.Format('{} run {} of ${props.baseModel}', $.input.mode, $.runId)`,
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [
            {
              Image: props.register.servingImageUri,
              ...(props.register.servingEnvironment === undefined ? {} : { Environment: props.register.servingEnvironment }),
              ModelDataSource: { S3DataSource: { 'S3Uri.$': '$.training.ModelArtifacts.S3ModelArtifacts', S3DataType: 'S3Prefix', CompressionType: 'None' } },
            },
          ],
          SupportedContentTypes: ['application/json'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        MetadataProperties: { CommitId: props.revision, 'GeneratedBy.$': '$.training.TrainingJobArn' },
        CustomerMetadataProperties: {
          baseModel: props.baseModel,
          'mode.$': '$.input.mode',
          'runId.$': '$.runId',
          'trainingJob.$': '$.job.name',
          kitRevision: props.revision,
          // Keys stay in the lineage record: SageMaker allows only letters, digits, spaces and _ . : / = + - @ here.
          'trainVersionId.$': "States.Format('{}', $.validation.train.versionId)",
          'validationVersionId.$': "States.Format('{}', $.validation.validation.versionId)",
          'lineage.$': lineageUri,
        },
      },
      resultSelector: { 'arn.$': '$.ModelPackageArn' },
      resultPath: '$.modelPackage',
    })
      .addRetry({ ...BACKOFF, errors: API_TRANSIENT })
      .addCatch(notifyFailure, { ...onError, errors: [sfn.Errors.ALL] });
    writeLineage.next(register);
    registered = register;
    detail['modelPackageArn.$'] = '$.modelPackage.arn';
    detail.modelPackageGroupName = props.register.groupName;
  } else {
    detail['customization.$'] = '$.training';
  }

  const publish = new tasks.EventBridgePutEvents(scope, 'PublishModelEvent', {
    entries: [{ source: MODEL_REGISTERED_EVENT.source, detailType: MODEL_REGISTERED_EVENT.detailType, detail: sfn.TaskInput.fromObject(detail), eventBus: props.eventBus }],
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addRetry({ ...BACKOFF, errors: API_TRANSIENT })
    .addCatch(notifyFailure, { ...onError, errors: [sfn.Errors.ALL] });
  const notifySuccess = new tasks.SnsPublish(scope, 'NotifySuccess', {
    topic: props.topic,
    subject: 'Fine-tuning run succeeded',
    message: sfn.TaskInput.fromObject(detail),
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addRetry({ ...BACKOFF, errors: API_TRANSIENT })
    .addCatch(notifyFailure, { ...onError, errors: [sfn.Errors.ALL] });
  registered.next(publish).next(notifySuccess).next(new sfn.Succeed(scope, 'Succeeded'));

  return prepare.next(checkInput);
}
