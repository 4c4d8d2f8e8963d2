import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { BACKOFF } from '../retry-policies';
import { BEDROCK_EVALUATION_POLL, BEDROCK_JOB_NAME_PREFIX, BEDROCK_OUTPUT_FOLDER, type BedrockEvaluation } from './bedrock-evaluation';

/** Throttling and service errors of the Bedrock control plane (aws-sdk integration names), retried with backoff. */
export const BEDROCK_TRANSIENT = ['Bedrock.ThrottlingException', 'Bedrock.InternalServerException'];
/** Job states that may still end on their own. */
const RUNNING = ['InProgress', 'Stopping'];

export interface BedrockEvaluationStatesProps {
  readonly evaluation: BedrockEvaluation;
  /** The artifacts bucket: the dataset the score step wrote, and the job's results. */
  readonly artifacts: s3.IBucket;
  /** Where the run goes once `$.bedrockEvaluation` holds the job's outcome, whatever it is. */
  readonly next: sfn.IChainable;
}

/**
 * The states of the optional Bedrock evaluation job of a run (JSONPath),
 * between the score and the verdict: create a model-as-judge job on the
 * dataset the score step wrote (`$.score.bedrockDataset`), wait for it, and
 * leave `$.bedrockEvaluation` = `{jobArn?, status, summary}` for the verdict
 * event and the notification. Nothing here fails the run: a job that could
 * not start, failed, was stopped or did not end in time is a status.
 *
 * Statuses: Completed, Failed, Stopped, Deleting (as Bedrock reports them),
 * TimedOut (still running after the timeout: the run asks Bedrock to stop
 * it), NotStarted (CreateEvaluationJob refused), Unknown (GetEvaluationJob
 * failed), Skipped (no prediction to evaluate).
 */
