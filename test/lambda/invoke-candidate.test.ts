import { createHash } from 'node:crypto';
import { BedrockAgentClient, GetPromptCommand } from '@aws-sdk/client-bedrock-agent';
import { BedrockRuntimeClient, ConverseCommand, ServiceUnavailableException, ThrottlingException, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient, SageMakerRuntimeServiceException } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import type { Prediction } from '../../lib/evaluate/record';
import {
  CandidateInvocationFailedError,
  EvaluationRecordInvalidError,
  InvokeCandidateInputError,
  invokeCandidate,
  PromptVersionInvalidError,
  type InvokeCandidateOptions,
} from '../../lambda/invoke-candidate/invoke';
import { recordId } from '../../lambda/invoke-candidate/records';
import { isRetryable } from '../../lambda/shared/retry';
import { storedPrompt } from '../helpers/stored-prompt';

const s3 = mockClient(S3Client);
const bedrock = mockClient(BedrockRuntimeClient);
const sagemaker = mockClient(SageMakerRuntimeClient);
const agent = mockClient(BedrockAgentClient);
const clients = { s3: new S3Client({}), bedrock: new BedrockRuntimeClient({}), sagemaker: new SageMakerRuntimeClient({}), prompts: new BedrockAgentClient({}) };

let sleeps: number[];
/** A fake clock that advances 25 ms per reading: each call lasts 25 ms. */
let clock: number;
const options = (extra: InvokeCandidateOptions = {}): InvokeCandidateOptions => ({
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  random: () => 0.5,
  now: () => (clock += 25),
  ...extra,
});

beforeEach(() => {
  s3.reset();
  bedrock.reset();
  sagemaker.reset();
  agent.reset();
  sleeps = [];
  clock = 0;
  s3.on(PutObjectCommand).resolves({});
});

const PROMPT_ARN = 'arn:aws:bedrock:eu-west-1:123456789012:prompt/ABCDE12345:3';
const base = { runId: 'run-1', outputBucket: 'eval-bucket', outputPrefix: 'runs/run-1/' };
const bedrockCandidate = { kind: 'bedrock', modelId: 'amazon.nova-micro-v1:0' };
const event = (items: unknown[], batchInput: object = {}) => ({ Items: items, BatchInput: { ...base, candidate: bedrockCandidate, ...batchInput } });

const written = (): { key: string; lines: Prediction[] } => {
  const calls = s3.commandCalls(PutObjectCommand);
  expect(calls).toHaveLength(1);
  const { Key, Body } = calls[0].args[0].input;
  return { key: Key as string, lines: String(Body).trimEnd().split('\n').map((line) => JSON.parse(line) as Prediction) };
};
const converseAnswer = (text: string, inputTokens = 10, outputTokens = 5) => ({
  output: { message: { role: 'assistant' as const, content: [{ text }] } },
  stopReason: 'end_turn' as const,
  usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
  metrics: { latencyMs: 1 },
});
const endpointBody = (value: unknown) => ({ Body: new TextEncoder().encode(JSON.stringify(value)) as never, ContentType: 'application/json' });
const sentBody = (index = 0) => JSON.parse(Buffer.from(sagemaker.commandCalls(InvokeEndpointCommand)[index].args[0].input.Body as Uint8Array).toString('utf8'));
const throttled = () => new ThrottlingException({ message: 'Too many requests, please wait before trying again.', $metadata: {} });

