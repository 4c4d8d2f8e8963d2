import type { CfnResource } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { StateMachine } from 'aws-local-stepfunctions';
import { evaluationFixture } from '../helpers/evaluation';
import { definitionOf } from '../helpers/pipeline';

// The cleanup after evaluation executions that ended FAILED, TIMED_OUT or
// ABORTED (whether Step Functions ended them or their own Catch did):
// template assertions, then the synthesized cleanup workflow run locally over
// a fake SageMaker that answers like the real one (Search by tag and name
// from an index that may lag, live statuses, "Could not find" for what is
// not there) and a fake Step Functions telling whether the execution runs
// again.
const { stack, pipeline, template } = evaluationFixture();
const prefix = pipeline.packageEndpoints!.namePrefix;
const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
const cleanupId = logicalId(pipeline.packageCleanup!.stateMachine);
const evaluationId = logicalId(pipeline.stateMachine);
const definition = definitionOf(template, 'EvaluationPackageCleanup');
const arn = (resource: string) => `arn:aws:sagemaker:us-east-1:111122223333:${resource}/${prefix}-*`;
const policyOf = (roleId: string) => Object.values(template.findResources('AWS::IAM::Policy')).find((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))!;
const cleanupRoleId = logicalId(pipeline.packageCleanup!.stateMachine.role as never);

