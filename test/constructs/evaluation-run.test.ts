import { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient, SageMakerRuntimeServiceException } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { StateMachine } from 'aws-local-stepfunctions';
import { invokeCandidate } from '../../lambda/invoke-candidate/invoke';
import { scoreEvaluation } from '../../lambda/score-evaluation/score';
import { localItems, withLocalItems } from '../helpers/distributed-map';
import { evaluationFixture, serveS3FromMemory } from '../helpers/evaluation';
import { definitionOf } from '../helpers/pipeline';

// The evaluation workflow as synthesized (threshold f1 >= 0.6, tolerance
// 0.01, batches of 2), run locally: the worker and the scorer are the real
// handler logic over an in-memory S3 and a mocked endpoint; only the
// Distributed Map's item source is swapped (test/helpers/distributed-map.ts).
// A model package is hosted by the run on a temporary endpoint: the SageMaker
// control-plane calls are recorded, and the temporary endpoint answers like
// one of the named endpoints (`hosted.like`).
const synthesized = definitionOf(evaluationFixture().template, 'Evaluation');
const definition = withLocalItems(synthesized);

const store = new Map<string, string>();
const s3 = mockClient(S3Client);
const sagemaker = mockClient(SageMakerRuntimeClient);
const clients = { s3: new S3Client({ region: 'us-east-1' }), bedrock: new BedrockRuntimeClient({ region: 'us-east-1' }), sagemaker: new SageMakerRuntimeClient({ region: 'us-east-1' }), prompts: new BedrockAgentClient({ region: 'us-east-1' }) };

const RECORDS = [
  { id: 'q1', prompt: 'Capital of France?', reference: ['Paris'] },
  { id: 'q2', prompt: 'Capital of Spain?', reference: ['Madrid'] },
  { id: 'q3', prompt: 'Capital of Italy?', reference: ['Rome'] },
  { id: 'q4', prompt: 'Capital of Germany?', reference: ['Berlin'] },
  { id: 'q5', prompt: 'Capital of Portugal?', reference: ['Lisbon'] },
];
const GOOD: Record<string, string> = { 'staging-llm': 'Paris|Madrid|Rome|Berlin|Lisbon', 'prod-llm': 'Paris|Madrid|Rome|Berlin|Lisbon', 'weak-llm': 'Paris|Barcelona|Milan|Munich|Porto' };
const PACKAGE = 'arn:aws:sagemaker:us-east-1:111122223333:model-package/ft-group/7';
const TEMPORARY = /^kit-eval-[0-9a-f]{8}-[0-9a-f-]{36}$/;
/** Which endpoint the package's temporary endpoint answers like, and how its creation ends. */
const hosted = { like: 'staging-llm', states: ['Creating', 'InService'], packageStates: ['Completed'] };

function fakeServices(endpointBehaviour?: (endpoint: string, prompt: string, call: number) => string): void {
  store.clear();
  store.set('datasets-bucket/evaluation/qa.jsonl', RECORDS.map((record) => JSON.stringify(record)).join('\n') + '\n');
  s3.reset();
  serveS3FromMemory(s3, store);
  sagemaker.reset();
  let calls = 0;
  sagemaker.on(InvokeEndpointCommand).callsFake(async ({ EndpointName, Body }) => {
    calls += 1;
    const prompt = JSON.parse(new TextDecoder().decode(Body as Uint8Array)).inputs as string;
    const answer = endpointBehaviour?.(EndpointName as string, prompt, calls) ?? answerOf(EndpointName as string, prompt);
    return { Body: new TextEncoder().encode(JSON.stringify({ generated_text: answer })) as never };
  });
}

function answerOf(endpoint: string, prompt: string): string {
  return GOOD[TEMPORARY.test(endpoint) ? hosted.like : endpoint].split('|')[RECORDS.findIndex((record) => record.prompt === prompt)];
}

interface Calls {
  /** SageMaker control-plane calls of the temporary endpoint, by state name, in order. */
  readonly hosting: { state: string; request: any }[];
  readonly leftOver: any[];
  readonly approve: any[];
  readonly reject: any[];
  readonly events: any[];
  readonly verdicts: any[];
  readonly failures: any[];
}