describe('bedrock candidates', () => {
  test('sends each record prompt to Converse and writes the predictions of the batch under predictions/<batch id>.jsonl', async () => {
    // The first call takes 40 ms, the second 10 ms.
    const durations = [40, 10];
    bedrock.on(ConverseCommand).callsFake(async (input) => {
      clock += durations.shift() ?? 0;
      return converseAnswer(`answer to ${input.messages[0].content[0].text}`);
    });
    const items = [
      { id: 'q1', prompt: 'What is 2+2?', reference: '4' },
      { id: 'q2', prompt: 'Capital of France?', reference: ['Paris', 'paris'] },
    ];

    const output = await invokeCandidate(clients, event(items, { inference: { maxTokens: 256, temperature: 0 } }), options({ concurrency: 1, now: () => clock }));

    const batch = createHash('sha256').update('q1\nq2').digest('hex');
    // Nearest-rank median of [10, 40] is 10.
    expect(output).toEqual({ key: `runs/run-1/predictions/${batch}.jsonl`, items: 2, failed: 0, inputTokens: 20, outputTokens: 10, latencyMsP50: 10, latencyMsMax: 40 });
    expect(bedrock.commandCalls(ConverseCommand).map((call) => call.args[0].input)).toEqual([
      { modelId: 'amazon.nova-micro-v1:0', messages: [{ role: 'user', content: [{ text: 'What is 2+2?' }] }], inferenceConfig: { maxTokens: 256, temperature: 0 } },
      { modelId: 'amazon.nova-micro-v1:0', messages: [{ role: 'user', content: [{ text: 'Capital of France?' }] }], inferenceConfig: { maxTokens: 256, temperature: 0 } },
    ]);
    const { key, lines } = written();
    expect(key).toBe(output.key);
    expect(lines).toEqual([
      { id: 'q1', prediction: 'answer to What is 2+2?', reference: '4', latencyMs: 40, inputTokens: 10, outputTokens: 5 },
      { id: 'q2', prediction: 'answer to Capital of France?', reference: ['Paris', 'paris'], latencyMs: 10, inputTokens: 10, outputTokens: 5 },
    ]);
    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put).toEqual(expect.objectContaining({ Bucket: 'eval-bucket', ContentType: 'application/jsonl', Metadata: { 'run-id': 'run-1' } }));
  });

  test('omits inferenceConfig when the run sets no inference', async () => {
    bedrock.on(ConverseCommand).resolves(converseAnswer('4'));
    await invokeCandidate(clients, event([{ id: 'q1', prompt: 'What is 2+2?', reference: '4' }]), options());
    expect(bedrock.commandCalls(ConverseCommand)[0].args[0].input).not.toHaveProperty('inferenceConfig');
  });

  test('gives a record without id a stable id from its content, the same in any batch and whatever its key order', async () => {
    bedrock.on(ConverseCommand).resolves(converseAnswer('4'));
    const record = { prompt: 'What is 2+2?', reference: '4' };
    await invokeCandidate(clients, event([record, { id: 'q2', prompt: 'Other?', reference: 'x' }]), options());
    const first = written().lines[0].id;
    s3.resetHistory();
    await invokeCandidate(clients, event([{ reference: '4', prompt: 'What is 2+2?' }]), options());

    expect(first).toMatch(/^sha256-[0-9a-f]{24}$/);
    expect(written().lines[0].id).toBe(first);
    expect(recordId({ prompt: 'What is 2+2?', reference: '5' })).not.toBe(first);
    expect(recordId({ variables: { b: '2', a: '1' }, reference: 'x' })).toBe(recordId({ variables: { a: '1', b: '2' }, reference: 'x' }));
  });

  test('writes a retried batch to the same key, whatever the order of its records', async () => {
    bedrock.on(ConverseCommand).resolves(converseAnswer('ok'));
    const a = { id: 'a', prompt: 'A?', reference: 'a' };
    const b = { id: 'b', prompt: 'B?', reference: 'b' };
    const first = await invokeCandidate(clients, event([a, b]), options());
    const again = await invokeCandidate(clients, event([b, a]), options());
    const other = await invokeCandidate(clients, event([a]), options());
    expect(again.key).toBe(first.key);
    expect(other.key).not.toBe(first.key);
  });

  test('keeps at most `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    bedrock.on(ConverseCommand).callsFake(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return converseAnswer('ok');
    });
    const items = Array.from({ length: 10 }, (_, index) => ({ id: `q${index}`, prompt: `Question ${index}?`, reference: 'x' }));
    const output = await invokeCandidate(clients, event(items), options({ concurrency: 3 }));
    expect(output.items).toBe(10);
    expect(most).toBe(3);
    expect(written().lines.map((line) => line.id)).toEqual(items.map((item) => item.id));
  });

  test('retries a throttled call with exponential backoff and full jitter, then writes the prediction', async () => {
    bedrock.on(ConverseCommand).rejectsOnce(throttled()).rejectsOnce(new ServiceUnavailableException({ message: 'busy', $metadata: {} })).resolves(converseAnswer('4'));

    const output = await invokeCandidate(clients, event([{ id: 'q1', prompt: 'What is 2+2?', reference: '4' }]), options());

    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(3);
    // random() = 0.5 of the ceilings 1000 ms, then 2000 ms.
    expect(sleeps).toEqual([500, 1000]);
    expect(output.items).toBe(1);
    expect(written().lines[0]).toEqual(expect.objectContaining({ id: 'q1', prediction: '4' }));
  });

  test('fails with CandidateInvocationFailed naming the record when throttling outlasts the attempts, and writes nothing', async () => {
    bedrock.on(ConverseCommand).callsFake(async (input) => {
      if (input.messages[0].content[0].text === 'Busy?') throw throttled();
      return converseAnswer('ok');
    });
    const items = [
      { id: 'ok-1', prompt: 'Fine?', reference: 'x' },
      { id: 'busy-1', prompt: 'Busy?', reference: 'x' },
    ];

    const error = await invokeCandidate(clients, event(items), options({ maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300 })).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CandidateInvocationFailedError);
    expect(error).toMatchObject({
      name: 'CandidateInvocationFailed',
      message: expect.stringMatching(/1 of 2 records failed[\s\S]*busy-1: ThrottlingException: Too many requests.*gave up after 4 attempts/),
      failures: [{ id: 'busy-1', cause: expect.stringContaining('ThrottlingException') }],
    });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(5);
    // Backoff ceilings 100, 200, 300 (capped) ms; random() = 0.5 of each.
    expect(sleeps).toEqual([50, 100, 150]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('fails the batch without retrying an error that another attempt cannot fix', async () => {
    bedrock.on(ConverseCommand).rejects(new ValidationException({ message: 'The provided model identifier is invalid.', $metadata: {} }));
    await expect(invokeCandidate(clients, event([{ id: 'q1', prompt: 'Hi', reference: 'x' }]), options())).rejects.toMatchObject({
      name: 'CandidateInvocationFailed',
      message: expect.stringContaining('q1: ValidationException: The provided model identifier is invalid.'),
    });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('retries network failures of the HTTP stack', async () => {
    bedrock.on(ConverseCommand).rejectsOnce(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).resolves(converseAnswer('ok'));
    await invokeCandidate(clients, event([{ id: 'q1', prompt: 'Hi', reference: 'x' }]), options());
    expect(sleeps).toEqual([500]);
  });
});

describe('endpoint candidates', () => {
  const endpoint = { kind: 'endpoint', endpointName: 'llm-dev', inferenceComponentName: 'llm-dev-ic' };

  test('invokes the endpoint with the LMI/TGI body and the inference component, and reads an LMI object response', async () => {
    sagemaker.on(InvokeEndpointCommand).resolves(endpointBody({ generated_text: ' Paris.', details: { finish_reason: 'eos_token', generated_tokens: 3 } }));

    const output = await invokeCandidate(clients, event([{ id: 'q1', prompt: 'Capital of France?', reference: 'Paris' }], { candidate: endpoint, inference: { maxTokens: 128, temperature: 0.7, topP: 0.9 } }), options());

    const input = sagemaker.commandCalls(InvokeEndpointCommand)[0].args[0].input;
    expect(input).toEqual(expect.objectContaining({ EndpointName: 'llm-dev', InferenceComponentName: 'llm-dev-ic', ContentType: 'application/json', Accept: 'application/json' }));
    expect(sentBody()).toEqual({
      inputs: 'Capital of France?',
      parameters: { max_new_tokens: 128, do_sample: true, temperature: 0.7, top_p: 0.9, details: true, return_full_text: false },
    });
    expect(written().lines).toEqual([{ id: 'q1', prediction: ' Paris.', reference: 'Paris', latencyMs: 25, outputTokens: 3 }]);
    expect(output).toEqual(expect.objectContaining({ inputTokens: 0, outputTokens: 3 }));
  });

  test('reads a TGI list response and asks greedy decoding without temperature or top_p when the temperature is 0', async () => {
    sagemaker.on(InvokeEndpointCommand).resolves(endpointBody([{ generated_text: '4', details: { finish_reason: 'length', generated_tokens: 1 } }]));

    await invokeCandidate(clients, event([{ id: 'q1', prompt: 'What is 2+2?', reference: '4' }], { candidate: { kind: 'endpoint', endpointName: 'llm-dev' }, inference: { temperature: 0, topP: 0.9 } }), options());

    expect(sagemaker.commandCalls(InvokeEndpointCommand)[0].args[0].input).not.toHaveProperty('InferenceComponentName');
    expect(sentBody().parameters).toEqual({ max_new_tokens: 512, do_sample: false, details: true, return_full_text: false });
    expect(written().lines[0]).toEqual(expect.objectContaining({ prediction: '4', outputTokens: 1 }));
  });

  test('retries a ModelError with the container status 503 or 429 and a SageMaker ThrottlingException', async () => {
    const modelError = (status: number) => new ModelError({ message: 'Received server error (503) from primary', $metadata: {}, OriginalStatusCode: status, OriginalMessage: 'overloaded' });
    const throttling = new SageMakerRuntimeServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
    sagemaker.on(InvokeEndpointCommand).rejectsOnce(modelError(503)).rejectsOnce(modelError(429)).rejectsOnce(throttling).resolves(endpointBody({ generated_text: 'ok' }));

    await invokeCandidate(clients, event([{ id: 'q1', prompt: 'Hi', reference: 'x' }], { candidate: endpoint }), options());

    expect(sleeps).toEqual([500, 1000, 2000]);
    expect(isRetryable(modelError(400))).toBe(false);
  });

  test('fails the record when the container answers an error status, with that status in the cause', async () => {
    sagemaker.on(InvokeEndpointCommand).rejects(new ModelError({ message: 'Received client error (422) from primary', $metadata: {}, OriginalStatusCode: 422, OriginalMessage: 'Input validation error: inputs tokens + max_new_tokens must be <= 4096' }));
    await expect(invokeCandidate(clients, event([{ id: 'long-1', prompt: 'Very long', reference: 'x' }], { candidate: endpoint }), options())).rejects.toMatchObject({
      name: 'CandidateInvocationFailed',
      message: expect.stringContaining('long-1: ModelError: Received client error (422) from primary (container status 422: Input validation error'),
    });
    expect(sleeps).toEqual([]);
  });

  test('fails the record when the endpoint answers something else than generated_text, or a generation error', async () => {
    sagemaker.on(InvokeEndpointCommand).resolvesOnce(endpointBody({ outputs: ['x'] })).resolvesOnce(endpointBody({ generated_text: '', details: { finish_reason: 'error' } }));
    const items = [
      { id: 'q1', prompt: 'A', reference: 'x' },
      { id: 'q2', prompt: 'B', reference: 'x' },
    ];
    await expect(invokeCandidate(clients, event(items, { candidate: endpoint }), options({ concurrency: 1 }))).rejects.toMatchObject({
      message: expect.stringMatching(/q1: EndpointResponseUnreadable: .*expected \{"generated_text"[\s\S]*q2: EndpointResponseUnreadable: .*finish_reason "error"/),
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('prompt candidates', () => {
  const promptCandidate = { kind: 'prompt', promptArn: PROMPT_ARN, modelId: 'amazon.nova-lite-v1:0' };
  const STORED_PROMPT = storedPrompt({
    name: 'dev-support-qa',
    id: 'ABCDE12345',
    arn: PROMPT_ARN,
    version: '3',
    template: 'Answer from the context only.\n<context>{{context}}</context>\nQuestion: {{question}}',
    inference: { maxTokens: 300, temperature: 0.2 },
  });

  test('reads the prompt version once per batch, renders each record and sends it to Converse with the stored inference settings under the run', async () => {
    agent.on(GetPromptCommand).resolves(STORED_PROMPT);
    bedrock.on(ConverseCommand).resolves(converseAnswer('Paris'));
    const items = [
      { id: 'q1', variables: { context: 'Paris is the capital of France.', question: 'Capital of France?' }, reference: 'Paris' },
      { id: 'q2', variables: { context: 'Rome is in Italy.', question: 'Where is Rome?' }, reference: 'Italy' },
    ];

    await invokeCandidate(clients, event(items, { candidate: promptCandidate, inference: { temperature: 0 } }), options());

    expect(agent.commandCalls(GetPromptCommand).map((call) => call.args[0].input)).toEqual([{ promptIdentifier: 'ABCDE12345', promptVersion: '3' }]);
    const sent = bedrock.commandCalls(ConverseCommand).map((call) => call.args[0].input);
    expect(sent[0]).toEqual({
      modelId: 'amazon.nova-lite-v1:0',
      messages: [{ role: 'user', content: [{ text: 'Answer from the context only.\n<context>Paris is the capital of France.</context>\nQuestion: Capital of France?' }] }],
      inferenceConfig: { maxTokens: 300, temperature: 0 },
    });
    expect(sent[1].messages?.[0].content?.[0].text).toBe('Answer from the context only.\n<context>Rome is in Italy.</context>\nQuestion: Where is Rome?');
    expect(written().lines.map((line) => line.id)).toEqual(['q1', 'q2']);
  });

  test('fails the record whose variables miss one of the template, naming the variable, and writes nothing', async () => {
    agent.on(GetPromptCommand).resolves(STORED_PROMPT);
    bedrock.on(ConverseCommand).resolves(converseAnswer('ok'));
    const items = [
      { id: 'full', variables: { context: 'c', question: 'q' }, reference: 'x' },
      { id: 'partial', variables: { question: 'q' }, reference: 'x' },
    ];

    await expect(invokeCandidate(clients, event(items, { candidate: promptCandidate }), options())).rejects.toMatchObject({
      name: 'CandidateInvocationFailed',
      failures: [{ id: 'partial', cause: expect.stringMatching(/cannot render prompt dev-support-qa v3:\n {2}- values\.context: received nothing; allowed: a text for every declared variable/) }],
    });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('fails with PromptVersionInvalid when the prompt version has no TEXT variant', async () => {
    agent.on(GetPromptCommand).resolves({ ...STORED_PROMPT, variants: [{ name: 'chat', templateType: 'CHAT', templateConfiguration: { chat: { messages: [] } } }] });
    await expect(invokeCandidate(clients, event([{ id: 'q1', variables: { context: 'c', question: 'q' }, reference: 'x' }], { candidate: promptCandidate }), options())).rejects.toThrow(
      PromptVersionInvalidError,
    );
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
  });
});

describe('input checks', () => {
  test.each([
    ['no BatchInput', { Items: [{ prompt: 'x', reference: 'y' }] }, /BatchInput: received nothing/],
    ['no Items', { BatchInput: { ...base, candidate: bedrockCandidate } }, /Items: a non-empty list of records/],
    ['an unknown candidate kind', event([{ prompt: 'x', reference: 'y' }], { candidate: { kind: 'lambda', functionName: 'f' } }), /BatchInput\.candidate\.kind: received "lambda"; allowed: "bedrock" \| "endpoint" \| "model-package" \| "prompt"/],
    ['a prompt ARN without version', event([{ variables: {}, reference: 'y' }], { candidate: { kind: 'prompt', promptArn: 'arn:aws:bedrock:eu-west-1:123456789012:prompt/ABCDE12345', modelId: 'm' } }), /BatchInput\.candidate\.promptArn: .*a prompt version ARN/],
    ['a prompt ARN with version 0', event([{ variables: {}, reference: 'y' }], { candidate: { kind: 'prompt', promptArn: 'arn:aws:bedrock:eu-west-1:123456789012:prompt/ABCDE12345:0', modelId: 'm' } }), /BatchInput\.candidate\.promptArn/],
    ['an endpoint without name', event([{ prompt: 'x', reference: 'y' }], { candidate: { kind: 'endpoint' } }), /BatchInput\.candidate\.endpointName: received nothing/],
    ['an s3:// URL as bucket and a prefix without slash', event([{ prompt: 'x', reference: 'y' }], { outputBucket: 's3://eval-bucket', outputPrefix: 'runs' }), /outputBucket: .*a bucket name[\s\S]*outputPrefix: .*ending with "\/"/],
    ['a temperature above 1', event([{ prompt: 'x', reference: 'y' }], { inference: { temperature: 1.5 } }), /BatchInput\.inference\.temperature: received 1\.5; allowed: randomness, a number from 0 to 1/],
    ['an unknown key', { ...event([{ prompt: 'x', reference: 'y' }]), Extra: 1 }, /Extra: an unknown key/],
  ])('rejects %s with InvokeCandidateInputError before any call', async (_name, input, message) => {
    const error = await invokeCandidate(clients, input, options()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvokeCandidateInputError);
    expect((error as Error).message).toMatch(message);
    expect(bedrock.calls()).toHaveLength(0);
    expect(agent.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  test('rejects a batch with bad records, naming each record and its problem, before any call', async () => {
    const items = [
      { id: 'good', prompt: 'x', reference: 'y' },
      { id: 'no-reference', prompt: 'x' },
      { prompt: 'x', variables: { a: 'b' }, reference: 'y' },
      { id: 'template-record', variables: { a: 'b' }, reference: 'y' },
    ];
    const error = (await invokeCandidate(clients, event(items), options()).catch((caught: unknown) => caught)) as EvaluationRecordInvalidError;
    expect(error).toBeInstanceOf(EvaluationRecordInvalidError);
    expect(error.name).toBe('EvaluationRecordInvalid');
    expect(error.problems).toEqual([
      expect.stringMatching(/^record "no-reference": reference: received nothing/),
      expect.stringMatching(/^item 3 of the batch \(no id\): .*either prompt or variables, not both/),
      expect.stringMatching(/^record "template-record": variables: received variables; allowed: a prompt/),
    ]);
    expect(bedrock.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  test('rejects a record with a prompt when the candidate is a prompt template', async () => {
    const input = event([{ id: 'q1', prompt: 'x', reference: 'y' }], { candidate: { kind: 'prompt', promptArn: PROMPT_ARN, modelId: 'm' } });
    await expect(invokeCandidate(clients, input, options())).rejects.toThrow(/record "q1": prompt: received a prompt; allowed: variables/);
    expect(agent.calls()).toHaveLength(0);
  });
});

test('invokes the endpoint serving a model-package candidate', async () => {
  sagemaker.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode(JSON.stringify({ generated_text: 'Paris' })) as never });
  const output = await invokeCandidate(
    clients,
    event([{ id: 'q1', prompt: 'Capital of France?', reference: ['Paris'] }], {
      candidate: { kind: 'model-package', modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/ft-group/3', endpointName: 'staging-llm' },
    }),
    options(),
  );
  expect(output.items).toBe(1);
  expect(sagemaker.commandCalls(InvokeEndpointCommand)[0].args[0].input.EndpointName).toBe('staging-llm');
  expect(written().lines[0].prediction).toBe('Paris');
});