describe('template', () => {
  test('starts the cleanup on the evaluation workflow\'s failed, timed-out and aborted executions, with the whole event and a dead-letter queue', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((rule) => rule.Properties.Targets.some((target: { Arn: unknown }) => JSON.stringify(target.Arn) === JSON.stringify({ Ref: cleanupId })));
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: evaluationId }] },
    });
    const [target] = rules[0].Properties.Targets;
    expect(target).toEqual({
      Id: expect.any(String),
      Arn: { Ref: cleanupId },
      RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^EvaluationPackageCleanupEventsRole/), 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(pipeline.packageCleanup!.deadLetterQueue), 'Arn'] } },
      RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
    });
    // The rule may start this workflow and nothing else.
    const start = policyOf(target.RoleArn['Fn::GetAtt'][0]).Properties.PolicyDocument.Statement;
    expect(start).toEqual([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: cleanupId } }]);
    // Its own AwsSolutions-SQS3 acknowledgement is checked where the packs run (cdk synth).
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  });

  test('searches for endpoints tagged with the ended execution\'s name and named with the pipeline\'s prefix', () => {
    const search = definition.States.FindLeftEndpoints;
    expect(search.Resource).toBe('arn:aws:states:::aws-sdk:sagemaker:search');
    expect(search.Parameters).toEqual({
      Resource: 'Endpoint',
      SearchExpression: {
        Operator: 'And',
        Filters: [
          { Name: 'Tags.genai-kit:evaluation-execution', Operator: 'Equals', 'Value.$': '$.detail.name' },
          { Name: 'EndpointName', Operator: 'Contains', Value: `${prefix}-` },
        ],
      },
      MaxResults: 10,
    });
    expect(definition.StartAt).toBe('WaitForSearchIndex');
    expect(definition.States.WaitForSearchIndex.Seconds).toBe(120);
    // Nothing found: once more at about 15 minutes after the start (2 + 13), before it ends quietly.
    expect(definition.States.WaitToSearchAgain.Seconds).toBe(780);
    expect(definition.States.SearchAgain.Next).toBe('FindLeftEndpoints');
    expect(definition.States.DeleteLeftEndpoints.ItemsPath).toBe('$.search.Results');
  });

  test('asks Step Functions, before deleting, about the ended execution named in the event', () => {
    const map = definition.States.DeleteLeftEndpoints;
    expect(map.ItemSelector['executionArn.$']).toBe('$.detail.executionArn');
    const check = map.ItemProcessor.States.DescribeEndedExecution;
    expect(check.Resource).toBe('arn:aws:states:::aws-sdk:sfn:describeExecution');
    expect(check.Parameters).toEqual({ 'ExecutionArn.$': '$.executionArn' });
    // AWS SDK integrations answer in PascalCase: a camelCase path would end the item with States.Runtime.
    expect(check.ResultSelector).toEqual({ 'status.$': '$.Status' });
  });

  test('times out only after its longest path: the second search, an endpoint\'s polls, and an hour for the calls and their retries', () => {
    // 15 minutes to the second search, 60 polls a minute apart (900 s download + 900 s start-up, and 30 minutes more), 60 minutes.
    expect(definition.TimeoutSeconds).toBe((15 + 60 + 60) * 60);
  });

  test('may delete and describe only resources of the prefix, and describe only executions of the evaluation workflow; Search, which takes no resource ARN, and the executions\' wildcard are acknowledged with their reasons', () => {
    const policy = policyOf(cleanupRoleId);
    const statements: { Action: string | string[]; Resource: unknown }[] = policy.Properties.PolicyDocument.Statement;
    const resourcesOf = (action: string) => statements.filter((statement) => [statement.Action].flat().includes(action)).map((statement) => statement.Resource);
    expect(resourcesOf('sagemaker:DeleteEndpoint')).toEqual([arn('endpoint')]);
    expect(resourcesOf('sagemaker:DescribeEndpoint')).toEqual([arn('endpoint')]);
    expect(resourcesOf('sagemaker:DeleteEndpointConfig')).toEqual([arn('endpoint-config')]);
    expect(resourcesOf('sagemaker:DeleteModel')).toEqual([arn('model')]);
    expect(resourcesOf('sagemaker:Search')).toEqual(['*']);
    const sagemaker = statements.flatMap((statement) => [statement.Action].flat()).filter((action) => action.startsWith('sagemaker:'));
    expect(sagemaker.sort()).toEqual(['sagemaker:DeleteEndpoint', 'sagemaker:DeleteEndpointConfig', 'sagemaker:DeleteModel', 'sagemaker:DescribeEndpoint', 'sagemaker:Search']);
    const executions = 'arn:aws:states:us-east-1:111122223333:execution:';
    expect(resourcesOf('states:DescribeExecution')).toEqual([{ 'Fn::Join': ['', [executions, { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: evaluationId }] }] }, ':*']] }]);
    const stepFunctions = statements.flatMap((statement) => [statement.Action].flat()).filter((action) => action.startsWith('states:'));
    expect(stepFunctions).toEqual(['states:DescribeExecution']);
    expect(policy.Metadata.cdk_nag.rules_to_suppress).toEqual(
      expect.arrayContaining([
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: expect.stringMatching(/sagemaker:Search takes none either: the cleanup asks only for endpoints tagged genai-kit:evaluation-execution=<the ended execution> and named with this pipeline's prefix/) },
        { id: `AwsSolutions-IAM5[Resource::${arn('endpoint')}]`, reason: expect.stringContaining('the prefix is this pipeline\'s own') },
        { id: `AwsSolutions-IAM5[Resource::arn:aws:states:us-east-1:111122223333:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${evaluationId}"}]}]}:*]`, reason: expect.stringMatching(/was redriven and runs again; .* the executions of the evaluation workflow only$/) },
      ]),
    );
  });

  test('is a kit workflow: logged with its data, traced, and noticed when it ends abnormally itself', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: true },
      DefinitionString: Match.anyValue(),
      RoleArn: { 'Fn::GetAtt': [cleanupRoleId, 'Arn'] },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: cleanupId }] } }),
      Targets: [Match.objectLike({ InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp('Evaluation cleanup: execution') }) })],
    });
  });

  test('creates nothing when the pipeline hosts no model packages', () => {
    const { pipeline: unhosted, template: plain } = evaluationFixture({ packageDeployment: undefined });
    expect(unhosted.packageCleanup).toBeUndefined();
    plain.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    plain.resourceCountIs('AWS::SQS::Queue', 0);
    expect(JSON.stringify(plain.toJSON())).not.toMatch(/sagemaker:Search|PackageCleanup/);
  });
});

