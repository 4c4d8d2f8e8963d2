import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { acknowledgeGeneratedPolicy } from '../adapt/state-machine-policy';
import { abnormalEnds } from '../execution-notice';
import { API_TRANSIENT, BACKOFF } from '../retry-policies';
import { kitWorkflow } from '../workflow';
import type { PackageEndpoints } from './package-endpoints';
import { ENDPOINT_POLL, EVALUATION_EXECUTION_TAG, endpointPolls } from './package-states';
import { routeDeletion, sagemakerCall } from './sagemaker-calls';

/** How long the cleanup waits before it searches: SageMaker Search reads an index that follows the resources with a delay. */
export const SEARCH_DELAY = Duration.minutes(2);
/** Endpoints one search returns: an execution hosts one package (its candidate); the rest is margin. */
const MAX_ENDPOINTS = 10;
/** Endpoint states that end by themselves: the cleanup waits for them before DeleteEndpoint (SageMaker refuses to delete an endpoint while it changes). */
const TRANSITIONAL_STATES = ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting'];

export interface PackageCleanupProps {
  readonly endpoints: PackageEndpoints;
  /** The evaluation workflow whose executions host the packages. */
  readonly evaluation: sfn.IStateMachine;
  /** Receives what the cleanup deleted, or could not delete. */
  readonly topic: sns.ITopic;
  /** Encrypts the cleanup's execution log group. */
  readonly encryptionKey: kms.IKey;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN (the log group) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Deletes what a model-package run hosted when Step Functions itself ended
 * its execution (aborted, timed out, or failed where no Catch ran), so the
 * run's own release never ran. The execution's end starts a small workflow:
 * it finds the endpoints tagged with the execution's name under the
 * pipeline's prefix (SageMaker Search), waits (bounded) for one still
 * changing state, deletes each endpoint, its config and its model, and tells
 * the topic, per endpoint, what it deleted or what is left to delete by
 * hand. When it finds nothing (the run released its endpoint itself, or made
 * none) it ends quietly: the execution's own abnormal-end notice already
 * went to the topic. Events EventBridge could not deliver within a day land
 * in a dead-letter queue, kept 14 days.
 */
export class PackageCleanup extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: PackageCleanupProps) {
    super(scope, id);
    const polls = endpointPolls(props.endpoints.hosting);
    this.stateMachine = kitWorkflow(this, {
      comment: `Deletes the temporary endpoints that executions of ${scope.node.path} left when Step Functions ended them`,
      definition: cleanupStates(new Construct(this, 'States'), props.endpoints, props.topic, polls),
      timeout: Duration.minutes(SEARCH_DELAY.toMinutes() + polls * ENDPOINT_POLL.toMinutes() + 60),
      encryptionKey: props.encryptionKey,
      topic: props.topic,
      what: 'Evaluation cleanup',
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      wildcardReasons: props.endpoints.wildcardReasons(),
      unscopedActions: {
        actions: ['sagemaker:Search'],
        reason: `sagemaker:Search takes none either: the cleanup asks only for endpoints tagged ${EVALUATION_EXECUTION_TAG}=<the ended execution> and named with this pipeline's prefix, and may delete only ARNs of that prefix`,
      },
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      // SQS-managed keys, as the registration rule's queue: EventBridge may write without a key policy naming it. It holds event envelopes only.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is itself the dead-letter queue of the cleanup rule\'s target');
    this.rule = new events.Rule(this, 'Rule', {
      description: `Deletes the temporary endpoints an execution of ${scope.node.path} left when it ended abnormally`,
      eventPattern: abnormalEnds(props.evaluation),
    });
    this.rule.addTarget(new targets.SfnStateMachine(this.stateMachine, { deadLetterQueue: this.deadLetterQueue, maxEventAge: Duration.days(1), retryAttempts: 185 }));
    acknowledgeGeneratedPolicy(this.stateMachine.node.tryFindChild('EventsRole'), 'rule target');
  }
}

/** The cleanup's states; the input is the "Step Functions Execution Status Change" event of the ended execution. */
function cleanupStates(scope: Construct, endpoints: PackageEndpoints, topic: sns.ITopic, polls: number): sfn.IChainable {
  const prefix = endpoints.namePrefix;
  const publish = (id: string, subject: string, message: string) =>
    new tasks.SnsPublish(scope, id, { topic, subject, message: sfn.TaskInput.fromJsonPathAt(message), resultPath: sfn.JsonPath.DISCARD }).addRetry({ ...BACKOFF, errors: API_TRANSIENT });

  // One endpoint (a Map item): wait while it changes state, then delete it, its config and its model.
  const notifyDeleted = publish(
    'NotifyLeftEndpointDeleted',
    'Evaluation cleanup deleted a temporary endpoint',
    "States.Format('Evaluation execution {} ended {} and left its temporary SageMaker endpoint {}: the cleanup deleted it, with its endpoint config {} and its model.', $.execution, $.ended, $.name, $.config)",
  );
  const notifyNotDeleted = publish(
    'NotifyLeftEndpointNotDeleted',
    'Evaluation left a temporary endpoint: delete it by hand',
    "States.Format('Evaluation execution {} ended {} and left its temporary SageMaker endpoint {}; the cleanup could not delete its {}: {}: {}. An endpoint costs while it runs: delete the endpoint {}, its endpoint config {} and its model {} by hand.', $.execution, $.ended, $.name, $.notDeleted.what, $.notDeleted.Error, $.notDeleted.Cause, $.name, $.config, $.name)",
  );
  const outcome = new sfn.Choice(scope, 'LeftEndpointOutcome')
    .when(sfn.Condition.isPresent('$.notDeleted'), notifyNotDeleted)
    .when(sfn.Condition.isPresent('$.deleted'), notifyDeleted)
    .otherwise(new sfn.Succeed(scope, 'LeftEndpointAlreadyGone', { comment: 'The run deleted it before it ended' }));
  const deletion = (what: 'Model' | 'EndpointConfig' | 'Endpoint', resource: 'model' | 'endpoint-config' | 'endpoint', namePath: string) =>
    sagemakerCall(scope, `DeleteLeft${what}`, { action: `delete${what}`, iamAction: `sagemaker:Delete${what}`, resources: [endpoints.arns(resource)], parameters: { [`${what}Name.$`]: namePath } });
  const notDeleted = (what: string, label: string, next: sfn.IChainable) =>
    new sfn.Pass(scope, `Left${what}NotDeleted`, { parameters: { what: label, 'Error.$': '$.deleteError.Error', 'Cause.$': '$.deleteError.Cause' }, resultPath: '$.notDeleted' }).next(next);
  const errorPath = '$.deleteError';
  // A run names its model like its endpoint (package-states.ts).
  const deleteModel = routeDeletion(scope, deletion('Model', 'model', '$.name'), { absentId: 'LeftModelAbsent', errorPath, next: outcome, failed: notDeleted('Model', 'model', outcome) });
  const deleteConfig = routeDeletion(scope, deletion('EndpointConfig', 'endpoint-config', '$.config'), {
    absentId: 'LeftEndpointConfigAbsent',
    errorPath,
    next: deleteModel,
    failed: notDeleted('EndpointConfig', 'endpoint config', deleteModel),
  });
  const endpointDeleted = new sfn.Pass(scope, 'LeftEndpointDeleted', { result: sfn.Result.fromBoolean(true), resultPath: '$.deleted' }).next(deleteConfig);
  // An endpoint that could not be deleted keeps its config and model: deleting the config of a live endpoint hides its instance type.
  const deleteEndpoint = routeDeletion(scope, deletion('Endpoint', 'endpoint', '$.name'), {
    absentId: 'LeftEndpointAbsent',
    errorPath,
    next: endpointDeleted,
    absent: deleteConfig,
    failed: notDeleted('Endpoint', 'endpoint', outcome),
  });

  const wait = new sfn.Wait(scope, 'WaitForLeftEndpoint', { time: sfn.WaitTime.duration(ENDPOINT_POLL) });
  const describe = sagemakerCall(scope, 'DescribeLeftEndpoint', {
    action: 'describeEndpoint',
    iamAction: 'sagemaker:DescribeEndpoint',
    resources: [endpoints.arns('endpoint')],
    parameters: { 'EndpointName.$': '$.name' },
    result: { path: '$.state', field: 'EndpointStatus', as: 'status' },
  });
  // Gone meanwhile, or not describable: the deletion tells which.
  describe.addCatch(deleteEndpoint, { resultPath: '$.describeError', errors: [sfn.Errors.ALL] });
  const countPoll = new sfn.Pass(scope, 'CountLeftEndpointPoll', { parameters: { 'count.$': 'States.MathAdd($.polls.count, 1)' }, resultPath: '$.polls' });
  const changing = sfn.Condition.or(...TRANSITIONAL_STATES.map((state) => sfn.Condition.stringEquals('$.state.status', state)));
  // Still changing after the endpoint's own start-up timeouts and a margin: the deletion is tried anyway, and its failure notified.
  const settled = new sfn.Choice(scope, 'LeftEndpointSettled').when(sfn.Condition.and(changing, sfn.Condition.numberLessThan('$.polls.count', polls)), wait).otherwise(deleteEndpoint);
  wait.next(describe).next(countPoll).next(settled);
  // The search asks for the prefix anywhere in the name: only names that start with it are the pipeline's.
  const own = new sfn.Choice(scope, 'OwnLeftEndpoint').when(sfn.Condition.stringMatches('$.name', `${prefix}-*`), settled).otherwise(new sfn.Succeed(scope, 'OtherEndpoint'));
  const item = '$$.Map.Item.Value.Endpoint';
  const each = new sfn.Map(scope, 'DeleteLeftEndpoints', {
    itemsPath: '$.search.Results',
    itemSelector: {
      'execution.$': '$.detail.name',
      'ended.$': '$.detail.status',
      'name.$': `${item}.EndpointName`,
      'config.$': `${item}.EndpointConfigName`,
      state: { 'status.$': `${item}.EndpointStatus` },
      polls: { count: 0 },
    },
    resultPath: sfn.JsonPath.DISCARD,
  }).itemProcessor(own);

  // Find the execution's endpoints: tagged with its name, named with the prefix.
  const searchFailed = publish(
    'NotifySearchFailed',
    'Evaluation cleanup could not search: check by hand',
    `States.Format('Evaluation execution {} ended {}; the cleanup could not look for the temporary endpoint it may have left: {}: {}. An endpoint costs while it runs: look for SageMaker endpoints named ${prefix}-* tagged ${EVALUATION_EXECUTION_TAG}={} and delete each, its endpoint config and its model by hand.', $.detail.name, $.detail.status, $.searchError.Error, $.searchError.Cause, $.detail.name)`,
  ).next(new sfn.Fail(scope, 'CleanupFailed', { errorPath: '$.searchError.Error', causePath: '$.searchError.Cause' }));
  const search = sagemakerCall(scope, 'FindLeftEndpoints', {
    action: 'search',
    iamAction: 'sagemaker:Search',
    resources: ['*'],
    parameters: {
      Resource: 'Endpoint',
      SearchExpression: {
        Operator: 'And',
        Filters: [
          { Name: `Tags.${EVALUATION_EXECUTION_TAG}`, Operator: 'Equals', 'Value.$': '$.detail.name' },
          { Name: 'EndpointName', Operator: 'Contains', Value: `${prefix}-` },
        ],
      },
      MaxResults: MAX_ENDPOINTS,
    },
    result: { path: '$.search' },
  });
  search.addCatch(searchFailed, { resultPath: '$.searchError', errors: [sfn.Errors.ALL] });
  const anyLeft = new sfn.Choice(scope, 'AnyEndpointLeft')
    .when(sfn.Condition.isPresent('$.search.Results[0]'), each)
    .otherwise(new sfn.Succeed(scope, 'NothingLeft', { comment: 'The run released its endpoint itself, or made none' }));
  return new sfn.Wait(scope, 'WaitForSearchIndex', { time: sfn.WaitTime.duration(SEARCH_DELAY) }).next(search).next(anyLeft);
}
