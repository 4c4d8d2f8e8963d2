import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockAgentRuntimeClient, RetrieveCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import { ApplyGuardrailCommand, BedrockRuntimeClient, ConverseCommand, ThrottlingException, ValidationException, type ContentBlock, type ConverseCommandOutput, type Message } from '@aws-sdk/client-bedrock-runtime';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handleAgentEvent, type AgentHandlerDeps } from '../../lambda/tool-agent/agent';
import { parseAgentConfig, parseToolsEnv, type AgentConfig } from '../../lambda/tool-agent/config';
import { currentTime } from '../../lambda/tool-agent/current-time';
import type { Clock } from '../../lambda/tool-agent/deadline';
import { checkSchema, validateValue } from '../../lambda/tool-agent/json-schema';
import { readPassages } from '../../lambda/tool-agent/knowledge-base';
import { readToolResponse } from '../../lambda/tool-agent/lambda-tool';
import { MASKED_INPUT_ANSWER, type LoopOptions } from '../../lambda/tool-agent/loop';
import { createToolRegistry, supportsToolResultStatus } from '../../lambda/tool-agent/tools';

const bedrock = mockClient(BedrockRuntimeClient);
const agentRuntime = mockClient(BedrockAgentRuntimeClient);
const lambda = mockClient(LambdaClient);

const MODEL_ID = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const WEATHER_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:weather';
const weatherTool = {
  name: 'weather',
  description: 'The current weather in a city.',
  functionName: WEATHER_ARN,
  inputSchema: {
    type: 'object',
    properties: { city: { type: 'string', minLength: 1 }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city'],
    additionalProperties: false,
  },
};
const baseEnv = { MODEL_ID, KNOWLEDGE_BASE_ID: 'KB12345678', TOOLS: JSON.stringify([weatherTool]) };

/** 2025-03-04T05:06:07Z, a Tuesday. */
const START = Date.UTC(2025, 2, 4, 5, 6, 7);
let now: number;
let sleeps: number[];
/**
 * A fake clock: time moves only when a sleep ends (by its length) or a
 * mock moves it. A sleep ends on the next macrotask, after every mocked
 * call (which settle in microtasks): a deadline fires only for a call that
 * never settles, and no test waits.
 */
const clock: Clock = {
  now: () => now,
  sleep: (ms, signal) =>
    new Promise((resolve) =>
      setImmediate(() => {
        if (!signal?.aborted) {
          now += ms;
          sleeps.push(ms);
        }
        resolve();
      }),
    ),
};
const logger = new Logger({ serviceName: 'tool-agent-test', logLevel: 'SILENT' });

beforeEach(() => {
  bedrock.reset();
  // The guardrail's check of the message passes unless a test says otherwise.
  bedrock.on(ApplyGuardrailCommand).resolves({ action: 'NONE', outputs: [], assessments: [], usage: undefined });
  agentRuntime.reset();
  lambda.reset();
  now = START;
  sleeps = [];
  jest.restoreAllMocks();
});

function depsFor(env: Record<string, string> = {}, options: LoopOptions = {}): AgentHandlerDeps {
  const config = parseAgentConfig({ ...baseEnv, ...env });
  const registry = createToolRegistry(config, { lambda: new LambdaClient({}), knowledgeBases: new BedrockAgentRuntimeClient({}), now: clock.now });
  return { config, registry, bedrock: new BedrockRuntimeClient({}), clock, logger, options: { random: () => 0.5, ...options } };
}

interface Reply {
  statusCode: number;
  headers: Readonly<Record<string, string>>;
  body: any;
}
async function post(body: unknown, env: Record<string, string> = {}, options: LoopOptions = {}): Promise<Reply> {
  const event = { body: typeof body === 'string' ? body : JSON.stringify(body), requestContext: { requestId: 'api-req-1' } };
  const response = await handleAgentEvent(depsFor(env, options), event, { awsRequestId: 'lambda-req-1' });
  return { statusCode: response.statusCode, headers: response.headers, body: JSON.parse(response.body) };
}

const usage = (inputTokens = 10, outputTokens = 5) => ({ inputTokens, outputTokens, totalTokens: inputTokens + outputTokens });
const answer = (text: string, stopReason: ConverseCommandOutput['stopReason'] = 'end_turn'): ConverseCommandOutput => ({
  output: { message: { role: 'assistant', content: [{ text }] } },
  stopReason,
  usage: usage(),
  metrics: { latencyMs: 100 },
  $metadata: {},
});
type Use = [id: string, name: string, input: unknown];
const toolUse = (uses: Use[], text?: string): ConverseCommandOutput => ({
  output: {
    message: {
      role: 'assistant',
      content: [...(text === undefined ? [] : [{ text }]), ...uses.map(([toolUseId, name, input]): ContentBlock => ({ toolUse: { toolUseId, name, input: input as never } }))],
    },
  },
  stopReason: 'tool_use',
  usage: usage(20, 8),
  metrics: { latencyMs: 100 },
  $metadata: {},
});
const payload = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)) as InvokeCommandOutput['Payload'];

/** The messages sent in the n-th Converse call (0-based). */
const sentMessages = (call: number): Message[] => bedrock.commandCalls(ConverseCommand)[call].args[0].input.messages ?? [];
/** The toolResult blocks of the last message of the n-th Converse call. */
const toolResults = (call: number) => (sentMessages(call).at(-1)?.content ?? []).map((block) => block.toolResult);