// A fake SageMaker holding endpoints (with their config, live status, search-index entry and execution tag), configs and models,
// and a fake Step Functions that tells the ended execution's status now.
/** What DescribeEndpoint finds once an endpoint's deletion has ended: nothing ("Could not find"). */
const GONE = 'gone';
/** Statuses in which SageMaker refuses DeleteEndpoint. */
const CHANGING = ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting'];
interface FakeEndpoint {
  readonly config: string;
  readonly execution: string;
  /** The status the search index shows, which may lag behind the live one. */
  readonly listed: string;
  /** The first search (1-based) whose index lists the endpoint. */
  readonly listedFrom: number;
  /** Live statuses: DescribeEndpoint answers them in turn (the last one stays); GONE ends the endpoint. */
  statuses: string[];
}
interface Fake {
  readonly endpoints: Map<string, FakeEndpoint>;
  readonly configs: Set<string>;
  readonly models: Set<string>;
  /** What DescribeExecution answers for the ended execution. */
  readonly executionStatus: string;
}

const NAME = `${prefix}-0f5e7a42-1111-4222-8333-944445555666`;
const EXECUTION = 'run-42';
const EXECUTION_ARN = `arn:aws:states:us-east-1:111122223333:execution:evaluation:${EXECUTION}`;
const EVENT = {
  version: '0',
  id: 'b1c7-event',
  'detail-type': 'Step Functions Execution Status Change',
  source: 'aws.states',
  account: '111122223333',
  time: '2026-11-28T21:40:00Z',
  region: 'us-east-1',
  resources: [EXECUTION_ARN],
  detail: {
    executionArn: EXECUTION_ARN,
    stateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:evaluation',
    name: EXECUTION,
    status: 'ABORTED',
    startDate: 1795901000000,
    stopDate: 1795902000000,
    input: '{"candidate":{"kind":"model-package"}}',
    output: null,
  },
};

interface FakeEndpointOptions {
  readonly name: string;
  readonly execution: string;
  /** @default ['InService'] */
  readonly statuses?: string[];
  /** @default the first live status */
  readonly listed?: string;
  /** @default 1 */
  readonly listedFrom?: number;
}

/** Temporary endpoints (each with its config and model, named like it) and the ended execution's status now. */
function fakeWith(endpoints: FakeEndpointOptions[], executionStatus = 'ABORTED'): Fake {
  const fake: Fake = { endpoints: new Map(), configs: new Set(), models: new Set(), executionStatus };
  for (const endpoint of endpoints) {
    const statuses = endpoint.statuses ?? ['InService'];
    fake.endpoints.set(endpoint.name, { config: endpoint.name, execution: endpoint.execution, listed: endpoint.listed ?? statuses[0], listedFrom: endpoint.listedFrom ?? 1, statuses });
    fake.configs.add(endpoint.name);
    fake.models.add(endpoint.name);
  }
  return fake;
}

const sageMakerError = (name: string, message: string) => Object.assign(new Error(message), { name: `SageMaker.${name}` });

interface Run {
  readonly searches: any[];
  /** SageMaker and Step Functions calls by state name, in order. */
  readonly calls: { state: string; request: any }[];
  readonly deleted: any[];
  readonly notDeleted: any[];
  readonly searchFailed: any[];
  readonly error?: any;
}

interface CleanUpOptions {
  /** Errors thrown by the calls of these states. */
  readonly failing?: Partial<Record<string, Error>>;
  /** What every search answers, instead of the fake's endpoints. */
  readonly searchAnswer?: unknown;
}

