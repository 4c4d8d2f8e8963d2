import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { API_TRANSIENT, BACKOFF } from '../retry-policies';
import type { ModelHosting } from '../serve/hosting';
import type { PackageEndpoints } from './package-endpoints';
import { routeDeletion, sagemakerCall } from './sagemaker-calls';

/** Tags of every temporary model, config and endpoint: the run and the execution that made it (to find one an aborted execution left). */
export const EVALUATION_RUN_TAG = 'genai-kit:evaluation-run';
export const EVALUATION_EXECUTION_TAG = 'genai-kit:evaluation-execution';
/** Minutes of polling beyond the endpoint's own download and start-up timeouts before the run gives up on it. */
const POLL_MARGIN_MINUTES = 30;
/** How often the run asks whether its temporary endpoint is in service. */
export const ENDPOINT_POLL = Duration.minutes(1);
/** How often, and how many times, the run asks whether a just-registered package is Completed. */
export const PACKAGE_POLL = Duration.seconds(30);
const PACKAGE_POLLS = 20;
/** Endpoint states that may still become InService. */
const PENDING_STATES = ['Creating', 'Updating', 'SystemUpdating'];
const VARIANT_NAME = 'AllTraffic';

/** How many times (one a minute) a workflow asks about a temporary endpoint: its download and start-up timeouts, and a margin. */
export function endpointPolls(hosting: ModelHosting): number {
  return Math.ceil((hosting.modelDataDownloadTimeoutInSeconds + hosting.containerStartupHealthCheckTimeoutInSeconds) / ENDPOINT_POLL.toSeconds()) + POLL_MARGIN_MINUTES;
}

export interface PackageStatesProps {
  readonly endpoints: PackageEndpoints;
  /** Packages the run may deploy (its groups). */
  readonly packageArns: readonly string[];
  readonly topic: sns.ITopic;
  /** Where the run goes once what it deployed is deleted: `$.error` is set when it failed. */
  readonly afterRelease: sfn.IChainable;
}

export interface PackageStates {
  /** Deploys `$.input.candidate.modelPackageArn` on a temporary endpoint and sets `$.input.candidate.endpointName`. */
  readonly deploy: sfn.IChainable;
  /** The last state of deploy: the endpoint is in service. */
  readonly deployed: sfn.INextable;
  /** Deletes whatever deploy created (nothing when it created nothing), notifies what could not be deleted, then goes to afterRelease. */
  readonly release: sfn.IChainable;
}

/**
 * The states that host a model package for its run: a model made from the
 * package itself (so the predictions are surely the package's), an endpoint
 * config and an endpoint in the private network, named `<prefix>-<run id>`
 * and tagged with the run; then, whatever happened, their deletion.
 */