async function run(input: Record<string, unknown>, failing: Partial<Record<string, Error>> = {}): Promise<{ calls: Calls; output?: any; error?: any }> {
  const calls: Calls = { hosting: [], leftOver: [], approve: [], reject: [], events: [], verdicts: [], failures: [] };
  const record = (list: any[], answer: unknown = {}) => async (request: any) => {
    list.push(request);
    return answer as never;
  };
  const states = [...hosted.states];
  const packageStates = [...hosted.packageStates];
  // What exists in the fake SageMaker: a deletion of something never created fails as SageMaker's does.
  const created = new Set<string>();
  const sagemakerCall = (state: string, answer: (request: any) => unknown) => async (request: any) => {
    calls.hosting.push({ state, request });
    const kind = state.replace(/^(Create|Delete)Temporary/, '');
    const name = request.ModelName ?? request.EndpointConfigName ?? request.EndpointName;
    const failure = failing[state];
    // A failure marked afterEffect happens once the resource exists (an answer lost on the way back).
    if (failure !== undefined && (failure as { afterEffect?: boolean }).afterEffect === true) created.add(`${kind}/${name}`);
    if (failure !== undefined) throw failure;
    if (state.startsWith('Create')) created.add(`${kind}/${name}`);
    if (state.startsWith('Delete') && !created.delete(`${kind}/${name}`)) {
      throw Object.assign(new Error(`Could not find ${kind} "${name}". (Service: SageMaker, Status Code: 400)`), { name: 'SageMaker.ValidationException' });
    }
    return answer(request) as never;
  };
  const arn = (resource: string) => (request: any) => `arn:aws:sagemaker:us-east-1:111122223333:${resource}/${request.ModelName ?? request.EndpointConfigName ?? request.EndpointName}`;
  const worker = (event: any) => invokeCandidate(clients, event, { sleep: async () => undefined }) as never;
  const machine = new StateMachine(JSON.parse(JSON.stringify(definition)), { validationOptions: { checkArn: false, checkPaths: false, noValidate: true } });
  const executionInput = { ...input, localItems: { EvaluateCandidate: localItems(synthesized, 'EvaluateCandidate', RECORDS), EvaluateBaseline: localItems(synthesized, 'EvaluateBaseline', RECORDS) } };
  const execution = machine.run(executionInput as never, {
    context: { Execution: { Id: 'arn:aws:states:us-east-1:111122223333:execution:evaluation:test', Name: 'test', Input: executionInput, StartTime: '2026-11-28T21:00:00Z' } } as never,
    overrides: {
      taskResourceLocalHandlers: {
        EvaluateCandidateBatch: worker,
        EvaluateBaselineBatch: worker,
        Score: (event: any) => scoreEvaluation(clients.s3, event) as never,
        ApprovePackage: record(calls.approve),
        RejectPackage: record(calls.reject),
        PublishVerdict: record(calls.events, { FailedEntryCount: 0 }),
        NotifyVerdict: record(calls.verdicts),
        NotifyFailure: record(calls.failures),
        NotifyLeftOver: record(calls.leftOver),
        CreateTemporaryModel: sagemakerCall('CreateTemporaryModel', (request) => ({ ModelArn: arn('model')(request) })),
        CreateTemporaryEndpointConfig: sagemakerCall('CreateTemporaryEndpointConfig', (request) => ({ EndpointConfigArn: arn('endpoint-config')(request) })),
        CreateTemporaryEndpoint: sagemakerCall('CreateTemporaryEndpoint', (request) => ({ EndpointArn: arn('endpoint')(request) })),
        DescribeTemporaryEndpoint: sagemakerCall('DescribeTemporaryEndpoint', (request) => ({ EndpointName: request.EndpointName, EndpointStatus: states.shift() ?? 'InService' })),
        CandidatePackageStatus: sagemakerCall('CandidatePackageStatus', (request) => ({ ModelPackageArn: request.ModelPackageName, ModelPackageStatus: packageStates.shift() ?? 'Completed' })),
        DeleteTemporaryEndpoint: sagemakerCall('DeleteTemporaryEndpoint', () => ({})),
        DeleteTemporaryEndpointConfig: sagemakerCall('DeleteTemporaryEndpointConfig', () => ({})),
        DeleteTemporaryModel: sagemakerCall('DeleteTemporaryModel', () => ({})),
      },
      waitTimeOverrides: { WaitForTemporaryEndpoint: 0, WaitForCandidatePackage: 0 },
      retryIntervalOverrides: { EvaluateCandidateBatch: 0, EvaluateBaselineBatch: 0, Score: 0, CreateTemporaryModel: 0, DeleteTemporaryEndpoint: 0 },
    },
  });
  try {
    return { calls, output: await execution.result };
  } catch (error) {
    return { calls, error };
  }
}