async function cleanUp(fake: Fake, { failing = {}, searchAnswer }: CleanUpOptions = {}): Promise<Run> {
  const run = { searches: [] as any[], calls: [] as { state: string; request: any }[], deleted: [] as any[], notDeleted: [] as any[], searchFailed: [] as any[] };
  const record = (list: any[]) => async (request: any) => {
    list.push(request);
    return {} as never;
  };
  const call = (state: string, answer: (request: any) => unknown) => async (request: any) => {
    run.calls.push({ state, request });
    const failure = failing[state];
    if (failure !== undefined) throw failure;
    return answer(request) as never;
  };
  const notFound = (kind: string, name: string) => sageMakerError('ValidationException', `Could not find ${kind} "arn:aws:sagemaker:us-east-1:111122223333:${kind}/${name}".`);
  const remove = (set: { delete: (name: string) => boolean }, kind: string, name: string) => {
    if (!set.delete(name)) throw notFound(kind, name);
    return {};
  };
  const search = async (request: any) => {
    run.searches.push(request);
    if (failing.FindLeftEndpoints !== undefined) throw failing.FindLeftEndpoints;
    if (searchAnswer !== undefined) return searchAnswer as never;
    const [tag, name] = request.SearchExpression.Filters;
    const found = [...fake.endpoints].filter(([endpointName, endpoint]) => endpoint.execution === tag.Value && endpointName.includes(name.Value) && endpoint.listedFrom <= run.searches.length);
    return {
      Results: found.map(([endpointName, endpoint]) => ({
        Endpoint: { EndpointName: endpointName, EndpointArn: `arn:aws:sagemaker:us-east-1:111122223333:endpoint/${endpointName}`, EndpointConfigName: endpoint.config, EndpointStatus: endpoint.listed, Tags: [{ Key: 'genai-kit:evaluation-execution', Value: endpoint.execution }] },
      })),
    } as never;
  };
  /** The endpoint's live status: the next one after each DescribeEndpoint; one whose deletion ended is no more. */
  const live = (name: string, describing: boolean) => {
    const endpoint = fake.endpoints.get(name);
    const status = endpoint?.statuses[0] ?? GONE;
    if (describing && endpoint !== undefined && endpoint.statuses.length > 1) endpoint.statuses.shift();
    if (status === GONE) {
      fake.endpoints.delete(name);
      throw notFound('endpoint', name);
    }
    return status;
  };
  const describe = (request: any) => ({ EndpointName: request.EndpointName, EndpointStatus: live(request.EndpointName, true) });
  const deleteEndpoint = (request: any) => {
    const status = live(request.EndpointName, false);
    if (CHANGING.includes(status)) throw sageMakerError('ValidationException', `Cannot delete endpoint "${request.EndpointName}" in ${status} status.`);
    return remove(fake.endpoints, 'endpoint', request.EndpointName);
  };
  const machine = new StateMachine(JSON.parse(JSON.stringify(definition)), { validationOptions: { checkArn: false, checkPaths: false, noValidate: true } });
  const execution = machine.run(EVENT as never, {
    context: { Execution: { Id: 'arn:aws:states:us-east-1:111122223333:execution:cleanup:b1c7-event', Name: 'b1c7-event', Input: EVENT, StartTime: '2026-11-28T21:40:01Z' } } as never,
    overrides: {
      taskResourceLocalHandlers: {
        FindLeftEndpoints: search,
        DescribeLeftEndpoint: call('DescribeLeftEndpoint', describe),
        DescribeEndedExecution: call('DescribeEndedExecution', (request) => ({ ExecutionArn: request.ExecutionArn, Name: EXECUTION, Status: fake.executionStatus })),
        DeleteLeftEndpoint: call('DeleteLeftEndpoint', deleteEndpoint),
        DeleteLeftEndpointConfig: call('DeleteLeftEndpointConfig', (request) => remove(fake.configs, 'endpoint-config', request.EndpointConfigName)),
        DeleteLeftModel: call('DeleteLeftModel', (request) => remove(fake.models, 'model', request.ModelName)),
        NotifyLeftEndpointDeleted: record(run.deleted),
        NotifyLeftEndpointNotDeleted: record(run.notDeleted),
        NotifySearchFailed: record(run.searchFailed),
      },
      waitTimeOverrides: { WaitForSearchIndex: 0, WaitToSearchAgain: 0, WaitForLeftEndpoint: 0 },
      retryIntervalOverrides: { FindLeftEndpoints: 0, DescribeLeftEndpoint: 0, DescribeEndedExecution: 0, DeleteLeftEndpoint: 0, DeleteLeftEndpointConfig: 0, DeleteLeftModel: 0 },
    },
  });
  try {
    await execution.result;
    return run;
  } catch (error) {
    return { ...run, error };
  }
}

/** What the cleanup asks before it deletes: the endpoint's live status, then whether the ended execution runs again. */
const CHECKS = ['DescribeLeftEndpoint', 'DescribeEndedExecution'];
const DELETIONS = ['DeleteLeftEndpoint', 'DeleteLeftEndpointConfig', 'DeleteLeftModel'];
const states = (run: Run) => run.calls.map((call) => call.state);
const LEFT = `Evaluation execution ${EXECUTION} ended ABORTED and left its temporary SageMaker endpoint ${NAME}`;

