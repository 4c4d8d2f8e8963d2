import type { CfnResource } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { StateMachine } from 'aws-local-stepfunctions';
import { evaluationFixture } from '../helpers/evaluation';
import { definitionOf } from '../helpers/pipeline';

// The cleanup after evaluation executions Step Functions ended itself
// (aborted, timed out, failed where no Catch ran): template assertions, then
// the synthesized cleanup workflow run locally over a fake SageMaker that
// answers like the real one (Search by tag and name, "Could not find" for
// what is not there).
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
    expect(definition.States.DeleteLeftEndpoints.ItemsPath).toBe('$.search.Results');
  });

  test('may delete and describe only resources of the prefix; Search, which takes no resource ARN, is acknowledged with its reason', () => {
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
    expect(policy.Metadata.cdk_nag.rules_to_suppress).toEqual(
      expect.arrayContaining([
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: expect.stringMatching(/sagemaker:Search takes none either: the cleanup asks only for endpoints tagged genai-kit:evaluation-execution=<the ended execution> and named with this pipeline's prefix/) },
        { id: `AwsSolutions-IAM5[Resource::${arn('endpoint')}]`, reason: expect.stringContaining('the prefix is this pipeline\'s own') },
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

// A fake SageMaker holding endpoints (with their config, status and execution tag), configs and models.
interface FakeEndpoint {
  readonly config: string;
  readonly execution: string;
  /** Statuses DescribeEndpoint answers in turn (the last one stays); the first is what Search sees. */
  statuses: string[];
}
interface Fake {
  readonly endpoints: Map<string, FakeEndpoint>;
  readonly configs: Set<string>;
  readonly models: Set<string>;
}

const NAME = `${prefix}-0f5e7a42-1111-4222-8333-944445555666`;
const EXECUTION = 'run-42';
const EVENT = {
  version: '0',
  id: 'b1c7-event',
  'detail-type': 'Step Functions Execution Status Change',
  source: 'aws.states',
  account: '111122223333',
  time: '2026-11-28T21:40:00Z',
  region: 'us-east-1',
  resources: [`arn:aws:states:us-east-1:111122223333:execution:evaluation:${EXECUTION}`],
  detail: {
    executionArn: `arn:aws:states:us-east-1:111122223333:execution:evaluation:${EXECUTION}`,
    stateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:evaluation',
    name: EXECUTION,
    status: 'ABORTED',
    startDate: 1795901000000,
    stopDate: 1795902000000,
    input: '{"candidate":{"kind":"model-package"}}',
    output: null,
  },
};

/** One temporary endpoint of `execution` (its config and model named like it), first seen in `statuses[0]`. */
function fakeWith(endpoints: { name: string; execution: string; statuses?: string[] }[]): Fake {
  const fake: Fake = { endpoints: new Map(), configs: new Set(), models: new Set() };
  for (const endpoint of endpoints) {
    fake.endpoints.set(endpoint.name, { config: endpoint.name, execution: endpoint.execution, statuses: endpoint.statuses ?? ['InService'] });
    fake.configs.add(endpoint.name);
    fake.models.add(endpoint.name);
  }
  return fake;
}

const sageMakerError = (name: string, message: string) => Object.assign(new Error(message), { name: `SageMaker.${name}` });

interface Run {
  readonly searches: any[];
  /** SageMaker calls by state name, in order. */
  readonly calls: { state: string; request: any }[];
  readonly deleted: any[];
  readonly notDeleted: any[];
  readonly searchFailed: any[];
  readonly error?: any;
}

async function cleanUp(fake: Fake, failing: Partial<Record<string, Error>> = {}, searchAnswer?: unknown): Promise<Run> {
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
  const remove = (set: { delete: (name: string) => boolean }, kind: string, name: string) => {
    if (!set.delete(name)) throw sageMakerError('ValidationException', `Could not find ${kind} "arn:aws:sagemaker:us-east-1:111122223333:${kind}/${name}".`);
    return {};
  };
  const search = async (request: any) => {
    run.searches.push(request);
    if (failing.FindLeftEndpoints !== undefined) throw failing.FindLeftEndpoints;
    if (searchAnswer !== undefined) return searchAnswer as never;
    const [tag, name] = request.SearchExpression.Filters;
    const found = [...fake.endpoints].filter(([endpointName, endpoint]) => endpoint.execution === tag.Value && endpointName.includes(name.Value));
    return {
      Results: found.map(([endpointName, endpoint]) => ({
        Endpoint: { EndpointName: endpointName, EndpointArn: `arn:aws:sagemaker:us-east-1:111122223333:endpoint/${endpointName}`, EndpointConfigName: endpoint.config, EndpointStatus: endpoint.statuses[0], Tags: [{ Key: 'genai-kit:evaluation-execution', Value: endpoint.execution }] },
      })),
    } as never;
  };
  const describe = (request: any) => {
    const endpoint = fake.endpoints.get(request.EndpointName);
    if (endpoint === undefined) throw sageMakerError('ValidationException', `Could not find endpoint "${request.EndpointName}".`);
    if (endpoint.statuses.length > 1) endpoint.statuses.shift();
    return { EndpointName: request.EndpointName, EndpointStatus: endpoint.statuses[0] };
  };
  const machine = new StateMachine(JSON.parse(JSON.stringify(definition)), { validationOptions: { checkArn: false, checkPaths: false, noValidate: true } });
  const execution = machine.run(EVENT as never, {
    context: { Execution: { Id: 'arn:aws:states:us-east-1:111122223333:execution:cleanup:b1c7-event', Name: 'b1c7-event', Input: EVENT, StartTime: '2026-11-28T21:40:01Z' } } as never,
    overrides: {
      taskResourceLocalHandlers: {
        FindLeftEndpoints: search,
        DescribeLeftEndpoint: call('DescribeLeftEndpoint', describe),
        DeleteLeftEndpoint: call('DeleteLeftEndpoint', (request) => remove(fake.endpoints, 'endpoint', request.EndpointName)),
        DeleteLeftEndpointConfig: call('DeleteLeftEndpointConfig', (request) => remove(fake.configs, 'endpoint-config', request.EndpointConfigName)),
        DeleteLeftModel: call('DeleteLeftModel', (request) => remove(fake.models, 'model', request.ModelName)),
        NotifyLeftEndpointDeleted: record(run.deleted),
        NotifyLeftEndpointNotDeleted: record(run.notDeleted),
        NotifySearchFailed: record(run.searchFailed),
      },
      waitTimeOverrides: { WaitForSearchIndex: 0, WaitForLeftEndpoint: 0 },
      retryIntervalOverrides: { FindLeftEndpoints: 0, DescribeLeftEndpoint: 0, DeleteLeftEndpoint: 0, DeleteLeftEndpointConfig: 0, DeleteLeftModel: 0 },
    },
  });
  try {
    await execution.result;
    return run;
  } catch (error) {
    return { ...run, error };
  }
}

const DELETIONS = ['DeleteLeftEndpoint', 'DeleteLeftEndpointConfig', 'DeleteLeftModel'];
const states = (run: Run) => run.calls.map((call) => call.state);

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
    expect(states(run)).toEqual(DELETIONS);
    expect(run.calls.map((call) => Object.values(call.request))).toEqual([[NAME], [NAME], [NAME]]);
    expect([...fake.endpoints.keys(), ...fake.configs, ...fake.models]).toEqual([other, other, other]);
    expect(run.deleted).toHaveLength(1);
    expect(run.deleted[0].Subject).toBe('Evaluation cleanup deleted a temporary endpoint');
    expect(run.deleted[0].Message).toBe(`Evaluation execution ${EXECUTION} ended ABORTED and left its temporary SageMaker endpoint ${NAME}: the cleanup deleted it, with its endpoint config ${NAME} and its model.`);
    expect(run.notDeleted).toHaveLength(0);
  });

  test('waits while the endpoint is still being created, then deletes it', async () => {
    const fake = fakeWith([{ name: NAME, execution: EXECUTION, statuses: ['Creating', 'Creating', 'Creating', 'InService'] }]);
    const run = await cleanUp(fake);
    expect(run.error).toBeUndefined();
    expect(states(run)).toEqual(['DescribeLeftEndpoint', 'DescribeLeftEndpoint', 'DescribeLeftEndpoint', ...DELETIONS]);
    expect(fake.endpoints.size).toBe(0);
    expect(run.deleted).toHaveLength(1);
  });

  test('gives up waiting after the endpoint\'s start-up timeouts and a margin, tries the deletion anyway and notifies what it could not delete', async () => {
    const fake = fakeWith([{ name: NAME, execution: EXECUTION, statuses: Array.from({ length: 100 }, () => 'Creating') }]);
    const busy = sageMakerError('ValidationException', `Cannot delete endpoint "${NAME}" in Creating status.`);
    const run = await cleanUp(fake, { DeleteLeftEndpoint: busy });
    // 900 s download + 900 s start-up at one poll a minute, and 30 minutes more.
    expect(states(run).filter((state) => state === 'DescribeLeftEndpoint')).toHaveLength(60);
    expect(states(run).at(-1)).toBe('DeleteLeftEndpoint');
    expect(run.notDeleted).toHaveLength(1);
    expect(run.notDeleted[0].Message).toMatch(/could not delete its endpoint: SageMaker\.ValidationException: Cannot delete endpoint .* in Creating status/);
  });

  test('ends quietly when the execution left nothing: no deletion, no notice', async () => {
    for (const answer of [undefined, { Results: [] }, {}]) {
      const run = await cleanUp(fakeWith([{ name: NAME, execution: 'run-43' }]), {}, answer);
      expect(run.error).toBeUndefined();
      expect(run.searches).toHaveLength(1);
      expect(run.calls).toHaveLength(0);
      expect([...run.deleted, ...run.notDeleted, ...run.searchFailed]).toHaveLength(0);
    }
  });

  test('counts an endpoint SageMaker "Could not find" as deleted: its config and model are still deleted, and nothing is left to do by hand', async () => {
    // The search index still lists, in service, an endpoint the run deleted just before it ended (but not its config and model).
    const fake = fakeWith([{ name: NAME, execution: EXECUTION }]);
    fake.endpoints.delete(NAME);
    const stale = { Results: [{ Endpoint: { EndpointName: NAME, EndpointConfigName: NAME, EndpointStatus: 'InService' } }] };
    const run = await cleanUp(fake, {}, stale);
    expect(run.error).toBeUndefined();
    expect(states(run)).toEqual(DELETIONS);
    expect(fake.configs.size + fake.models.size).toBe(0);
    expect(run.notDeleted).toHaveLength(0);
    // The cleanup deleted no endpoint: the run had, and the execution's own notice already told the topic how it ended.
    expect(run.deleted).toHaveLength(0);
  });

  test('notifies an endpoint it could not delete, keeping its config and model so it stays describable', async () => {
    const fake = fakeWith([{ name: NAME, execution: EXECUTION }]);
    const denied = sageMakerError('AccessDeniedException', 'User is not authorized to perform: sagemaker:DeleteEndpoint');
    const run = await cleanUp(fake, { DeleteLeftEndpoint: denied });
    expect(run.error).toBeUndefined();
    expect(states(run)).toEqual(['DeleteLeftEndpoint']);
    expect(fake.configs.has(NAME) && fake.models.has(NAME)).toBe(true);
    expect(run.deleted).toHaveLength(0);
    expect(run.notDeleted).toHaveLength(1);
    expect(run.notDeleted[0].Subject).toBe('Evaluation left a temporary endpoint: delete it by hand');
    expect(run.notDeleted[0].Message).toBe(
      `Evaluation execution ${EXECUTION} ended ABORTED and left its temporary SageMaker endpoint ${NAME}; the cleanup could not delete its endpoint: SageMaker.AccessDeniedException: User is not authorized to perform: sagemaker:DeleteEndpoint. An endpoint costs while it runs: delete the endpoint ${NAME}, its endpoint config ${NAME} and its model ${NAME} by hand.`,
    );
  });

  test('a config it could not delete is notified, and the model is still deleted', async () => {
    const fake = fakeWith([{ name: NAME, execution: EXECUTION }]);
    const run = await cleanUp(fake, { DeleteLeftEndpointConfig: sageMakerError('InternalFailure', 'We encountered an internal error') });
    expect(states(run)).toEqual(DELETIONS);
    expect(fake.endpoints.size + fake.models.size).toBe(0);
    expect(run.notDeleted[0].Message).toMatch(/could not delete its endpoint config: SageMaker\.InternalFailure: We encountered an internal error\. .* by hand\.$/);
  });

  test('skips an endpoint whose name only contains the prefix: not this pipeline\'s', async () => {
    const foreign = `copy-of-${NAME}`;
    const run = await cleanUp(fakeWith([{ name: foreign, execution: EXECUTION }]));
    expect(run.error).toBeUndefined();
    expect(run.calls).toHaveLength(0);
    expect([...run.deleted, ...run.notDeleted]).toHaveLength(0);
  });

  test('fails when it cannot search, telling the topic what to look for by hand', async () => {
    const run = await cleanUp(fakeWith([{ name: NAME, execution: EXECUTION }]), { FindLeftEndpoints: sageMakerError('AccessDeniedException', 'not authorized to perform: sagemaker:Search') });
    expect(run.error).toBeDefined();
    expect(run.calls).toHaveLength(0);
    expect(run.searchFailed).toHaveLength(1);
    expect(run.searchFailed[0].Message).toBe(
      `Evaluation execution ${EXECUTION} ended ABORTED; the cleanup could not look for the temporary endpoint it may have left: SageMaker.AccessDeniedException: not authorized to perform: sagemaker:Search. An endpoint costs while it runs: look for SageMaker endpoints named ${prefix}-* tagged genai-kit:evaluation-execution=${EXECUTION} and delete each, its endpoint config and its model by hand.`,
    );
  });
});