describe('POST /agent: the Converse tool-use loop', () => {
  test('answers in one turn, offering every tool, with the configured model, token limit and no guardrail', async () => {
    bedrock.on(ConverseCommand).resolves(answer('Paris is the capital of France.'));
    const reply = await post({ message: 'What is the capital of France?' });
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toEqual({ answer: 'Paris is the capital of France.', turns: 1, toolCalls: [], usage: { inputTokens: 10, outputTokens: 5 } });
    const input = bedrock.commandCalls(ConverseCommand)[0].args[0].input;
    expect(input.modelId).toBe(MODEL_ID);
    expect(input.inferenceConfig).toEqual({ maxTokens: 1024 });
    expect(input.messages).toEqual([{ role: 'user', content: [{ text: 'What is the capital of France?' }] }]);
    expect(input.toolConfig?.tools?.map((tool) => tool.toolSpec?.name)).toEqual(['calculator', 'current_time', 'search_knowledge_base', 'weather']);
    expect(input.toolConfig?.tools?.[3].toolSpec).toEqual({ name: 'weather', description: weatherTool.description, inputSchema: { json: weatherTool.inputSchema } });
    expect(input.guardrailConfig).toBeUndefined();
    expect(input.system).toBeUndefined();
  });

  test('sends the history before the message, the system prompt, MAX_TOKENS and the guardrail', async () => {
    bedrock.on(ConverseCommand).resolves(answer('Yes.'));
    const history = [
      { role: 'user', text: 'Hello' },
      { role: 'assistant', text: 'Hi! How can I help?' },
    ];
    const env = { SYSTEM_PROMPT: 'You are terse.', MAX_TOKENS: '256', GUARDRAIL_ID: 'gr0abc123', GUARDRAIL_VERSION: '3' };
    expect((await post({ message: 'Still there?', history, sessionId: 'session-1' }, env)).statusCode).toBe(200);
    const input = bedrock.commandCalls(ConverseCommand)[0].args[0].input;
    expect(input.messages?.map((message) => [message.role, message.content?.[0].text])).toEqual([
      ['user', 'Hello'],
      ['assistant', 'Hi! How can I help?'],
      ['user', 'Still there?'],
    ]);
    expect(input.system).toEqual([{ text: 'You are terse.' }]);
    expect(input.inferenceConfig).toEqual({ maxTokens: 256 });
    expect(input.guardrailConfig).toEqual({ guardrailIdentifier: 'gr0abc123', guardrailVersion: '3', trace: 'enabled' });
  });

  test('offers no knowledge-base search without KNOWLEDGE_BASE_ID', async () => {
    bedrock.on(ConverseCommand).resolves(answer('ok'));
    await post({ message: 'hi' }, { KNOWLEDGE_BASE_ID: '' });
    const names = bedrock.commandCalls(ConverseCommand)[0].args[0].input.toolConfig?.tools?.map((tool) => tool.toolSpec?.name);
    expect(names).toEqual(['calculator', 'current_time', 'weather']);
  });

  test('leaves the toolResult status out for models other than Claude and Nova, which refuse the field', async () => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(toolUse([['t1', 'calculator', { expression: '1 / 0' }]]))
      .resolvesOnce(answer('Division by zero is undefined.'));
    const reply = await post({ message: 'What is 1 / 0?' }, { MODEL_ID: 'us.meta.llama3-3-70b-instruct-v1:0' });
    expect(reply.statusCode).toBe(200);
    expect(toolResults(1)).toEqual([{ toolUseId: 't1', content: [{ json: { error: expect.stringMatching(/division by zero/) } }] }]);
    expect(supportsToolResultStatus('us.amazon.nova-pro-v1:0')).toBe(true);
    expect(supportsToolResultStatus('arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe(true);
    expect(supportsToolResultStatus('mistral.mistral-large-2407-v1:0')).toBe(false);
  });

  test('runs the calculator the model asks for, sends "0.9" back, then answers', async () => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(toolUse([['t1', 'calculator', { expression: '(0.1 + 0.2) * 3' }]], 'Let me compute that.'))
      .resolvesOnce(answer('(0.1 + 0.2) * 3 is exactly 0.9.'));
    const reply = await post({ message: 'What is (0.1 + 0.2) * 3?' });
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toEqual({
      answer: '(0.1 + 0.2) * 3 is exactly 0.9.',
      turns: 2,
      toolCalls: [{ name: 'calculator', ok: true, ms: 0 }],
      usage: { inputTokens: 30, outputTokens: 13 },
    });
    const messages = sentMessages(1);
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[1].content?.[1].toolUse?.name).toBe('calculator');
    expect(toolResults(1)).toEqual([{ toolUseId: 't1', content: [{ json: { result: '0.9', exact: true } }], status: 'success' }]);
    // The tools are offered on every turn (Converse requires them once the messages hold tool blocks).
    expect(bedrock.commandCalls(ConverseCommand)[1].args[0].input.toolConfig?.tools).toHaveLength(4);
  });

  test('runs two tools asked for in one turn and returns both results in one message, in order', async () => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(
        toolUse([
          ['t1', 'current_time', { timeZone: 'Europe/Paris' }],
          ['t2', 'calculator', { expression: '365 - 63' }],
        ]),
      )
      .resolvesOnce(answer('It is Tuesday; 302 days are left.'));
    const reply = await post({ message: 'What day is it in Paris, and how many days are left this year?' });
    expect(reply.body.toolCalls).toEqual([
      { name: 'current_time', ok: true, ms: 0 },
      { name: 'calculator', ok: true, ms: 0 },
    ]);
    expect(toolResults(1)).toEqual([
      {
        toolUseId: 't1',
        content: [{ json: { utc: '2025-03-04T05:06:07.000Z', timeZone: 'Europe/Paris', localDateTime: '2025-03-04T06:06:07', utcOffset: '+01:00', weekday: 'Tuesday' } }],
        status: 'success',
      },
      { toolUseId: 't2', content: [{ json: { result: '302', exact: true } }], status: 'success' },
    ]);
  });

  test('invokes a registered Lambda tool with {tool, input} and passes its JSON response to the model', async () => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(toolUse([['t1', 'weather', { city: 'Paris', unit: 'celsius' }]]))
      .resolvesOnce(answer('12 °C in Paris.'));
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ temperature: 12, sky: 'cloudy' }) });
    const reply = await post({ message: 'Weather in Paris?' });
    expect(reply.body.toolCalls).toEqual([{ name: 'weather', ok: true, ms: 0 }]);
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    expect(input.FunctionName).toBe(WEATHER_ARN);
    expect(input.InvocationType).toBe('RequestResponse');
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({ tool: 'weather', input: { city: 'Paris', unit: 'celsius' } });
    expect(toolResults(1)).toEqual([{ toolUseId: 't1', content: [{ json: { temperature: 12, sky: 'cloudy' } }], status: 'success' }]);
  });

  test('searches the knowledge base and gives the model excerpts with their source', async () => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(toolUse([['t1', 'search_knowledge_base', { query: 'refund policy', topK: 2 }]]))
      .resolvesOnce(answer('Refunds within 30 days [s3://docs/refunds.pdf].'));
    agentRuntime.on(RetrieveCommand).resolves({
      retrievalResults: [
        { content: { text: 'Refunds are accepted within 30 days.' }, location: { type: 'S3', s3Location: { uri: 's3://docs/refunds.pdf' } }, score: 0.8 },
        { content: { text: 'See the help centre.' }, location: { type: 'WEB', webLocation: { url: 'https://example.com/help' } } },
      ],
    });
    await post({ message: 'What is the refund policy?' });
    expect(agentRuntime.commandCalls(RetrieveCommand)[0].args[0].input).toEqual({
      knowledgeBaseId: 'KB12345678',
      retrievalQuery: { text: 'refund policy' },
      retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: 2 } },
    });
    expect(toolResults(1)[0]?.content).toEqual([
      {
        json: {
          results: [
            { excerpt: 'Refunds are accepted within 30 days.', sourceUri: 's3://docs/refunds.pdf', score: 0.8 },
            { excerpt: 'See the help centre.', sourceUri: 'https://example.com/help' },
          ],
        },
      },
    ]);
  });

  describe('a failing tool gives an error result and the loop continues', () => {
    const runWeather = async (): Promise<Reply> => {
      bedrock
        .on(ConverseCommand)
        .resolvesOnce(toolUse([['t1', 'weather', { city: 'Paris' }]]))
        .resolvesOnce(answer('Sorry, the weather service is unavailable.'));
      const reply = await post({ message: 'Weather in Paris?' });
      expect(reply.statusCode).toBe(200);
      expect(reply.body.turns).toBe(2);
      expect(reply.body.answer).toBe('Sorry, the weather service is unavailable.');
      expect(reply.body.toolCalls).toEqual([expect.objectContaining({ name: 'weather', ok: false })]);
      return reply;
    };
    const errorResult = () => {
      const [result] = toolResults(1);
      expect(result?.status).toBe('error');
      expect(result?.toolUseId).toBe('t1');
      return (result?.content?.[0].json as { error: string }).error;
    };

    test('when invoking its function throws: the model reads the error name only', async () => {
      lambda.on(InvokeCommand).rejects(Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/x is not authorized'), { name: 'AccessDeniedException' }));
      await runWeather();
      expect(errorResult()).toBe('weather failed (AccessDeniedException)');
    });

    test('when its function reports a FunctionError', async () => {
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorType: 'CityNotFound', errorMessage: 'no city "Paris"', trace: ['at x'] }) });
      await runWeather();
      expect(errorResult()).toBe('the tool\'s function failed (Unhandled): CityNotFound: no city "Paris"');
    });

    test('when its function answers something that is not JSON', async () => {
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('sunny, 12 degrees') });
      await runWeather();
      expect(errorResult()).toMatch(/^the tool's function answered "sunny, 12 degrees", which is not JSON$/);
    });

    test('when it does not answer within the budget less the answer reserve', async () => {
      lambda.on(InvokeCommand).callsFake(() => new Promise(() => undefined));
      const reply = await runWeather();
      // 20 s budget, a quarter kept for the answer: the tool had 15 s.
      expect(errorResult()).toBe('weather did not answer within 15000 ms');
      expect(reply.body.toolCalls).toEqual([{ name: 'weather', ok: false, ms: 15_000 }]);
      expect((lambda.commandCalls(InvokeCommand)[0].args as unknown[])[1]).toEqual({ abortSignal: expect.objectContaining({ aborted: true }) });
    });
  });

  test('rejects a call of an unknown tool with an error result listing the tools', async () => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(toolUse([['t1', 'stock_price', { symbol: 'AMZN' }]]))
      .resolvesOnce(answer('I cannot look up stock prices.'));
    const reply = await post({ message: 'AMZN price?' });
    expect(reply.body.toolCalls).toEqual([{ name: 'stock_price', ok: false, ms: 0 }]);
    expect(toolResults(1)).toEqual([
      { toolUseId: 't1', content: [{ json: { error: 'unknown tool "stock_price"; the tools are calculator, current_time, search_knowledge_base, weather' } }], status: 'error' },
    ]);
  });

  test('runs at most 10 tools in one turn and answers the others with an error result', async () => {
    const uses = Array.from({ length: 12 }, (_, i): Use => [`t${i}`, 'calculator', { expression: `${i} + 1` }]);
    bedrock.on(ConverseCommand).resolvesOnce(toolUse(uses)).resolvesOnce(answer('ok'));
    const reply = await post({ message: 'Add one to each of 0..11' });
    expect(reply.body.toolCalls.map((call: { ok: boolean }) => call.ok)).toEqual([...Array(10).fill(true), false, false]);
    expect(toolResults(1)[11]).toEqual({
      toolUseId: 't11',
      content: [{ json: { error: 'not run: at most 10 tool calls per turn; ask for the rest in the next turn' } }],
      status: 'error',
    });
  });

  test.each([
    [{ city: 3 }, 'invalid input for weather: input.city: received 3; allowed: a string of at least 1 characters'],
    [{}, 'invalid input for weather: input.city: received nothing; allowed: a string of at least 1 characters (required)'],
    [{ city: 'Paris', unit: 'kelvin' }, 'invalid input for weather: input.unit: received "kelvin"; allowed: "celsius" | "fahrenheit"'],
    [{ city: 'Paris', days: 3 }, 'invalid input for weather: input.days: received an unknown key; allowed: one of the keys city, unit'],
  ])('rejects input %j that fails the tool schema, naming the field, without invoking the tool', async (input, error) => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(toolUse([['t1', 'weather', input]]))
      .resolvesOnce(answer('ok'));
    await post({ message: 'Weather?' });
    expect(toolResults(1)).toEqual([{ toolUseId: 't1', content: [{ json: { error } }], status: 'error' }]);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  test('rejects a knowledge-base search for more than 10 passages and an unknown time zone', async () => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(
        toolUse([
          ['t1', 'search_knowledge_base', { query: 'refunds', topK: 50 }],
          ['t2', 'current_time', { timeZone: 'Mars/Olympus_Mons' }],
        ]),
      )
      .resolvesOnce(answer('ok'));
    await post({ message: 'Refunds?' });
    expect(toolResults(1).map((result) => [result?.status, (result?.content?.[0].json as { error: string }).error])).toEqual([
      ['error', 'invalid input for search_knowledge_base: input.topK: received 50; allowed: a whole number from 1 to 10'],
      ['error', 'input.timeZone: received "Mars/Olympus_Mons"; allowed: an IANA time zone such as "Europe/Paris", "America/New_York" or "UTC"'],
    ]);
    expect(agentRuntime.commandCalls(RetrieveCommand)).toHaveLength(0);
  });

  test('stops at MAX_TURNS with the last text', async () => {
    bedrock.on(ConverseCommand).resolves(toolUse([['t', 'calculator', { expression: '1 + 1' }]], 'Still computing.'));
    const reply = await post({ message: 'Loop forever' }, { MAX_TURNS: '3' });
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toMatchObject({ answer: 'Still computing.', turns: 3, stopped: 'max-turns' });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(3);
    // The tools of the last turn are not run: no turn is left to read their results.
    expect(reply.body.toolCalls).toHaveLength(2);
  });

  test('stops at MAX_TURNS with a clear message when the model wrote no text', async () => {
    bedrock.on(ConverseCommand).resolves(toolUse([['t', 'calculator', { expression: '1 + 1' }]]));
    const reply = await post({ message: 'Loop forever' }, { MAX_TURNS: '2' });
    expect(reply.body).toMatchObject({ turns: 2, stopped: 'max-turns' });
    expect(reply.body.answer).toBe('Stopped after 2 turns without a final answer (the limit is 2); try a simpler or more specific question.');
  });

  test('stops when the time budget is spent before the tools could run', async () => {
    // Each Converse call takes 12 s of a 20 s budget: after the second, no time is left.
    bedrock.on(ConverseCommand).callsFake(async () => {
      now += 12_000;
      return toolUse([['t', 'calculator', { expression: '2 * 21' }]]);
    });
    const reply = await post({ message: 'Slow model' });
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toMatchObject({ turns: 2, stopped: 'time-budget' });
    expect(reply.body.answer).toBe('Stopped after 2 turns without a final answer: the time budget of 20000 ms was spent.');
    expect(reply.body.toolCalls).toEqual([{ name: 'calculator', ok: true, ms: 0 }]);
  });

  test('stops when a Converse call outlasts the time budget, and aborts it', async () => {
    bedrock.on(ConverseCommand).callsFake(() => new Promise(() => undefined));
    const reply = await post({ message: 'Hanging model' }, { TIME_BUDGET_MS: '5000' });
    expect(reply.body).toMatchObject({ turns: 0, stopped: 'time-budget', toolCalls: [] });
    expect(sleeps).toEqual([5000]);
    expect((bedrock.commandCalls(ConverseCommand)[0].args as unknown[])[1]).toEqual({ abortSignal: expect.objectContaining({ aborted: true }) });
  });

  test('answers the guardrail\'s message when it intervenes', async () => {
    bedrock.on(ConverseCommand).resolves(answer('Sorry, I cannot help with that topic.', 'guardrail_intervened'));
    const reply = await post({ message: 'Something off-limits' }, { GUARDRAIL_ID: 'gr0abc123', GUARDRAIL_VERSION: 'DRAFT' });
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toEqual({ answer: 'Sorry, I cannot help with that topic.', turns: 1, toolCalls: [], usage: { inputTokens: 10, outputTokens: 5 }, blocked: true });
  });

  test('answers with the masked text when the guardrail only masked PII (its trace says ANONYMIZED)', async () => {
    bedrock.on(ConverseCommand).resolves({
      ...answer('Write to {EMAIL} for a refund.', 'guardrail_intervened'),
      trace: { guardrail: { outputAssessments: { gr0abc123: [{ sensitiveInformationPolicy: { piiEntities: [{ match: 'help@example.com', type: 'EMAIL', action: 'ANONYMIZED', detected: true }], regexes: [] } }] } } },
    });
    const reply = await post({ message: 'Who do I write to for a refund?' }, { GUARDRAIL_ID: 'gr0abc123', GUARDRAIL_VERSION: '3' });
    expect(reply.body).toEqual({ answer: 'Write to {EMAIL} for a refund.', turns: 1, toolCalls: [], usage: { inputTokens: 10, outputTokens: 5 } });
  });

  test('checks the message with the guardrail first and sends it masked when the guardrail only masked PII in it', async () => {
    bedrock.on(ApplyGuardrailCommand).resolves({
      action: 'GUARDRAIL_INTERVENED',
      outputs: [{ text: 'My e-mail is {EMAIL}: why was I charged twice?' }],
      assessments: [{ sensitiveInformationPolicy: { piiEntities: [{ match: 'ann@example.com', type: 'EMAIL', action: 'ANONYMIZED', detected: true }], regexes: [] } }],
      usage: undefined,
    });
    bedrock.on(ConverseCommand).resolves(answer('Duplicate charges are refunded within 5 days.'));
    const reply = await post({ message: 'My e-mail is ann@example.com: why was I charged twice?' }, { GUARDRAIL_ID: 'gr0abc123', GUARDRAIL_VERSION: '3' });
    expect(reply.body).toMatchObject({ answer: 'Duplicate charges are refunded within 5 days.', turns: 1 });
    expect(bedrock.commandCalls(ApplyGuardrailCommand)[0].args[0].input).toEqual({
      guardrailIdentifier: 'gr0abc123',
      guardrailVersion: '3',
      source: 'INPUT',
      content: [{ text: { text: 'My e-mail is ann@example.com: why was I charged twice?' } }],
    });
    const sent = bedrock.commandCalls(ConverseCommand)[0].args[0].input;
    expect(sent.messages?.at(-1)).toEqual({ role: 'user', content: [{ text: 'My e-mail is {EMAIL}: why was I charged twice?' }] });
    expect(JSON.stringify(sent)).not.toContain('ann@example.com');
  });

  test('answers the guardrail\'s message without calling the model when the guardrail blocks the message', async () => {
    bedrock.on(ApplyGuardrailCommand).resolves({
      action: 'GUARDRAIL_INTERVENED',
      outputs: [{ text: 'Sorry, I cannot help with that topic.' }],
      assessments: [{ topicPolicy: { topics: [{ name: 'Legal advice', type: 'DENY', action: 'BLOCKED', detected: true }] } }],
      usage: undefined,
    });
    const reply = await post({ message: 'Can I sue my landlord?' }, { GUARDRAIL_ID: 'gr0abc123', GUARDRAIL_VERSION: '3' });
    expect(reply.body).toEqual({ answer: 'Sorry, I cannot help with that topic.', turns: 0, toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, blocked: true });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
  });

  test('checks nothing before Converse without a guardrail', async () => {
    bedrock.on(ConverseCommand).resolves(answer('Hi.'));
    await post({ message: 'Hello' });
    expect(bedrock.commandCalls(ApplyGuardrailCommand)).toHaveLength(0);
  });

  test('says the conversation holds masked personal data, not the masked input, when Converse\'s guardrail masked the history', async () => {
    bedrock.on(ConverseCommand).resolves({
      ...answer('Hi, my name is {NAME}', 'guardrail_intervened'),
      trace: { guardrail: { inputAssessment: { gr0abc123: { sensitiveInformationPolicy: { piiEntities: [{ match: 'Jane Roe', type: 'NAME', action: 'ANONYMIZED', detected: true }], regexes: [] } } } } },
    });
    const reply = await post({ message: 'And my order?', history: [{ role: 'user', text: 'Hi, my name is Jane Roe' }, { role: 'assistant', text: 'Hello!' }] }, { GUARDRAIL_ID: 'gr0abc123', GUARDRAIL_VERSION: '3' });
    expect(reply.body).toMatchObject({ answer: MASKED_INPUT_ANSWER, blocked: true });
  });

  test('blocks when the guardrail masked the answer down to nothing', async () => {
    bedrock.on(ConverseCommand).resolves({
      ...answer('', 'guardrail_intervened'),
      trace: { guardrail: { outputAssessments: { gr0abc123: [{ sensitiveInformationPolicy: { piiEntities: [{ match: 'x', type: 'NAME', action: 'ANONYMIZED', detected: true }], regexes: [] } }] } } },
    });
    const reply = await post({ message: 'Who?' }, { GUARDRAIL_ID: 'gr0abc123', GUARDRAIL_VERSION: '3' });
    expect(reply.body).toMatchObject({ answer: 'The request was blocked by the content policy.', blocked: true });
  });

  test('logs that the answer was masked, never the trace\'s unmasked matches', async () => {
    const lines: string[] = [];
    const loud = new Logger({ serviceName: 'tool-agent-test', logLevel: 'INFO' });
    jest.spyOn(loud as unknown as { printLog: (level: unknown, log: { getAttributes: () => unknown }) => void }, 'printLog').mockImplementation((_level, log) => {
      lines.push(JSON.stringify(log.getAttributes()));
    });
    bedrock.on(ConverseCommand).resolves({
      ...answer('Write to {EMAIL} for a refund.', 'guardrail_intervened'),
      trace: { guardrail: { modelOutput: ['Write to help@example.com for a refund.'], outputAssessments: { gr0abc123: [{ sensitiveInformationPolicy: { piiEntities: [{ match: 'help@example.com', type: 'EMAIL', action: 'ANONYMIZED', detected: true }], regexes: [] } }] } } },
    });
    const deps = { ...depsFor({ GUARDRAIL_ID: 'gr0abc123', GUARDRAIL_VERSION: '3' }), logger: loud };
    await handleAgentEvent(deps, { body: JSON.stringify({ message: 'Who do I write to?' }), requestContext: { requestId: 'r' } }, { awsRequestId: 'l' });
    expect(lines.some((line) => line.includes('"guardrail":"answer-masked"'))).toBe(true);
    expect(lines.join('\n')).not.toContain('help@example.com');
  });

  test('blocks when the trace holds a BLOCKED action beside masked PII', async () => {
    bedrock.on(ConverseCommand).resolves({
      ...answer('Sorry, I cannot help with that topic.', 'guardrail_intervened'),
      trace: {
        guardrail: {
          inputAssessment: { gr0abc123: { topicPolicy: { topics: [{ name: 'Legal advice', type: 'DENY', action: 'BLOCKED', detected: true }] } } },
          outputAssessments: { gr0abc123: [{ sensitiveInformationPolicy: { piiEntities: [{ match: 'Jane', type: 'NAME', action: 'ANONYMIZED', detected: true }], regexes: [] } }] },
        },
      },
    });
    const reply = await post({ message: 'Can Jane sue her landlord?' }, { GUARDRAIL_ID: 'gr0abc123', GUARDRAIL_VERSION: '3' });
    expect(reply.body).toMatchObject({ answer: 'Sorry, I cannot help with that topic.', blocked: true });
  });

  test('flags an answer cut by MAX_TOKENS', async () => {
    bedrock.on(ConverseCommand).resolves(answer('The first part of a long', 'max_tokens'));
    expect((await post({ message: 'Write an essay' })).body).toMatchObject({ answer: 'The first part of a long', stopped: 'max-tokens' });
  });

  test('retries a throttled Converse with full-jitter backoff, then answers', async () => {
    const throttled = new ThrottlingException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } });
    bedrock.on(ConverseCommand).rejectsOnce(throttled).rejectsOnce(throttled).resolves(answer('Done.'));
    const reply = await post({ message: 'hi' });
    expect(reply.statusCode).toBe(200);
    expect(reply.body.answer).toBe('Done.');
    // Jitter 0.5 of 250 ms, then of 500 ms.
    expect(sleeps).toEqual([125, 250]);
  });

  test('fails with 503 and Retry-After when Converse stays throttled through the retries', async () => {
    bedrock.on(ConverseCommand).rejects(new ThrottlingException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } }));
    const reply = await post({ message: 'hi' });
    expect(reply.statusCode).toBe(503);
    expect(reply.headers['Retry-After']).toBe('5');
    expect(reply.body).toEqual({ error: expect.any(String), retryAfterSeconds: 5 });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(10);
    expect(sleeps).toEqual([125, 250, 500, 1000, 2000, 2000, 2000, 2000, 2000]);
  });

  test('fails with 503 when the time budget leaves no room for another attempt', async () => {
    bedrock.on(ConverseCommand).rejects(new ThrottlingException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } }));
    // Base 2 s with jitter 0.5: waits 1 s, 2 s, then a 4 s wait would end less than 1 s before the 8 s deadline.
    const reply = await post({ message: 'hi' }, { TIME_BUDGET_MS: '8000' }, { baseDelayMs: 2000, maxDelayMs: 8000 });
    expect(reply.statusCode).toBe(503);
    expect(sleeps).toEqual([1000, 2000]);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(3);
  });

  test('fails with a generic 500 on any other Converse error, the details only in the log', async () => {
    bedrock.on(ConverseCommand).rejects(new ValidationException({ message: 'The model arn:aws:bedrock:secret is not supported', $metadata: { httpStatusCode: 400 } }));
    const error = jest.spyOn(logger, 'error');
    const reply = await post({ message: 'hi' });
    expect(reply.statusCode).toBe(500);
    expect(reply.body.error).not.toMatch(/arn|Validation|model/);
    expect(reply.body.error).toMatch(/api-req-1/);
    expect(error).toHaveBeenCalled();
  });

  describe("the guardrail's check of the message", () => {
    const guarded = { GUARDRAIL_ID: 'gr0abc123', GUARDRAIL_VERSION: '3' };

    test('is retried when throttled, then the conversation goes on', async () => {
      const throttled = new ThrottlingException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } });
      bedrock.on(ApplyGuardrailCommand).rejectsOnce(throttled).resolves({ action: 'NONE', outputs: [], assessments: [], usage: undefined });
      bedrock.on(ConverseCommand).resolves(answer('Done.'));
      const reply = await post({ message: 'hi' }, guarded);
      expect(reply.body).toMatchObject({ answer: 'Done.', turns: 1 });
      expect(bedrock.commandCalls(ApplyGuardrailCommand)).toHaveLength(2);
      expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(1);
      expect(sleeps).toEqual([125]);
    });

    test('stops within the time budget when it hangs, aborting it and calling no model', async () => {
      bedrock.on(ApplyGuardrailCommand).callsFake(() => new Promise(() => undefined));
      const reply = await post({ message: 'hi' }, { ...guarded, TIME_BUDGET_MS: '5000' });
      expect(reply.body).toMatchObject({ turns: 0, stopped: 'time-budget', toolCalls: [] });
      expect((bedrock.commandCalls(ApplyGuardrailCommand)[0].args as unknown[])[1]).toEqual({ abortSignal: expect.objectContaining({ aborted: true }) });
      expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
    });

    test('fails with a generic 500 when ApplyGuardrail refuses the request', async () => {
      bedrock.on(ApplyGuardrailCommand).rejects(new ValidationException({ message: 'The guardrail gr0abc123 version 3 does not exist', $metadata: { httpStatusCode: 400 } }));
      const reply = await post({ message: 'hi' }, guarded);
      expect(reply.statusCode).toBe(500);
      expect(reply.body.error).not.toMatch(/gr0abc123/);
      expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
    });
  });

  test('reads input masking after a tool turn as a block (the input then holds tool results the user cannot remove)', async () => {
    const maskedInput = {
      ...answer('The guardrail masked the request.', 'guardrail_intervened'),
      trace: { guardrail: { inputAssessment: { gr0abc123: { sensitiveInformationPolicy: { piiEntities: [{ match: '555-0100', type: 'PHONE' as const, action: 'ANONYMIZED' as const, detected: true }], regexes: [] } } } } },
    };
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(toolUse([['t1', 'calculator', { expression: '2 + 2' }]]))
      .resolvesOnce(maskedInput);
    const reply = await post({ message: 'Add two and two' }, { GUARDRAIL_ID: 'gr0abc123', GUARDRAIL_VERSION: '3' });
    expect(reply.body).toMatchObject({ turns: 2, blocked: true, answer: 'The guardrail masked the request.' });
    expect(reply.body.answer).not.toBe(MASKED_INPUT_ANSWER);
  });

  test('fails with 500 when the model stops for a reason it cannot answer with', async () => {
    bedrock.on(ConverseCommand).resolves({ ...answer(''), stopReason: 'malformed_tool_use' });
    expect((await post({ message: 'hi' })).statusCode).toBe(500);
  });

  test('logs every turn with its number, stop reason, tools, durations and tokens, never the message text', async () => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(toolUse([['t1', 'calculator', { expression: '6 * 7' }]]))
      .resolvesOnce(answer('42, the secret answer.'));
    const info = jest.spyOn(logger, 'info');
    const appended = jest.spyOn(logger, 'appendKeys');
    await post({ message: 'my secret question', sessionId: 'abc-1' });
    const turns = info.mock.calls.filter(([message]) => message === 'agent turn').map(([, attributes]) => attributes);
    expect(turns).toEqual([
      { turn: 1, stopReason: 'tool_use', converseMs: 0, usage: { inputTokens: 20, outputTokens: 8 }, tools: [{ name: 'calculator', ok: true, ms: 0 }] },
      { turn: 2, stopReason: 'end_turn', converseMs: 0, usage: { inputTokens: 10, outputTokens: 5 } },
    ]);
    const logged = JSON.stringify([info.mock.calls, appended.mock.calls]);
    expect(logged).not.toMatch(/secret/);
    expect(logged).toMatch(/abc-1/);
  });
});