describe('a run of the cleanup', () => {
  test('deletes the endpoint, config and model an aborted execution left, and tells the topic; another execution\'s are left alone', async () => {
    const other = `${prefix}-99999999-1111-4222-8333-944445555666`;
    const fake = fakeWith([
      { name: NAME, execution: EXECUTION },
      { name: other, execution: 'run-43' },
    ]);
    const run = await cleanUp(fake);
    expect(run.error).toBeUndefined();
    expect(run.searches).toEqual([
      expect.objectContaining({ Resource: 'Endpoint', SearchExpression: expect.objectContaining({ Filters: [expect.objectContaining({ Value: EXECUTION }), expect.objectContaining({ Value: `${prefix}-` })] }) }),
    ]);
    expect(states(run)).toEqual([...CHECKS, ...DELETIONS]);
    expect(run.calls.map((call) => Object.values(call.request))).toEqual([[NAME], [EXECUTION_ARN], [NAME], [NAME], [NAME]]);
    expect([...fake.endpoints.keys(), ...fake.configs, ...fake.models]).toEqual([other, other, other]);
    expect(run.deleted).toHaveLength(1);
    expect(run.deleted[0].Subject).toBe('Evaluation cleanup deleted a temporary endpoint');
    expect(run.deleted[0].Message).toBe(`${LEFT}: the cleanup deleted it, with its endpoint config ${NAME} and its model.`);
    expect(run.notDeleted).toHaveLength(0);
  });

  test('waits while the endpoint is still being created, then deletes it', async () => {
    const fake = fakeWith([{ name: NAME, execution: EXECUTION, statuses: ['Creating', 'Creating', 'InService'] }]);
    const run = await cleanUp(fake);
    expect(run.error).toBeUndefined();
    expect(states(run)).toEqual(['DescribeLeftEndpoint', 'DescribeLeftEndpoint', 'DescribeLeftEndpoint', 'DescribeEndedExecution', ...DELETIONS]);
    expect(fake.endpoints.size).toBe(0);
    expect(run.deleted).toHaveLength(1);
  });

  test('decides on the endpoint\'s live status, not the search index\'s: one the run is deleting is waited for, not deleted again, and nobody is asked to delete it by hand', async () => {
    // The run's own release has just deleted the endpoint (still Deleting), its config and its model; the index still lists it InService.
    const fake = fakeWith([{ name: NAME, execution: EXECUTION, listed: 'InService', statuses: ['Deleting', GONE] }]);
    fake.configs.delete(NAME);
    fake.models.delete(NAME);
    const run = await cleanUp(fake);
    expect(run.error).toBeUndefined();
    expect([...run.deleted, ...run.notDeleted, ...run.searchFailed]).toHaveLength(0);
    // DescribeEndpoint's "Could not find" counts as gone: no DeleteEndpoint; the config and model deletions find nothing either.
    expect(states(run)).toEqual(['DescribeLeftEndpoint', 'DescribeLeftEndpoint', 'DescribeEndedExecution', 'DeleteLeftEndpointConfig', 'DeleteLeftModel']);
  });

  test('gives up waiting after the endpoint\'s start-up timeouts and a margin, tries the deletion anyway and notifies what it could not delete', async () => {
    const fake = fakeWith([{ name: NAME, execution: EXECUTION, statuses: Array.from({ length: 100 }, () => 'Creating') }]);
    const run = await cleanUp(fake);
    // A description at once, then one a minute for 900 s download + 900 s start-up and 30 minutes more.
    expect(states(run).filter((state) => state === 'DescribeLeftEndpoint')).toHaveLength(61);
    expect(states(run).slice(-2)).toEqual(['DescribeEndedExecution', 'DeleteLeftEndpoint']);
    expect(run.notDeleted).toHaveLength(1);
    expect(run.notDeleted[0].Message).toMatch(/could not delete its endpoint: SageMaker\.ValidationException: Cannot delete endpoint .* in Creating status/);
  });

  test('searches once more, about 15 minutes after the execution ended, when the first search finds nothing, and deletes what the index lists by then', async () => {
    const fake = fakeWith([{ name: NAME, execution: EXECUTION, listedFrom: 2 }]);
    const run = await cleanUp(fake);
    expect(run.error).toBeUndefined();
    expect(run.searches).toHaveLength(2);
    expect(run.searches[1]).toEqual(run.searches[0]);
    expect(states(run)).toEqual([...CHECKS, ...DELETIONS]);
    expect(fake.endpoints.size + fake.configs.size + fake.models.size).toBe(0);
    expect(run.deleted).toHaveLength(1);
  });

  test('ends quietly when the execution left nothing, after the second search: no deletion, no notice', async () => {
    for (const searchAnswer of [undefined, { Results: [] }, {}]) {
      const run = await cleanUp(fakeWith([{ name: NAME, execution: 'run-43' }]), { searchAnswer });
      expect(run.error).toBeUndefined();
      expect(run.searches).toHaveLength(2);
      expect(run.calls).toHaveLength(0);
      expect([...run.deleted, ...run.notDeleted, ...run.searchFailed]).toHaveLength(0);
    }
  });

  test('leaves alone, quietly, the endpoint of an execution redriven since: it runs again under the same name', async () => {
    for (const status of ['RUNNING', 'PENDING_REDRIVE']) {
      const fake = fakeWith([{ name: NAME, execution: EXECUTION }], status);
      const run = await cleanUp(fake);
      expect(run.error).toBeUndefined();
      expect([...fake.endpoints.keys(), ...fake.configs, ...fake.models]).toEqual([NAME, NAME, NAME]);
      expect([...run.deleted, ...run.notDeleted]).toHaveLength(0);
      expect(states(run)).toEqual(CHECKS);
      expect(run.calls[1].request).toEqual({ ExecutionArn: EXECUTION_ARN });
    }
  });

  test('still deletes when Step Functions cannot tell whether the execution runs again', async () => {
    const fake = fakeWith([{ name: NAME, execution: EXECUTION }]);
    const denied = Object.assign(new Error('not authorized to perform: states:DescribeExecution'), { name: 'Sfn.AccessDeniedException' });
    const run = await cleanUp(fake, { failing: { DescribeEndedExecution: denied } });
    expect(run.error).toBeUndefined();
    expect(states(run).filter((state) => state.startsWith('Delete'))).toEqual(DELETIONS);
    expect(fake.endpoints.size).toBe(0);
    expect(run.deleted).toHaveLength(1);
  });

  test('counts an endpoint SageMaker "Could not find" as deleted: its config and model are still deleted, and nothing is left to do by hand', async () => {
    // The search index still lists, in service, an endpoint the run deleted just before it ended (but not its config and model).
    const fake = fakeWith([{ name: NAME, execution: EXECUTION }]);
    fake.endpoints.delete(NAME);
    const stale = { Results: [{ Endpoint: { EndpointName: NAME, EndpointConfigName: NAME, EndpointStatus: 'InService' } }] };
    const run = await cleanUp(fake, { searchAnswer: stale });
    expect(run.error).toBeUndefined();
    expect(states(run)).toEqual([...CHECKS, 'DeleteLeftEndpointConfig', 'DeleteLeftModel']);
    expect(fake.configs.size + fake.models.size).toBe(0);
    expect(run.notDeleted).toHaveLength(0);
    // The cleanup deleted no endpoint: the run had, and the execution's own notice already told the topic how it ended.
    expect(run.deleted).toHaveLength(0);
  });

  test('notifies an endpoint it could not delete, keeping its config and model so it stays describable', async () => {
    const fake = fakeWith([{ name: NAME, execution: EXECUTION }]);
    const denied = sageMakerError('AccessDeniedException', 'User is not authorized to perform: sagemaker:DeleteEndpoint');
    const run = await cleanUp(fake, { failing: { DeleteLeftEndpoint: denied } });
    expect(run.error).toBeUndefined();
    expect(states(run)).toEqual([...CHECKS, 'DeleteLeftEndpoint']);
    expect(fake.configs.has(NAME) && fake.models.has(NAME)).toBe(true);
    expect(run.deleted).toHaveLength(0);
    expect(run.notDeleted).toHaveLength(1);
    expect(run.notDeleted[0].Subject).toBe('Evaluation left a temporary endpoint: delete it by hand');
    expect(run.notDeleted[0].Message).toBe(
      `${LEFT}; the cleanup could not delete its endpoint: SageMaker.AccessDeniedException: User is not authorized to perform: sagemaker:DeleteEndpoint. An endpoint costs while it runs: delete the endpoint ${NAME}, its endpoint config ${NAME} and its model ${NAME} by hand.`,
    );
  });

  test('notifies both a config and a model it could not delete, in one notice that does not ask to delete the endpoint', async () => {
    const fake = fakeWith([{ name: NAME, execution: EXECUTION }]);
    const run = await cleanUp(fake, {
      failing: { DeleteLeftEndpointConfig: sageMakerError('InternalFailure', 'We encountered an internal error'), DeleteLeftModel: sageMakerError('AccessDeniedException', 'not authorized to perform: sagemaker:DeleteModel') },
    });
    expect(run.error).toBeUndefined();
    expect(run.notDeleted).toHaveLength(1);
    expect(run.notDeleted[0].Message).not.toMatch(/delete the endpoint /);
    expect(run.notDeleted[0].Message).toBe(
      `${LEFT}; the endpoint is deleted, but the cleanup could not delete its endpoint config ${NAME} (SageMaker.InternalFailure: We encountered an internal error) nor its model ${NAME} (SageMaker.AccessDeniedException: not authorized to perform: sagemaker:DeleteModel). Delete the endpoint config and the model by hand.`,
    );
    expect(run.notDeleted[0].Subject).toBe('Evaluation cleanup could not delete an endpoint config and a model: delete them by hand');
    expect(run.deleted).toHaveLength(0);
    expect(states(run)).toEqual([...CHECKS, ...DELETIONS]);
    expect(fake.endpoints.size).toBe(0);
  });

  test.each([
    ['DeleteLeftEndpointConfig', 'an endpoint config', `its endpoint config ${NAME}`, 'the endpoint config', 'model'],
    ['DeleteLeftModel', 'a model', `its model ${NAME}`, 'the model', 'endpoint config'],
  ])('notifies only what is left when %s fails, and still deletes the rest', async (state, what, named, left, rest) => {
    const fake = fakeWith([{ name: NAME, execution: EXECUTION }]);
    const run = await cleanUp(fake, { failing: { [state]: sageMakerError('InternalFailure', 'We encountered an internal error') } });
    expect(run.error).toBeUndefined();
    expect(states(run)).toEqual([...CHECKS, ...DELETIONS]);
    expect(fake.endpoints.size).toBe(0);
    expect(rest === 'model' ? fake.models.size : fake.configs.size).toBe(0);
    expect(run.notDeleted).toHaveLength(1);
    expect(run.notDeleted[0].Subject).toBe(`Evaluation cleanup could not delete ${what}: delete it by hand`);
    expect(run.notDeleted[0].Message).toBe(`${LEFT}; the endpoint is deleted, but the cleanup could not delete ${named}: SageMaker.InternalFailure: We encountered an internal error. Delete ${left} by hand.`);
  });

  test('skips an endpoint whose name only contains the prefix: not this pipeline\'s', async () => {
    const foreign = `copy-of-${NAME}`;
    const run = await cleanUp(fakeWith([{ name: foreign, execution: EXECUTION }]));
    expect(run.error).toBeUndefined();
    expect(run.calls).toHaveLength(0);
    expect([...run.deleted, ...run.notDeleted]).toHaveLength(0);
  });

  test('fails when it cannot search, telling the topic what to look for by hand', async () => {
    const run = await cleanUp(fakeWith([{ name: NAME, execution: EXECUTION }]), { failing: { FindLeftEndpoints: sageMakerError('AccessDeniedException', 'not authorized to perform: sagemaker:Search') } });
    expect(run.error).toBeDefined();
    expect(run.calls).toHaveLength(0);
    expect(run.searchFailed).toHaveLength(1);
    expect(run.searchFailed[0].Message).toBe(
      `Evaluation execution ${EXECUTION} ended ABORTED; the cleanup could not look for the temporary endpoint it may have left: SageMaker.AccessDeniedException: not authorized to perform: sagemaker:Search. An endpoint costs while it runs: look for SageMaker endpoints named ${prefix}-* tagged genai-kit:evaluation-execution=${EXECUTION} and delete each, its endpoint config and its model by hand.`,
    );
  });
});