/** A package of the pipeline's group whose temporary endpoint answers like the named endpoint. */
const packageCandidate = (answersLike: string) => {
  hosted.like = answersLike;
  return { kind: 'model-package', modelPackageArn: PACKAGE };
};
const DELETIONS = ['DeleteTemporaryEndpoint', 'DeleteTemporaryEndpointConfig', 'DeleteTemporaryModel'];
const stateNames = (calls: Calls) => calls.hosting.map((call) => call.state);

beforeEach(() => {
  hosted.states = ['Creating', 'InService'];
  hosted.packageStates = ['Completed'];
});
const DATASET = { key: 'evaluation/qa.jsonl' };

test('a candidate above the thresholds is approved, with a report and a verdict event', async () => {
  fakeServices();
  const { calls, output, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: DATASET });
  expect(error).toBeUndefined();
  expect(output.score).toEqual(expect.objectContaining({ approved: true, metrics: { f1: 1, exactMatch: 1 }, records: 5, predictions: 5 }));
  expect(calls.approve).toEqual([expect.objectContaining({ ModelPackageArn: PACKAGE, ModelApprovalStatus: 'Approved' })]);
  expect(calls.reject).toHaveLength(0);
  expect(calls.events[0].Entries[0]).toEqual(expect.objectContaining({ Source: 'genai-kit.evaluate', DetailType: 'Model evaluated' }));
  const report = JSON.parse(store.get(`artifacts-bucket/${output.score.reportKey}`) as string);
  expect(report).toEqual(expect.objectContaining({ approved: true, task: 'question-answering', records: 5 }));
  expect(store.get(`artifacts-bucket/${output.score.markdownKey}`)).toMatch(/^# Evaluation .*: approved/);
});

test('a model package is hosted from the package itself, evaluated on that endpoint, and the endpoint deleted before the verdict', async () => {
  fakeServices();
  const { calls, output, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: DATASET });
  expect(error).toBeUndefined();
  expect(stateNames(calls)).toEqual(['CandidatePackageStatus', 'CreateTemporaryModel', 'CreateTemporaryEndpointConfig', 'CreateTemporaryEndpoint', 'DescribeTemporaryEndpoint', 'DescribeTemporaryEndpoint', ...DELETIONS]);
  const [model, config, endpoint] = calls.hosting.filter((call) => call.state.startsWith('Create')).map((call) => call.request);
  const name = model.ModelName as string;
  expect(name).toMatch(TEMPORARY);
  expect(name.endsWith(output.runId)).toBe(true);
  expect(model).toEqual(expect.objectContaining({ PrimaryContainer: { ModelPackageName: PACKAGE }, EnableNetworkIsolation: true, Tags: [{ Key: 'genai-kit:evaluation-run', Value: output.runId }, { Key: 'genai-kit:evaluation-execution', Value: 'test' }] }));
  expect(config.ProductionVariants).toEqual([expect.objectContaining({ ModelName: name, InstanceType: 'ml.g6e.xlarge', InitialInstanceCount: 1 })]);
  expect(config.KmsKeyId).toBeUndefined();
  expect(endpoint).toEqual(expect.objectContaining({ EndpointName: name, EndpointConfigName: name }));
  for (const deletion of calls.hosting.slice(-3)) expect(Object.values(deletion.request)).toEqual([name]);
  const invoked = new Set(sagemaker.commandCalls(InvokeEndpointCommand).map((call) => call.args[0].input.EndpointName));
  expect([...invoked]).toEqual([name]);
  expect(output.input.candidate).toEqual({ kind: 'model-package', modelPackageArn: PACKAGE, endpointName: name });
  expect(calls.approve).toHaveLength(1);
  expect(calls.leftOver).toHaveLength(0);
});