describe('POST /agent: request validation', () => {
  test.each([
    ['no message', {}, 'message', /^message: received nothing; allowed: a message of 1 to 4000 characters/],
    ['an empty message', { message: '' }, 'message', /^message: received ""; allowed: a message of 1 to 4000 characters/],
    ['a message of spaces', { message: '   ' }, 'message', /^message: received " {3}"; allowed: a message of 1 to 4000 characters, not only spaces/],
    ['a message of 4001 characters', { message: 'x'.repeat(4001) }, 'message', /^message: received "x+\.\.\.; allowed: a message of 1 to 4000 characters/],
    ['a message that is not text', { message: 42 }, 'message', /^message: received 42/],
    ['history from the assistant', { message: 'hi', history: [{ role: 'assistant', text: 'Hello' }] }, 'history.0.role', /^history\.0\.role: received "assistant"; allowed: turns alternating/],
    ['history ending with the user', { message: 'hi', history: [{ role: 'user', text: 'a' }] }, 'history.0.role', /^history\.0\.role: received "user"; allowed: turns alternating/],
    ['a history role that is neither', { message: 'hi', history: [{ role: 'system', text: 'a' }] }, 'history.0.role', /^history\.0\.role: received "system"; allowed: "user" \| "assistant"/],
    [
      '22 turns of history',
      { message: 'hi', history: Array.from({ length: 22 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', text: 't' })) },
      'history',
      /^history: .*at most 20 turns/,
    ],
    ['a session id with spaces', { message: 'hi', sessionId: 'has spaces' }, 'sessionId', /^sessionId: received "has spaces"; allowed: a session id/],
    ['an unknown key', { message: 'hi', temperature: 1 }, 'temperature', /^temperature: received an unknown key; allowed: one of the keys message, history, sessionId/],
  ])('rejects %s with 400 naming the field', async (_case, body, field, error) => {
    const reply = await post(body);
    expect(reply.statusCode).toBe(400);
    expect(reply.body).toEqual({ error: expect.stringMatching(error), field });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
  });

  test('rejects a body that is not JSON with 400', async () => {
    const reply = await post('message=hi');
    expect(reply.statusCode).toBe(400);
    expect(reply.body.field).toBe('(body)');
  });
});

describe('environment', () => {
  test('reads the defaults', () => {
    expect(parseAgentConfig({ MODEL_ID: MODEL_ID })).toEqual({ modelId: MODEL_ID, maxTurns: 6, timeBudgetMs: 20_000, maxTokens: 1024, tools: [] });
  });

  test('fails on every bad variable at once, naming each', () => {
    const bad = () => parseAgentConfig({ MAX_TURNS: '0', TIME_BUDGET_MS: '20s', KNOWLEDGE_BASE_ID: 'kb', GUARDRAIL_ID: 'gr0abc123' });
    expect(bad).toThrow(/MODEL_ID: received nothing/);
    expect(bad).toThrow(/MAX_TURNS: received "0"; allowed: a whole number from 1 to 50/);
    expect(bad).toThrow(/TIME_BUDGET_MS: received "20s"/);
    expect(bad).toThrow(/KNOWLEDGE_BASE_ID: received "kb"/);
    expect(bad).toThrow(/GUARDRAIL_VERSION: received nothing; allowed: set together with GUARDRAIL_ID/);
  });

  test('parses TOOLS', () => {
    expect(parseToolsEnv(JSON.stringify([weatherTool]))).toEqual([weatherTool]);
    expect(parseToolsEnv(undefined)).toEqual([]);
    expect(parseToolsEnv('[]')).toEqual([]);
  });

  test.each([
    ['text that is not JSON', 'not json', /TOOLS: received "not json", not JSON/],
    ['an object', '{}', /TOOLS: received \{\}; allowed: a JSON list of tools/],
    ['a name with a space', JSON.stringify([{ ...weatherTool, name: 'get weather' }]), /TOOLS\.0\.name: received "get weather"; allowed: a tool name, 1 to 64 letters, digits, "_" or "-"/],
    ['a function name that is not an ARN', JSON.stringify([{ ...weatherTool, functionName: 'weather' }]), /TOOLS\.0\.functionName: received "weather"; allowed: the ARN of a Lambda function/],
    ['no description', JSON.stringify([{ ...weatherTool, description: undefined }]), /TOOLS\.0\.description: received nothing/],
    ['an unknown key', JSON.stringify([{ ...weatherTool, extra: 1 }]), /TOOLS\.0\.extra: received an unknown key/],
    ['two tools of one name', JSON.stringify([weatherTool, weatherTool]), /TOOLS\.1\.name: received "weather"; allowed: a name no other tool has/],
    ['a built-in tool name', JSON.stringify([{ ...weatherTool, name: 'calculator' }]), /TOOLS\.0\.name: received "calculator"; allowed: a name other than the built-in tools/],
    ['an input schema that is not an object', JSON.stringify([{ ...weatherTool, inputSchema: { type: 'string' } }]), /TOOLS\.0\.inputSchema\.type: received "string"; allowed: "object"/],
    [
      'a keyword outside the subset',
      JSON.stringify([{ ...weatherTool, inputSchema: { type: 'object', properties: { city: { type: 'string', pattern: '^[A-Z]' } } } }]),
      /TOOLS\.0\.inputSchema\.properties\.city\.pattern: received an unsupported keyword/,
    ],
  ])('rejects TOOLS with %s, naming the field', (_case, text, message) => {
    expect(() => parseToolsEnv(text)).toThrow(message);
    expect(() => parseAgentConfig({ MODEL_ID, TOOLS: text })).toThrow(/the tool agent cannot start/);
  });

  test('fails the handler at init when TOOLS is invalid', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { MODEL_ID, TOOLS: '[{"name": "bad name"}]', POWERTOOLS_LOG_LEVEL: 'SILENT' });
    try {
      await jest.isolateModulesAsync(async () => {
        await expect(import('../../lambda/tool-agent/index')).rejects.toThrow(/TOOLS\.0\.name: received "bad name"/);
      });
    } finally {
      process.env = saved;
    }
  });
});

describe('JSON Schema subset', () => {
  const schema = {
    type: 'object' as const,
    properties: {
      name: { type: 'string' as const, maxLength: 3 },
      count: { type: 'integer' as const, minimum: 0 },
      ratio: { type: 'number' as const, maximum: 1 },
      flag: { type: 'boolean' as const },
      tags: { type: 'array' as const, items: { type: 'string' as const, enum: ['a', 'b'] } },
      nested: { type: 'object' as const, properties: { deep: { type: 'string' as const } }, required: ['deep'] },
    },
    required: ['name'],
  };

  test('accepts valid values and other keys without additionalProperties: false', () => {
    expect(validateValue(schema, { name: 'abc', count: 0, ratio: 0.5, flag: false, tags: ['a', 'b'], nested: { deep: 'x' }, other: 1 }, 'input')).toEqual([]);
  });

  test('names every field that fails', () => {
    expect(validateValue(schema, { name: 'abcd', count: 1.5, ratio: 2, flag: 'yes', tags: ['a', 'c'], nested: {} }, 'input')).toEqual([
      'input.name: received "abcd"; allowed: a string of at most 3 characters',
      'input.count: received 1.5; allowed: a whole number >= 0',
      'input.ratio: received 2; allowed: a number <= 1',
      'input.flag: received "yes"; allowed: true or false',
      'input.tags.1: received "c"; allowed: "a" | "b"',
      'input.nested.deep: received nothing; allowed: a string (required)',
    ]);
    expect(validateValue(schema, [], 'input')).toEqual(['input: received []; allowed: an object {name, count, ratio, flag, tags, nested}']);
    expect(validateValue(schema, undefined, 'input')).toEqual(['input: received nothing; allowed: an object {name, count, ratio, flag, tags, nested} (required)']);
  });

  test('rejects schemas outside the subset', () => {
    expect(checkSchema(schema, 's')).toEqual([]);
    expect(checkSchema({ type: ['string', 'null'], oneOf: [], additionalProperties: {}, enum: [], minimum: '1' }, 's')).toEqual([
      expect.stringMatching(/^s\.oneOf: received an unsupported keyword/),
      's.type: received ["string","null"]; allowed: "object" | "string" | "number" | "integer" | "boolean" | "array"',
      's.additionalProperties: received {}; allowed: true or false (a schema is not supported)',
      's.enum: received []; allowed: a non-empty list of values',
      's.minimum: received "1"; allowed: a number',
    ]);
  });
});

describe('tool helpers', () => {
  test('readToolResponse wraps a JSON value that is not an object', () => {
    expect(readToolResponse({ StatusCode: 200, Payload: payload(42) })).toEqual({ result: 42 });
    expect(readToolResponse({ StatusCode: 200, Payload: payload([1, 2]) })).toEqual({ result: [1, 2] });
    expect(readToolResponse({ StatusCode: 200, Payload: payload(null) })).toEqual({ result: null });
    expect(() => readToolResponse({ StatusCode: 200, Payload: payload('') })).toThrow(/which is not JSON/);
  });

  test('currentTime gives the local time and offset of an IANA zone, UTC by default', () => {
    expect(currentTime(START)).toEqual({ utc: '2025-03-04T05:06:07.000Z', timeZone: 'UTC', localDateTime: '2025-03-04T05:06:07', utcOffset: '+00:00', weekday: 'Tuesday' });
    expect(currentTime(START, 'Asia/Kolkata')).toMatchObject({ localDateTime: '2025-03-04T10:36:07', utcOffset: '+05:30' });
    expect(currentTime(START, 'America/New_York')).toMatchObject({ localDateTime: '2025-03-04T00:06:07', utcOffset: '-05:00', weekday: 'Tuesday' });
  });

  test('readPassages takes the source from any location kind, or the metadata', () => {
    expect(
      readPassages({
        retrievalResults: [
          { content: { text: 'a' }, location: { type: 'CONFLUENCE', confluenceLocation: { url: 'https://wiki/a' } } },
          { content: { text: 'b' }, metadata: { 'x-amz-bedrock-kb-source-uri': 's3://b/b.txt' } },
          { content: { text: '  ' } },
          { content: { text: 'c' } },
        ],
      }),
    ).toEqual([{ excerpt: 'a', sourceUri: 'https://wiki/a' }, { excerpt: 'b', sourceUri: 's3://b/b.txt' }, { excerpt: 'c' }]);
  });

  test('the tool specs are valid Converse tool specs in the subset', () => {
    const config: AgentConfig = parseAgentConfig(baseEnv);
    const registry = createToolRegistry(config, { lambda: new LambdaClient({}), knowledgeBases: new BedrockAgentRuntimeClient({}), now: clock.now });
    for (const tool of registry.toolConfig.tools ?? []) {
      expect(tool.toolSpec?.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(checkSchema(tool.toolSpec?.inputSchema?.json, tool.toolSpec?.name ?? '')).toEqual([]);
    }
  });
});