export function bedrockEvaluationStates(scope: Construct, props: BedrockEvaluationStatesProps): sfn.IChainable {
  const { evaluation, next } = props;
  const bucket = props.artifacts.bucketName;
  const result = '$.bedrockEvaluation';
  const output = `s3://${bucket}/${evaluation.runsPrefix}{}/${BEDROCK_OUTPUT_FOLDER}`;
  const outputUri = `States.Format('${output}', $.runId)`;
  const outcome = (id: string, parameters: Record<string, unknown>) => new sfn.Pass(scope, id, { parameters, resultPath: result }).next(next);

  const skipped = outcome('BedrockEvaluationSkipped', { status: 'Skipped', summary: 'not started: the run has no prediction to evaluate' });
  const notStarted = outcome('BedrockEvaluationNotStarted', {
    status: 'NotStarted',
    'summary.$': "States.Format('not started: {}: {}', $.bedrockError.Error, $.bedrockError.Cause)",
  });
  const unknown = outcome('BedrockEvaluationUnknown', {
    'jobArn.$': '$.bedrockEvaluation.jobArn',
    status: 'Unknown',
    'summary.$': "States.Format('{}: its status could not be read: {}: {}', $.bedrockEvaluation.jobArn, $.bedrockError.Error, $.bedrockError.Cause)",
  });
  const completed = outcome('BedrockEvaluationCompleted', {
    'jobArn.$': '$.bedrockEvaluation.jobArn',
    status: 'Completed',
    'output.$': outputUri,
    'summary.$': `States.Format('{} Completed; its results are under ${output}', $.bedrockEvaluation.jobArn, $.runId)`,
  });
  const ended = outcome('BedrockEvaluationEnded', {
    'jobArn.$': '$.bedrockEvaluation.jobArn',
    'status.$': '$.bedrockJob.Status',
    'summary.$': "States.Format('{} ended {}: {}', $.bedrockEvaluation.jobArn, $.bedrockJob.Status, States.JsonToString($.bedrockJob.FailureMessages))",
  });
  const noMessages = new sfn.Pass(scope, 'NoBedrockFailureMessages', { result: sfn.Result.fromArray([]), resultPath: '$.bedrockJob.FailureMessages' }).next(ended);
  const timedOut = outcome('BedrockEvaluationTimedOut', {
    'jobArn.$': '$.bedrockEvaluation.jobArn',
    status: 'TimedOut',
    'summary.$': `States.Format('{} was still {} after ${evaluation.timeout.toHumanString()}: the run stopped waiting and asked Bedrock to stop the job', $.bedrockEvaluation.jobArn, $.bedrockJob.Status)`,
  });

  const datasetUri = `States.Format('s3://${bucket}/{}', $.score.bedrockDataset.key)`;
  const create = new tasks.CallAwsService(scope, 'CreateBedrockEvaluation', {
    service: 'bedrock',
    action: 'createEvaluationJob',
    iamAction: 'bedrock:CreateEvaluationJob',
    iamResources: evaluation.createResources(),
    additionalIamStatements: evaluation.createStatements(),
    parameters: {
      'JobName.$': `States.Format('${BEDROCK_JOB_NAME_PREFIX}{}', $.runId)`,
      // A retried call that did create the job gets the same job back.
      'ClientRequestToken.$': '$.runId',
      'JobDescription.$': "States.Format('LLM judge of the predictions of evaluation run {}', $.runId)",
      RoleArn: evaluation.role.roleArn,
      CustomerEncryptionKeyId: evaluation.encryptionKey.keyArn,
      ApplicationType: 'ModelEvaluation',
      EvaluationConfig: {
        Automated: {
          DatasetMetricConfigs: [{ TaskType: evaluation.taskType, Dataset: { Name: 'kit-predictions', DatasetLocation: { 'S3Uri.$': datasetUri } }, MetricNames: [...evaluation.metrics] }],
          EvaluatorModelConfig: { BedrockEvaluatorModels: [{ ModelIdentifier: evaluation.evaluatorModel.modelId }] },
        },
      },
      InferenceConfig: { Models: [{ PrecomputedInferenceSource: { 'InferenceSourceIdentifier.$': '$.score.bedrockDataset.modelIdentifier' } }] },
      OutputDataConfig: { 'S3Uri.$': outputUri },
    },
    // One wait comes before the first poll.
    resultSelector: { 'jobArn.$': '$.JobArn', polls: 1 },
    resultPath: result,
  })
    .addRetry({ ...BACKOFF, errors: BEDROCK_TRANSIENT })
    .addCatch(notStarted, { resultPath: '$.bedrockError', errors: [sfn.Errors.ALL] });

  const wait = new sfn.Wait(scope, 'WaitForBedrockEvaluation', { time: sfn.WaitTime.duration(BEDROCK_EVALUATION_POLL) });
  const get = new tasks.CallAwsService(scope, 'GetBedrockEvaluation', {
    service: 'bedrock',
    action: 'getEvaluationJob',
    iamAction: 'bedrock:GetEvaluationJob',
    iamResources: [evaluation.jobArns],
    parameters: { 'JobIdentifier.$': '$.bedrockEvaluation.jobArn' },
    resultPath: '$.bedrockJob',
  })
    .addRetry({ ...BACKOFF, errors: BEDROCK_TRANSIENT })
    .addCatch(unknown, { resultPath: '$.bedrockError', errors: [sfn.Errors.ALL] });
  const stop = new tasks.CallAwsService(scope, 'StopBedrockEvaluation', {
    service: 'bedrock',
    action: 'stopEvaluationJob',
    iamAction: 'bedrock:StopEvaluationJob',
    iamResources: [evaluation.jobArns],
    parameters: { 'JobIdentifier.$': '$.bedrockEvaluation.jobArn' },
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addRetry({ ...BACKOFF, errors: BEDROCK_TRANSIENT })
    // A job that ended meanwhile cannot be stopped: the timeout is reported all the same.
    .addCatch(timedOut, { resultPath: '$.bedrockStopError', errors: [sfn.Errors.ALL] });
  stop.next(timedOut);
  const count = new sfn.Pass(scope, 'CountBedrockPoll', {
    parameters: { 'jobArn.$': '$.bedrockEvaluation.jobArn', 'polls.$': 'States.MathAdd($.bedrockEvaluation.polls, 1)' },
    resultPath: result,
  }).next(wait);
  const running = sfn.Condition.or(...RUNNING.map((status) => sfn.Condition.stringEquals('$.bedrockJob.Status', status)));
  const status = new sfn.Choice(scope, 'BedrockEvaluationStatus')
    .when(sfn.Condition.stringEquals('$.bedrockJob.Status', 'Completed'), completed)
    .when(sfn.Condition.and(running, sfn.Condition.numberLessThan('$.bedrockEvaluation.polls', evaluation.maxPolls)), count)
    .when(running, stop)
    .when(sfn.Condition.isPresent('$.bedrockJob.FailureMessages'), ended)
    .otherwise(noMessages);
  create.next(wait).next(get).next(status);

  return new sfn.Choice(scope, 'BedrockDatasetWritten')
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.score.bedrockDataset.key'), sfn.Condition.numberGreaterThan('$.score.bedrockDataset.records', 0)), create)
    .otherwise(skipped);
}

