import { ArnFormat, Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
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
import type { WildcardReason } from '../../lib/compliance/wildcards';
import { acknowledgeGeneratedPolicy } from '../adapt/state-machine-policy';
import { abnormalEnds } from '../execution-notice';
import { API_TRANSIENT, BACKOFF } from '../retry-policies';
import { kitWorkflow } from '../workflow';
import type { PackageEndpoints } from './package-endpoints';
import { ENDPOINT_POLL, EVALUATION_EXECUTION_TAG, endpointPolls } from './package-states';
import { notFound, routeDeletion, sagemakerCall } from './sagemaker-calls';

/** How long the cleanup waits before it searches: SageMaker Search reads an index that follows the resources with a delay. */
export const SEARCH_DELAY = Duration.minutes(2);
/** How long after its start the cleanup searches once more when the first search found nothing: the index may lag longer still, and an endpoint left running costs. */
export const LAST_SEARCH = Duration.minutes(15);
/** Endpoints one search returns: an execution hosts one package (its candidate); the rest is margin. */
const MAX_ENDPOINTS = 10;
/** Endpoint states that end by themselves: the cleanup waits for them before DeleteEndpoint (SageMaker refuses to delete an endpoint while it changes). */
const TRANSITIONAL_STATES = ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting'];
/** Statuses (DescribeExecution) of an execution that was redriven: it runs again, under the same name and ARN, and may use its endpoint. */
const RUNNING_AGAIN = ['RUNNING', 'PENDING_REDRIVE'];
/** Time for the API calls of the longest path and their retries, on top of its waits. */
const CALLS_MARGIN = Duration.minutes(60);

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
 * Deletes what a model-package run left hosted when its execution ended
 * FAILED, TIMED_OUT or ABORTED. Step Functions itself may have ended it
 * (aborted by hand, timed out, or failed where no Catch runs), so that the
 * run's own release never ran; but every such end starts the cleanup,
 * including runs whose own Catch already released the endpoint. The cleanup
 * finds the endpoints tagged with the execution's name under the pipeline's
 * prefix (SageMaker Search, 2 minutes after the end, and once more at about
 * 15 minutes if the index listed nothing yet). For each it describes the
 * endpoint (the index may lag: it may list as InService an endpoint being
 * deleted), waits (bounded) while it changes state, asks Step Functions
 * whether the execution was redriven and runs again (then leaves it alone),
 * and deletes the endpoint, its config and its model, telling the topic, per
 * endpoint, what it deleted or what is left to delete by hand. When it finds
 * nothing (the run released its endpoint itself, or made none) it ends
 * quietly: the execution's own abnormal-end notice already went to the
 * topic. Events EventBridge could not deliver within a day land in a
 * dead-letter queue, kept 14 days.
 */
export class PackageCleanup extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: PackageCleanupProps) {
    super(scope, id);
    const polls = endpointPolls(props.endpoints.hosting);
    const executions = executionArns(this, props.evaluation);
    this.stateMachine = kitWorkflow(this, {
      comment: `Deletes the temporary endpoints that failed, timed-out or aborted executions of ${scope.node.path} left`,
      definition: cleanupStates(new Construct(this, 'States'), { endpoints: props.endpoints, topic: props.topic, polls, executions }),
      // The longest path: the second search, an endpoint's polls, and the calls with their retries.
      timeout: Duration.minutes(LAST_SEARCH.toMinutes() + polls * ENDPOINT_POLL.toMinutes() + CALLS_MARGIN.toMinutes()),
      encryptionKey: props.encryptionKey,
      topic: props.topic,
      what: 'Evaluation cleanup',
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      wildcardReasons: [...props.endpoints.wildcardReasons(), EXECUTIONS_WILDCARD],
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

/** Why the cleanup may describe every execution of the evaluation workflow. */
const EXECUTIONS_WILDCARD: WildcardReason = {
  match: /:execution:.+:\*$/,
  actions: ['states:DescribeExecution'],
  reason: 'before it deletes anything, the cleanup asks whether the ended execution (its ARN comes with the event) was redriven and runs again; an execution ARN ends with the name its starter chose, so the statement names the executions of the evaluation workflow only',
};

/**
 * ARN pattern of a state machine's executions, as aws-cdk-lib's
 * `grantExecution` writes it (a task of the workflow needs the ARN itself).
 * Region and account are the cleanup's stack's: PackageCleanup is made
 * beside the evaluation workflow, in its stack.
 */
function executionArns(scope: Construct, stateMachine: sfn.IStateMachine): string {
  const stack = Stack.of(scope);
  const name = stack.splitArn(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
  return stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

interface CleanupStatesProps {
  readonly endpoints: PackageEndpoints;
  readonly topic: sns.ITopic;
  /** Polls of an endpoint that changes state, a minute apart. */
  readonly polls: number;
  /** ARN pattern of the evaluation workflow's executions. */
  readonly executions: string;
}

/** The cleanup's states; the input is the "Step Functions Execution Status Change" event of the ended execution. */
function cleanupStates(scope: Construct, { endpoints, topic, polls, executions }: CleanupStatesProps): sfn.IChainable {
  const prefix = endpoints.namePrefix;
  const publish = (id: string, subject: string, message: string) =>
    new tasks.SnsPublish(scope, id, { topic, subject, message: sfn.TaskInput.fromJsonPathAt(message), resultPath: sfn.JsonPath.DISCARD }).addRetry({ ...BACKOFF, errors: API_TRANSIENT });

  // One endpoint (a Map item): describe it, wait while it changes state, check that its execution does not run again, then delete it, its config and its model.
  const notifyDeleted = publish(
    'NotifyLeftEndpointDeleted',
    'Evaluation cleanup deleted a temporary endpoint',
    "States.Format('Evaluation execution {} ended {} and left its temporary SageMaker endpoint {}: the cleanup deleted it, with its endpoint config {} and its model.', $.execution, $.ended, $.name, $.config)",
  );
  // What is left to delete by hand, worded by what failed: one Pass per case writes $.notice, one publish sends it.
  const notifyNotDeleted = publish('NotifyLeftEndpointNotDeleted', sfn.JsonPath.stringAt('$.notice.subject'), '$.notice.message');
  const left = "Evaluation execution {} ended {} and left its temporary SageMaker endpoint {}; ";
  const notice = (id: string, subject: string, message: string, ...args: string[]) =>
    new sfn.Pass(scope, id, { parameters: { subject, 'message.$': `States.Format('${left}${message}', $.execution, $.ended, $.name, ${args.join(', ')})` }, resultPath: '$.notice' }).next(notifyNotDeleted);
  const endpointLeft = notice(
    'LeftEndpointNotice',
    'Evaluation left a temporary endpoint: delete it by hand',
    'the cleanup could not delete its endpoint: {}: {}. An endpoint costs while it runs: delete the endpoint {}, its endpoint config {} and its model {} by hand.',
    '$.endpointNotDeleted.Error', '$.endpointNotDeleted.Cause', '$.name', '$.config', '$.name',
  );
  const configAndModelLeft = notice(
    'LeftEndpointConfigAndModelNotice',
    'Evaluation cleanup could not delete an endpoint config and a model: delete them by hand',
    'the endpoint is deleted, but the cleanup could not delete its endpoint config {} ({}: {}) nor its model {} ({}: {}). Delete the endpoint config and the model by hand.',
    '$.config', '$.configNotDeleted.Error', '$.configNotDeleted.Cause', '$.name', '$.modelNotDeleted.Error', '$.modelNotDeleted.Cause',
  );
  const configLeft = notice(
    'LeftEndpointConfigNotice',
    'Evaluation cleanup could not delete an endpoint config: delete it by hand',
    'the endpoint is deleted, but the cleanup could not delete its endpoint config {}: {}: {}. Delete the endpoint config by hand.',
    '$.config', '$.configNotDeleted.Error', '$.configNotDeleted.Cause',
  );
  const modelLeft = notice(
    'LeftModelNotice',
    'Evaluation cleanup could not delete a model: delete it by hand',
    'the endpoint is deleted, but the cleanup could not delete its model {}: {}: {}. Delete the model by hand.',
    '$.name', '$.modelNotDeleted.Error', '$.modelNotDeleted.Cause',
  );
  const failed = (what: string) => sfn.Condition.isPresent(`$.${what}NotDeleted`);
  const outcome = new sfn.Choice(scope, 'LeftEndpointOutcome')
    .when(failed('endpoint'), endpointLeft)
    .when(sfn.Condition.and(failed('config'), failed('model')), configAndModelLeft)
    .when(failed('config'), configLeft)
    .when(failed('model'), modelLeft)
    .when(sfn.Condition.isPresent('$.deleted'), notifyDeleted)
    .otherwise(new sfn.Succeed(scope, 'LeftEndpointAlreadyGone', { comment: 'The run deleted it before it ended' }));

  const deletion = (what: 'Model' | 'EndpointConfig' | 'Endpoint', resource: 'model' | 'endpoint-config' | 'endpoint', namePath: string) =>
    sagemakerCall(scope, `DeleteLeft${what}`, { action: `delete${what}`, iamAction: `sagemaker:Delete${what}`, resources: [endpoints.arns(resource)], parameters: { [`${what}Name.$`]: namePath } });
  // Each failure is kept apart ($.endpointNotDeleted, $.configNotDeleted, $.modelNotDeleted): the notice names every one.
  const notDeleted = (what: 'Endpoint' | 'EndpointConfig' | 'Model', field: string, next: sfn.IChainable) =>
    new sfn.Pass(scope, `Left${what}NotDeleted`, { parameters: { 'Error.$': '$.deleteError.Error', 'Cause.$': '$.deleteError.Cause' }, resultPath: `$.${field}NotDeleted` }).next(next);
  const errorPath = '$.deleteError';
  // A run names its model like its endpoint (package-states.ts).
  const deleteModel = routeDeletion(scope, deletion('Model', 'model', '$.name'), { absentId: 'LeftModelAbsent', errorPath, next: outcome, failed: notDeleted('Model', 'model', outcome) });
  const deleteConfig = routeDeletion(scope, deletion('EndpointConfig', 'endpoint-config', '$.config'), {
    absentId: 'LeftEndpointConfigAbsent',
    errorPath,
    next: deleteModel,
    failed: notDeleted('EndpointConfig', 'config', deleteModel),
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

  // DescribeEndpoint answered "Could not find": the endpoint is gone, what may be left is its config and model.
  const endpointGone = new sfn.Choice(scope, 'LeftEndpointGone').when(notFound('$.describeError'), deleteConfig).otherwise(deleteEndpoint);
  // Redriven, the execution runs again under the same name and ARN: its endpoint is in use again. Its own release deletes it, or the cleanup after its next abnormal end.
  const checkExecution = new tasks.CallAwsService(scope, 'DescribeEndedExecution', {
    service: 'sfn',
    action: 'describeExecution',
    iamAction: 'states:DescribeExecution',
    iamResources: [executions],
    parameters: { 'ExecutionArn.$': '$.executionArn' },
    // AWS SDK integrations answer in PascalCase, whatever the service's own API writes (DescribeExecution's is `status`).
    resultSelector: { 'status.$': '$.Status' },
    resultPath: '$.executionNow',
  }).addRetry({ ...BACKOFF });
  const runningAgain = sfn.Condition.or(...RUNNING_AGAIN.map((status) => sfn.Condition.stringEquals('$.executionNow.status', status)));
  const executionEnded = new sfn.Choice(scope, 'EndedExecutionRunningAgain')
    .when(runningAgain, new sfn.Succeed(scope, 'LeftEndpointInUseAgain', { comment: 'The execution was redriven and runs again: it still uses its endpoint' }))
    .otherwise(endpointGone);
  checkExecution.next(executionEnded);
  // Step Functions could not tell (after the retries): the deletion goes on, as a redrive is rare and a left endpoint costs; the error stays in the execution's log.
  checkExecution.addCatch(endpointGone, { resultPath: '$.executionError', errors: [sfn.Errors.ALL] });

  // The live status decides, not the search index's (it lags: an endpoint the run is deleting may still be listed InService).
  const describe = sagemakerCall(scope, 'DescribeLeftEndpoint', {
    action: 'describeEndpoint',
    iamAction: 'sagemaker:DescribeEndpoint',
    resources: [endpoints.arns('endpoint')],
    parameters: { 'EndpointName.$': '$.name' },
    result: { path: '$.state', field: 'EndpointStatus', as: 'status' },
  });
  // Gone meanwhile ("Could not find"), or not describable: the deletions tell which.
  describe.addCatch(checkExecution, { resultPath: '$.describeError', errors: [sfn.Errors.ALL] });
  const wait = new sfn.Wait(scope, 'WaitForLeftEndpoint', { time: sfn.WaitTime.duration(ENDPOINT_POLL) });
  const countPoll = new sfn.Pass(scope, 'CountLeftEndpointPoll', { parameters: { 'count.$': 'States.MathAdd($.polls.count, 1)' }, resultPath: '$.polls' });
  const changing = sfn.Condition.or(...TRANSITIONAL_STATES.map((state) => sfn.Condition.stringEquals('$.state.status', state)));
  // Still changing after `polls` minutes (the endpoint's own start-up timeouts and a margin): the deletion is tried anyway, and its failure notified.
  const settled = new sfn.Choice(scope, 'LeftEndpointSettled').when(sfn.Condition.and(changing, sfn.Condition.numberLessThanEquals('$.polls.count', polls)), wait).otherwise(checkExecution);
  describe.next(countPoll).next(settled);
  wait.next(describe);
  // The search asks for the prefix anywhere in the name: only names that start with it are the pipeline's.
  const own = new sfn.Choice(scope, 'OwnLeftEndpoint').when(sfn.Condition.stringMatches('$.name', `${prefix}-*`), describe).otherwise(new sfn.Succeed(scope, 'OtherEndpoint'));
  const item = '$$.Map.Item.Value.Endpoint';
  const each = new sfn.Map(scope, 'DeleteLeftEndpoints', {
    itemsPath: '$.search.Results',
    itemSelector: {
      'execution.$': '$.detail.name',
      'executionArn.$': '$.detail.executionArn',
      'ended.$': '$.detail.status',
      'name.$': `${item}.EndpointName`,
      'config.$': `${item}.EndpointConfigName`,
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
  // Nothing listed yet: the index may lag longer than SEARCH_DELAY, so one more search at about LAST_SEARCH before ending quietly.
  const searchAgain = new sfn.Wait(scope, 'WaitToSearchAgain', { time: sfn.WaitTime.duration(LAST_SEARCH.minus(SEARCH_DELAY)) })
    .next(new sfn.Pass(scope, 'SearchAgain', { result: sfn.Result.fromBoolean(true), resultPath: '$.searchedAgain' }))
    .next(search);
  const anyLeft = new sfn.Choice(scope, 'AnyEndpointLeft')
    .when(sfn.Condition.isPresent('$.search.Results[0]'), each)
    .when(sfn.Condition.isPresent('$.searchedAgain'), new sfn.Succeed(scope, 'NothingLeft', { comment: 'The run released its endpoint itself, or made none' }))
    .otherwise(searchAgain);
  return new sfn.Wait(scope, 'WaitForSearchIndex', { time: sfn.WaitTime.duration(SEARCH_DELAY) }).next(search).next(anyLeft);
}