test('waits for a package the registration event announced while it is still being registered, then hosts it', async () => {
  fakeServices();
  hosted.packageStates = ['InProgress', 'InProgress', 'Completed'];
  const { calls, output, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: DATASET });
  expect(error).toBeUndefined();
  expect(stateNames(calls).slice(0, 4)).toEqual(['CandidatePackageStatus', 'CandidatePackageStatus', 'CandidatePackageStatus', 'CreateTemporaryModel']);
  expect(output.score.approved).toBe(true);
});

test('refuses to host a package whose registration failed, and notifies it', async () => {
  fakeServices();
  hosted.packageStates = ['Failed'];
  const { calls, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: DATASET });
  expect(error).toBeDefined();
  expect(stateNames(calls)).not.toContain('CreateTemporaryModel');
  expect(calls.failures[0].Message).toMatch(/CandidatePackageNotReady: the model package arn:aws:sagemaker:.*ft-group\/7 is Failed, not Completed/);
  expect(calls.leftOver).toHaveLength(0);
});

test('a temporary endpoint that fails to come into service is deleted, the failure notified and nothing approved', async () => {
  fakeServices();
  hosted.states = ['Creating', 'Failed'];
  const { calls, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: DATASET });
  expect(error).toBeDefined();
  expect(stateNames(calls).slice(-3)).toEqual(DELETIONS);
  expect(sagemaker.commandCalls(InvokeEndpointCommand)).toHaveLength(0);
  expect(calls.failures[0].Message).toMatch(/TemporaryEndpointFailed: the temporary endpoint kit-eval-.* of arn:aws:sagemaker:.*model-package\/ft-group\/7 ended Failed instead of InService/);
  expect(calls.approve).toHaveLength(0);
  expect(calls.reject).toHaveLength(0);
});

test('fails before any endpoint exists when the model cannot be created: the deletions find nothing, and nothing is reported left over', async () => {
  fakeServices();
  const denied = Object.assign(new Error('not authorized to perform: sagemaker:CreateModel'), { name: 'SageMaker.AccessDeniedException' });
  const { calls, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: DATASET }, { CreateTemporaryModel: denied });
  expect(error).toBeDefined();
  expect(stateNames(calls)).toEqual(['CandidatePackageStatus', 'CreateTemporaryModel', ...DELETIONS]);
  expect(calls.failures[0].Message).toMatch(/SageMaker\.AccessDeniedException/);
  expect(calls.leftOver).toHaveLength(0);
});

test('an endpoint created though its create call answered an error is still deleted', async () => {
  fakeServices();
  // The endpoint exists, but every answer to CreateEndpoint is lost on the way back.
  const lost = Object.assign(new Error('connection reset'), { name: 'SageMaker.SdkClientException', afterEffect: true });
  const { calls, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: DATASET }, { CreateTemporaryEndpoint: lost });
  expect(error).toBeDefined();
  expect(stateNames(calls).slice(-3)).toEqual(DELETIONS);
  expect(calls.hosting.at(-3)!.request).toEqual({ EndpointName: expect.stringMatching(TEMPORARY) });
  // It was there, so its deletion succeeded: nothing is left over.
  expect(calls.leftOver).toHaveLength(0);
});

test('gives up on an endpoint that stays Creating beyond its start-up timeouts, and deletes it', async () => {
  fakeServices();
  hosted.states = Array.from({ length: 100 }, () => 'Creating');
  const { calls, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: DATASET });
  expect(error).toBeDefined();
  // 900 s download + 900 s start-up at one poll a minute, and 30 minutes more.
  expect(calls.hosting.filter((call) => call.state === 'DescribeTemporaryEndpoint')).toHaveLength(60);
  expect(calls.failures[0].Message).toMatch(/TemporaryEndpointTimedOut: the temporary endpoint kit-eval-.* was still Creating after 60 minutes/);
  expect(stateNames(calls).slice(-3)).toEqual(DELETIONS);
});

test('a deletion that fails is notified as left over, and the other deletions and the verdict still happen', async () => {
  fakeServices();
  const busy = Object.assign(new Error('Cannot delete endpoint in Creating status'), { name: 'SageMaker.ValidationException' });
  const { calls, output, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: DATASET }, { DeleteTemporaryEndpoint: busy });
  expect(error).toBeUndefined();
  expect(stateNames(calls).slice(-3)).toEqual(DELETIONS);
  expect(calls.leftOver).toHaveLength(1);
  expect(calls.leftOver[0].Message).toMatch(/could not delete its temporary SageMaker resources named kit-eval-.*SageMaker\.ValidationException: Cannot delete endpoint in Creating status/);
  expect(output.score.approved).toBe(true);
  expect(calls.approve).toHaveLength(1);
});

