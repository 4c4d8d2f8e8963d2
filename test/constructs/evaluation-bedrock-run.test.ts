import { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { Duration } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { StateMachine } from 'aws-local-stepfunctions';
import { invokeCandidate } from '../../lambda/invoke-candidate/invoke';
import { scoreEvaluation } from '../../lambda/score-evaluation/score';
import { localItems, withLocalItems } from '../helpers/distributed-map';
import { bedrockModelElsewhere, evaluationFixture, serveS3FromMemory } from '../helpers/evaluation';
import { definitionOf } from '../helpers/pipeline';

// The evaluation workflow with a Bedrock evaluation job (timeout 15 minutes:
// three polls), run locally as synthesized: the worker and the scorer are the
// real handler logic over an in-memory S3 and a mocked endpoint; the Bedrock
// control-plane calls are answered by the test (`bedrock`), and every wait
// takes no time.
const synthesized = definitionOf(
  evaluationFixture({ bedrockEvaluation: { evaluatorModel: bedrockModelElsewhere('amazon.nova-pro-v1:0'), metrics: ['Builtin.Correctness', 'Builtin.Completeness'], timeout: Duration.minutes(15) } }).template,
  'Evaluation',
);
const definition = withLocalItems(synthesized);

const store = new Map<string, string>();
const s3 = mockClient(S3Client);
const sagemaker = mockClient(SageMakerRuntimeClient);
const clients = { s3: new S3Client({ region: 'us-east-1' }), bedrock: new BedrockRuntimeClient({ region: 'us-east-1' }), sagemaker: new SageMakerRuntimeClient({ region: 'us-east-1' }), prompts: new BedrockAgentClient({ region: 'us-east-1' }) };

const RECORDS = [
  { id: 'q1', prompt: 'Capital of France?', reference: ['Paris'] },
  { id: 'q2', prompt: 'Capital of Spain?', reference: ['Madrid'] },
  { id: 'q3', prompt: 'Capital of Italy?', reference: ['Rome'] },
];
const ANSWERS: Record<string, string> = { 'Capital of France?': 'Paris', 'Capital of Spain?': 'Madrid', 'Capital of Italy?': 'Rome' };
const JOB = 'arn:aws:bedrock:us-east-1:111122223333:evaluation-job/abcdef123456';
const CANDIDATE = { kind: 'endpoint', endpointName: 'staging-llm' };
const DATASET = { key: 'evaluation/qa.jsonl' };

beforeEach(() => {
  store.clear();
  store.set('datasets-bucket/evaluation/qa.jsonl', RECORDS.map((record) => JSON.stringify(record)).join('\n') + '\n');
  s3.reset();
  serveS3FromMemory(s3, store);
  sagemaker.reset();
  sagemaker.on(InvokeEndpointCommand).callsFake(async ({ Body }) => {
    const prompt = JSON.parse(new TextDecoder().decode(Body as Uint8Array)).inputs as string;
    return { Body: new TextEncoder().encode(JSON.stringify({ generated_text: ANSWERS[prompt] })) as never };
  });
});

/** How the Bedrock control plane answers: CreateEvaluationJob, then one GetEvaluationJob answer per poll (the last repeats). */
interface FakeBedrock {
  /** Thrown by CreateEvaluationJob: always, or by its first calls (a list). */
  readonly create?: Error | readonly Error[];
  readonly get?: Error;
  readonly polls: ReadonlyArray<{ Status: string; FailureMessages?: string[] }>;
}

interface Calls {
  readonly create: any[];
  readonly get: any[];
  readonly stop: any[];
  readonly events: any[];
  readonly verdicts: any[];
  readonly failures: any[];
}

async function run(bedrock: FakeBedrock, records: readonly object[] = RECORDS): Promise<{ calls: Calls; output?: any; error?: any }> {
  const calls: Calls = { create: [], get: [], stop: [], events: [], verdicts: [], failures: [] };
  const record = (list: any[], answer: unknown = {}) => async (request: any) => {
    list.push(request);
    return answer as never;
  };
  const polls = [...bedrock.polls];
  const createFailures = Array.isArray(bedrock.create) ? [...bedrock.create] : [];
  const worker = (event: any) => invokeCandidate(clients, event, { sleep: async () => undefined }) as never;
  const machine = new StateMachine(JSON.parse(JSON.stringify(definition)), { validationOptions: { checkArn: false, checkPaths: false, noValidate: true } });
  const executionInput = { candidate: CANDIDATE, dataset: DATASET, localItems: { EvaluateCandidate: localItems(synthesized, 'EvaluateCandidate', records) } };
  const execution = machine.run(executionInput as never, {
    context: { Execution: { Id: 'arn:aws:states:us-east-1:111122223333:execution:evaluation:test', Name: 'test', Input: executionInput, StartTime: '2026-11-28T21:00:00Z' } } as never,
    overrides: {
      taskResourceLocalHandlers: {
        EvaluateCandidateBatch: worker,
        Score: (event: any) => scoreEvaluation(clients.s3, event) as never,
        CreateBedrockEvaluation: async (request: any) => {
          calls.create.push(request);
          if (bedrock.create instanceof Error) throw bedrock.create;
          const failure = createFailures.shift();
          if (failure !== undefined) throw failure;
          return { JobArn: JOB } as never;
        },
        GetBedrockEvaluation: async (request: any) => {
          calls.get.push(request);
          if (bedrock.get !== undefined) throw bedrock.get;
          const answer = (polls.length > 1 ? polls.shift() : polls[0]) as object;
          return { JobArn: request.JobIdentifier, JobName: 'kit-eval-x', ...answer } as never;
        },
        StopBedrockEvaluation: record(calls.stop),
        PublishVerdict: record(calls.events, { FailedEntryCount: 0 }),
        NotifyVerdict: record(calls.verdicts),
        NotifyFailure: record(calls.failures),
        ApprovePackage: record([]),
        RejectPackage: record([]),
      },
      waitTimeOverrides: { WaitForBedrockEvaluation: 0 },
      retryIntervalOverrides: { EvaluateCandidateBatch: 0, Score: 0, CreateBedrockEvaluation: 0, GetBedrockEvaluation: 0, StopBedrockEvaluation: 0 },
    },
  });
  try {
    return { calls, output: await execution.result };
  } catch (error) {
    return { calls, error };
  }
}

const detailOf = (calls: Calls) => calls.events[0].Entries[0].Detail;
const failedError = (name: string, message: string) => Object.assign(new Error(message), { name });

test('a job that completes is polled until it ends, and its ARN and status go into the verdict event and the notification', async () => {
  const { calls, output, error } = await run({ polls: [{ Status: 'InProgress' }, { Status: 'Completed' }] });

  expect(error).toBeUndefined();
  expect(output.score.approved).toBe(true);
  const dataset = store.get(`artifacts-bucket/evaluations/${output.runId}/bedrock/dataset.jsonl`)?.trim().split('\n').map((line) => JSON.parse(line));
  expect(dataset).toEqual(RECORDS.map((record) => ({ prompt: record.prompt, referenceResponse: record.reference[0], modelResponses: [{ response: record.reference[0], modelIdentifier: 'endpoint-staging-llm' }] })));
  const [create] = calls.create;
  expect(create.JobName).toMatch(/^[a-z0-9](-*[a-z0-9]){0,62}$/);
  expect(create.JobName).toBe(`kit-eval-${output.runId}`);
  expect(create.ClientRequestToken).toBe(output.runId);
  expect(create.InferenceConfig.Models[0].PrecomputedInferenceSource.InferenceSourceIdentifier).toBe('endpoint-staging-llm');
  expect(create.EvaluationConfig.Automated.DatasetMetricConfigs[0].Dataset.DatasetLocation.S3Uri).toBe(`s3://artifacts-bucket/evaluations/${output.runId}/bedrock/dataset.jsonl`);
  expect(create.OutputDataConfig.S3Uri).toBe(`s3://artifacts-bucket/evaluations/${output.runId}/bedrock/output/`);
  expect(calls.get).toEqual([{ JobIdentifier: JOB }, { JobIdentifier: JOB }]);
  expect(detailOf(calls)).toEqual(expect.objectContaining({ approved: true, bedrockEvaluation: expect.objectContaining({ jobArn: JOB, status: 'Completed', output: `s3://artifacts-bucket/evaluations/${output.runId}/bedrock/output/` }) }));
  expect(calls.verdicts[0].Message).toMatch(new RegExp(`^Evaluation run ${output.runId}: approved: .*\\. Bedrock evaluation job \\(not part of the verdict\\): ${JOB} Completed; its results are under s3://artifacts-bucket/evaluations/${output.runId}/bedrock/output/$`));
  expect(calls.stop).toHaveLength(0);
});

test('a job that fails leaves the verdict as the metrics decide, and the notification says it failed and why', async () => {
  const { calls, output, error } = await run({ polls: [{ Status: 'Failed', FailureMessages: ['The evaluator model is not available in this Region'] }] });

  expect(error).toBeUndefined();
  expect(output.score.approved).toBe(true);
  expect(detailOf(calls).bedrockEvaluation).toEqual(expect.objectContaining({ jobArn: JOB, status: 'Failed' }));
  expect(calls.verdicts[0].Message).toMatch(/: approved: .*Bedrock evaluation job \(not part of the verdict\): arn:.*evaluation-job\/abcdef123456 ended Failed: \["The evaluator model is not available in this Region"\]$/);
  expect(calls.failures).toHaveLength(0);
});

test('a job stopped without failure messages is reported as stopped', async () => {
  const { calls } = await run({ polls: [{ Status: 'Stopped' }] });
  expect(detailOf(calls).bedrockEvaluation.status).toBe('Stopped');
  expect(calls.verdicts[0].Message).toMatch(/ended Stopped: \[\]$/);
});

test('a job that CreateEvaluationJob refuses does not stop the verdict, which reports why it did not start', async () => {
  const { calls, output, error } = await run({ create: failedError('Bedrock.ValidationException', 'The evaluator model is not supported'), polls: [] });

  expect(error).toBeUndefined();
  expect(output.score.approved).toBe(true);
  expect(calls.get).toHaveLength(0);
  expect(detailOf(calls).bedrockEvaluation).toEqual({ status: 'NotStarted', summary: expect.stringMatching(/^not started: Bedrock\.ValidationException: /) });
  expect(calls.verdicts[0].Message).toMatch(/Bedrock evaluation job \(not part of the verdict\): not started: Bedrock\.ValidationException: /);
  expect(calls.failures).toHaveLength(0);
});

test('a throttled CreateEvaluationJob is retried with the same client token, and the job runs', async () => {
  const throttled = failedError('Bedrock.ThrottlingException', 'Too many requests, please wait before trying again.');
  const { calls, output } = await run({ create: [throttled, throttled], polls: [{ Status: 'Completed' }] });
  expect(calls.create).toHaveLength(3);
  expect(new Set(calls.create.map((request) => request.ClientRequestToken))).toEqual(new Set([output.runId]));
  expect(detailOf(calls).bedrockEvaluation.status).toBe('Completed');
});

test('a job still running at the timeout is stopped and reported as timed out, and the verdict delivered', async () => {
  const { calls, output } = await run({ polls: [{ Status: 'InProgress' }] });

  // 15 minutes at one poll every 5 minutes: three polls.
  expect(calls.get).toHaveLength(3);
  expect(calls.stop).toEqual([{ JobIdentifier: JOB }]);
  expect(output.score.approved).toBe(true);
  expect(detailOf(calls).bedrockEvaluation).toEqual(expect.objectContaining({ jobArn: JOB, status: 'TimedOut' }));
  expect(calls.verdicts[0].Message).toMatch(/abcdef123456 was still InProgress after 15 minutes: the run stopped waiting and asked Bedrock to stop the job$/);
});

test('a job whose status cannot be read is reported as unknown, and the verdict delivered', async () => {
  const { calls } = await run({ get: failedError('Bedrock.AccessDeniedException', 'not authorized to perform: bedrock:GetEvaluationJob'), polls: [] });
  expect(detailOf(calls).bedrockEvaluation).toEqual(expect.objectContaining({ jobArn: JOB, status: 'Unknown' }));
  expect(calls.verdicts).toHaveLength(1);
});

test('a run without prediction creates no job, says so, and still delivers its verdict', async () => {
  store.set('datasets-bucket/evaluation/qa.jsonl', '');
  const { calls, output, error } = await run({ polls: [] }, []);
  expect(error).toBeUndefined();
  expect(output.score).toEqual(expect.objectContaining({ approved: false, bedrockDataset: { modelIdentifier: 'endpoint-staging-llm', records: 0, predictions: 0, sampled: false } }));
  expect(calls.create).toHaveLength(0);
  expect(detailOf(calls).bedrockEvaluation).toEqual({ status: 'Skipped', summary: 'not started: the run has no prediction to evaluate' });
  expect(calls.verdicts[0].Message).toMatch(/: rejected: no prediction to score .*Bedrock evaluation job \(not part of the verdict\): not started: the run has no prediction to evaluate$/);
});