export function packageStates(scope: Construct, props: PackageStatesProps): PackageStates {
  const { endpoints } = props;
  const hosting = endpoints.hosting;
  const onError = { resultPath: '$.error' };
  const tags = [
    { Key: EVALUATION_RUN_TAG, 'Value.$': '$.runId' },
    { Key: EVALUATION_EXECUTION_TAG, 'Value.$': '$$.Execution.Name' },
  ];
  // Release: once the names are chosen every deletion is tried, whatever the creates answered (a create
  // whose answer was lost may have created its resource); "Could not find" means nothing was there.
  // A deletion that fails otherwise is noted, and the next one still runs.
  const leftOver = new tasks.SnsPublish(scope, 'NotifyLeftOver', {
    topic: props.topic,
    subject: 'Evaluation run left a temporary endpoint',
    message: sfn.TaskInput.fromJsonPathAt(
      `States.Format('Evaluation run {} could not delete its temporary SageMaker resources named {} (tag ${EVALUATION_RUN_TAG}={}): {}: {}. An endpoint costs while it runs: delete the endpoint, its config and its model by hand.', $.runId, $.deployment.name, $.runId, $.releaseError.Error, $.releaseError.Cause)`,
    ),
    resultPath: sfn.JsonPath.DISCARD,
  }).addRetry({ ...BACKOFF, errors: API_TRANSIENT });
  leftOver.addCatch(props.afterRelease, { resultPath: sfn.JsonPath.DISCARD, errors: [sfn.Errors.ALL] });
  leftOver.next(props.afterRelease);
  const released = new sfn.Choice(scope, 'ReleasedAll').when(sfn.Condition.isPresent('$.releaseError'), leftOver).otherwise(props.afterRelease);
  const remove = (what: 'Model' | 'EndpointConfig' | 'Endpoint', resource: 'model' | 'endpoint-config' | 'endpoint', next: sfn.IChainable) => {
    const del = sagemakerCall(scope, `DeleteTemporary${what}`, { action: `delete${what}`, iamAction: `sagemaker:Delete${what}`, resources: [endpoints.arns(resource)], parameters: { [`${what}Name.$`]: '$.deployment.name' } });
    const notDeleted = new sfn.Pass(scope, `Temporary${what}NotDeleted`, { inputPath: '$.deleteError', resultPath: '$.releaseError' }).next(next);
    routeDeletion(scope, del, { absentId: `Temporary${what}Absent`, errorPath: '$.deleteError', next, failed: notDeleted });
    return new sfn.Choice(scope, `Release${what}`).when(sfn.Condition.isPresent('$.deployment.name'), del).otherwise(next);
  };
  const releaseModel = remove('Model', 'model', released);
  const releaseConfig = remove('EndpointConfig', 'endpoint-config', releaseModel);
  const release = remove('Endpoint', 'endpoint', releaseConfig);

  // Deploy.
  const name = new sfn.Pass(scope, 'NameTemporaryEndpoint', { parameters: { 'name.$': `States.Format('${endpoints.namePrefix}-{}', $.runId)`, polls: { count: 0 }, packagePolls: { count: 0 } }, resultPath: '$.deployment' });
  // A run started by the registration event may find the package still being registered (Pending, InProgress).
  // This grant also covers CreateModel reading the package.
  const packageState = sagemakerCall(scope, 'CandidatePackageStatus', {
    action: 'describeModelPackage',
    iamAction: 'sagemaker:DescribeModelPackage',
    resources: props.packageArns,
    parameters: { 'ModelPackageName.$': '$.input.candidate.modelPackageArn' },
    result: { path: '$.deployment.package', field: 'ModelPackageStatus', as: 'status' },
  });
  packageState.addCatch(release, { ...onError, errors: [sfn.Errors.ALL] });
  const waitForPackage = new sfn.Wait(scope, 'WaitForCandidatePackage', { time: sfn.WaitTime.duration(PACKAGE_POLL) });
  const countPackagePoll = new sfn.Pass(scope, 'CountCandidatePackagePoll', { parameters: { 'count.$': 'States.MathAdd($.deployment.packagePolls.count, 1)' }, resultPath: '$.deployment.packagePolls' });
  const packageNotReady = new sfn.Pass(scope, 'CandidatePackageNotReady', {
    parameters: { Error: 'CandidatePackageNotReady', 'Cause.$': "States.Format('the model package {} is {}, not Completed: it cannot be hosted', $.input.candidate.modelPackageArn, $.deployment.package.status)" },
    resultPath: '$.error',
  }).next(release);
  const registering = sfn.Condition.or(sfn.Condition.stringEquals('$.deployment.package.status', 'Pending'), sfn.Condition.stringEquals('$.deployment.package.status', 'InProgress'));
  const maxPolls = endpointPolls(hosting);
  const passRole = new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [endpoints.role.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } });
  const addTags = (resource: 'model' | 'endpoint-config' | 'endpoint') => new iam.PolicyStatement({ actions: ['sagemaker:AddTags'], resources: [endpoints.arns(resource)] });
  const createModel = sagemakerCall(scope, 'CreateTemporaryModel', {
    action: 'createModel',
    iamAction: 'sagemaker:CreateModel',
    resources: [endpoints.arns('model')],
    parameters: {
      'ModelName.$': '$.deployment.name',
      ExecutionRoleArn: endpoints.role.roleArn,
      PrimaryContainer: { 'ModelPackageName.$': '$.input.candidate.modelPackageArn' },
      VpcConfig: { Subnets: endpoints.subnetIds, SecurityGroupIds: endpoints.securityGroupIds },
      EnableNetworkIsolation: true,
      Tags: tags,
    },
    result: { path: '$.deployment.model', field: 'ModelArn' },
    more: [passRole, addTags('model')],
  });
  const volumeKey = endpoints.volumeKey;
  const createConfig = sagemakerCall(scope, 'CreateTemporaryEndpointConfig', {
    action: 'createEndpointConfig',
    iamAction: 'sagemaker:CreateEndpointConfig',
    resources: [endpoints.arns('endpoint-config')],
    parameters: {
      'EndpointConfigName.$': '$.deployment.name',
      ProductionVariants: [
        {
          VariantName: VARIANT_NAME,
          'ModelName.$': '$.deployment.name',
          InstanceType: hosting.instanceType,
          InitialInstanceCount: 1,
          ModelDataDownloadTimeoutInSeconds: hosting.modelDataDownloadTimeoutInSeconds,
          ContainerStartupHealthCheckTimeoutInSeconds: hosting.containerStartupHealthCheckTimeoutInSeconds,
          ...(hosting.volumeSizeInGb === undefined ? {} : { VolumeSizeInGB: hosting.volumeSizeInGb }),
        },
      ],
      ...(volumeKey === undefined ? {} : { KmsKeyId: volumeKey.keyArn }),
      Tags: tags,
    },
    result: { path: '$.deployment.config', field: 'EndpointConfigArn' },
    more: [addTags('endpoint-config')],
  });
  const createEndpoint = sagemakerCall(scope, 'CreateTemporaryEndpoint', {
    action: 'createEndpoint',
    iamAction: 'sagemaker:CreateEndpoint',
    resources: [endpoints.arns('endpoint'), endpoints.arns('endpoint-config')],
    parameters: { 'EndpointName.$': '$.deployment.name', 'EndpointConfigName.$': '$.deployment.name', Tags: tags },
    result: { path: '$.deployment.endpoint', field: 'EndpointArn' },
    more: [
      addTags('endpoint'),
      // SageMaker encrypts the endpoint's volume with a grant it creates on the caller's behalf.
      ...(volumeKey === undefined
        ? []
        : [
            new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: [volumeKey.keyArn], conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }),
            // kms:GrantIsForAWSResource exists only for the grant actions: DescribeKey needs a statement of its own.
            new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: [volumeKey.keyArn] }),
          ]),
    ],
  });
  const wait = new sfn.Wait(scope, 'WaitForTemporaryEndpoint', { time: sfn.WaitTime.duration(ENDPOINT_POLL) });
  const describe = sagemakerCall(scope, 'DescribeTemporaryEndpoint', {
    action: 'describeEndpoint',
    iamAction: 'sagemaker:DescribeEndpoint',
    resources: [endpoints.arns('endpoint')],
    parameters: { 'EndpointName.$': '$.deployment.name' },
    result: { path: '$.deployment.state', field: 'EndpointStatus', as: 'status' },
  });
  const countPoll = new sfn.Pass(scope, 'CountTemporaryEndpointPoll', { parameters: { 'count.$': 'States.MathAdd($.deployment.polls.count, 1)' }, resultPath: '$.deployment.polls' });
  const timedOut = new sfn.Pass(scope, 'TemporaryEndpointTimedOut', {
    parameters: {
      Error: 'TemporaryEndpointTimedOut',
      'Cause.$': `States.Format('the temporary endpoint {} of {} was still {} after ${maxPolls} minutes (its download and start-up timeouts and ${POLL_MARGIN_MINUTES} minutes more)', $.deployment.name, $.input.candidate.modelPackageArn, $.deployment.state.status)`,
    },
    resultPath: '$.error',
  }).next(release);
  const notServing = new sfn.Pass(scope, 'TemporaryEndpointFailed', {
    parameters: {
      Error: 'TemporaryEndpointFailed',
      'Cause.$': "States.Format('the temporary endpoint {} of {} ended {} instead of InService: its CloudWatch logs /aws/sagemaker/Endpoints/{} say why', $.deployment.name, $.input.candidate.modelPackageArn, $.deployment.state.status, $.deployment.name)",
    },
    resultPath: '$.error',
  }).next(release);
  const deployed = new sfn.Pass(scope, 'UseTemporaryEndpoint', { comment: 'The candidate is the package, served by the endpoint made from it', inputPath: '$.deployment.name', resultPath: '$.input.candidate.endpointName' });
  const pending = sfn.Condition.or(...PENDING_STATES.map((state) => sfn.Condition.stringEquals('$.deployment.state.status', state)));
  const ready = new sfn.Choice(scope, 'TemporaryEndpointReady')
    .when(sfn.Condition.stringEquals('$.deployment.state.status', 'InService'), deployed)
    .when(sfn.Condition.and(pending, sfn.Condition.numberLessThan('$.deployment.polls.count', maxPolls)), wait)
    .when(pending, timedOut)
    .otherwise(notServing);
  for (const step of [createModel, createConfig, createEndpoint, describe]) step.addCatch(release, { ...onError, errors: [sfn.Errors.ALL] });
  const packageReady = new sfn.Choice(scope, 'CandidatePackageReady')
    .when(sfn.Condition.stringEquals('$.deployment.package.status', 'Completed'), createModel)
    .when(sfn.Condition.and(registering, sfn.Condition.numberLessThan('$.deployment.packagePolls.count', PACKAGE_POLLS)), waitForPackage)
    .otherwise(packageNotReady);
  waitForPackage.next(countPackagePoll).next(packageState);
  createModel.next(createConfig).next(createEndpoint).next(wait).next(describe).next(countPoll).next(ready);
  const deploy = name.next(packageState).next(packageReady);
  return { deploy, deployed, release };
}