test('a candidate below a threshold is rejected with the reason', async () => {
  fakeServices();
  const { calls, output } = await run({ candidate: packageCandidate('weak-llm'), dataset: DATASET });
  expect(output.score.approved).toBe(false);
  expect(output.score.reasons).toEqual(['f1 0.2000 is below its threshold 0.6000']);
  expect(calls.approve).toHaveLength(0);
  expect(calls.reject).toEqual([expect.objectContaining({ ModelApprovalStatus: 'Rejected', ApprovalDescription: 'rejected: f1 0.2000 is below its threshold 0.6000' })]);
});

test('a candidate that regresses against its baseline is rejected, though above the thresholds', async () => {
  fakeServices((endpoint, prompt) => (TEMPORARY.test(endpoint) && prompt === 'Capital of Portugal?' ? 'Porto' : answerOf(endpoint, prompt)));
  const { calls, output } = await run({ candidate: packageCandidate('staging-llm'), baseline: { candidate: { kind: 'endpoint', endpointName: 'prod-llm' } }, dataset: DATASET });
  expect(output.score.metrics.f1).toBeCloseTo(0.8, 10);
  expect(output.score.baselineMetrics.f1).toBe(1);
  expect(output.score.reasons).toEqual([expect.stringMatching(/^f1 0\.8000 regresses from the baseline's 1\.0000 by more than the tolerance 0\.0100$/), expect.stringMatching(/^exactMatch/)]);
  expect(calls.reject).toHaveLength(1);
  expect(calls.approve).toHaveLength(0);
});

test('a throttled invocation is retried and the run completes', async () => {
  const throttled = new SageMakerRuntimeServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
  fakeServices((endpoint, prompt, call) => {
    if (call === 1) throw throttled;
    return answerOf(endpoint, prompt);
  });
  const { calls, output, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: DATASET });
  expect(error).toBeUndefined();
  expect(sagemaker.commandCalls(InvokeEndpointCommand)).toHaveLength(RECORDS.length + 1);
  expect(output.score.approved).toBe(true);
  expect(calls.approve).toHaveLength(1);
});

test('failures beyond the tolerance fail the run, which notifies and approves nothing', async () => {
  fakeServices((endpoint, prompt) => {
    if (prompt === 'Capital of Italy?') throw new Error('connect ECONNREFUSED');
    return answerOf(endpoint, prompt);
  });
  const { calls, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: DATASET });
  expect(error).toBeDefined();
  expect(calls.approve).toHaveLength(0);
  expect(calls.reject).toHaveLength(0);
  expect(calls.failures[0].Message).toMatch(/failed: States\.ExceedToleratedFailureThreshold: .*Failed batches: the map run of this execution, and s3:\/\/artifacts-bucket\/evaluations\/map-results\//);
  expect(stateNames(calls).slice(-3)).toEqual(DELETIONS);
});

test('a model-package candidate without its package ARN, of another group, or naming an endpoint of its own, is refused with what is expected', async () => {
  fakeServices();
  const refused = [
    { kind: 'model-package' },
    { ...packageCandidate('staging-llm'), modelPackageArn: PACKAGE.replace('ft-group', 'other-group') },
    { ...packageCandidate('staging-llm'), endpointName: 'prod-llm' },
  ];
  for (const candidate of refused) {
    const { calls, error } = await run({ candidate, dataset: DATASET });
    expect(error).toBeDefined();
    expect(calls.hosting).toHaveLength(0);
    expect(calls.failures[0].Message).toMatch(/InvalidInput: expected \{"candidate": \{"kind": "bedrock" \| "endpoint" \| "model-package"/);
  }
});

test('an evaluation set outside the evaluation/ prefix is refused', async () => {
  fakeServices();
  const { calls, error } = await run({ candidate: packageCandidate('staging-llm'), dataset: { key: 'preference/2026/train.jsonl' } });
  expect(error).toBeDefined();
  expect(calls.failures[0].Message).toMatch(/InvalidInput/);
});
