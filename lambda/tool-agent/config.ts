import { formatIssue } from '../../lib/config/issues';
import { describe, KitError } from '../../lib/errors';
import * as z from '../../lib/validation/zod-mini';
import { GUARDRAIL_IDENTIFIER, GUARDRAIL_VERSION, type GuardrailRef } from '../shared/guardrail';
import { BEDROCK_KB_ID } from '../shared/names';
import { checkSchema, type JsonSchema } from './json-schema';

/**
 * The tool agent's settings, read once at init from the environment the
 * construct sets. Any problem fails the Lambda's init with every problem
 * named (`NAME: received X; allowed: Y`), rather than failing requests later.
 */
export interface AgentConfig {
  /** MODEL_ID: the Bedrock model id, inference profile id or ARN the agent converses with. */
  readonly modelId: string;
  /** KNOWLEDGE_BASE_ID: the search_knowledge_base tool exists only when set. */
  readonly knowledgeBaseId?: string;
  /** GUARDRAIL_ID and GUARDRAIL_VERSION, both or neither: Converse `guardrailConfig`. */
  readonly guardrail?: GuardrailRef;
  /** MAX_TURNS: most Converse calls per request. @default 6 */
  readonly maxTurns: number;
  /** TIME_BUDGET_MS: wall time of a request, all turns and tools included. @default 20000 */
  readonly timeBudgetMs: number;
  /** MAX_TOKENS: `inferenceConfig.maxTokens` of each Converse call. @default 1024 */
  readonly maxTokens: number;
  /** TOOLS: the registered Lambda tools. @default [] */
  readonly tools: readonly RegisteredTool[];
  /** SYSTEM_PROMPT: the system prompt; absent: none. */
  readonly systemPrompt?: string;
}

/** A tool served by a Lambda function (an element of TOOLS). */
export interface RegisteredTool {
  /** The tool's name as the model sees it: `^[a-zA-Z0-9_-]{1,64}$`, unique, not a built-in tool's. */
  readonly name: string;
  /** What the tool does and when to use it, for the model. */
  readonly description: string;
  /** The ARN of the Lambda function (optionally with a version or alias). */
  readonly functionName: string;
  /** The JSON Schema of the tool's input, in the subset of ./json-schema, with `type: "object"`. */
  readonly inputSchema: JsonSchema;
}

/** Names of the built-in tools, which a registered tool may not take (even when the knowledge base is absent). */
export const BUILT_IN_TOOL_NAMES: readonly string[] = ['calculator', 'current_time', 'search_knowledge_base'];

export const DEFAULT_MAX_TURNS = 6;
export const DEFAULT_TIME_BUDGET_MS = 20_000;
export const DEFAULT_MAX_TOKENS = 1024;

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** A Lambda function ARN, unqualified or with a version or alias (Lambda's FunctionName pattern, ARN form only). */
const LAMBDA_ARN = /^arn:aws(?:-[a-z]+)*:lambda:[a-z0-9-]{1,20}:\d{12}:function:[a-zA-Z0-9_-]{1,64}(?::(?:\$LATEST|[a-zA-Z0-9_-]{1,128}))?$/;

const DESCRIPTION_RULE = 'a description of the tool for the model, 1 to 4000 characters';

const registeredToolsSchema = z.array(
  z.strictObject({
    name: z.string({ error: 'a tool name, 1 to 64 letters, digits, "_" or "-"' }).check(z.regex(TOOL_NAME, { error: 'a tool name, 1 to 64 letters, digits, "_" or "-"' })),
    description: z.string({ error: DESCRIPTION_RULE }).check(z.minLength(1, { error: DESCRIPTION_RULE }), z.maxLength(4000, { error: DESCRIPTION_RULE })),
    functionName: z
      .string({ error: 'the ARN of a Lambda function' })
      .check(z.regex(LAMBDA_ARN, { error: 'the ARN of a Lambda function, arn:<partition>:lambda:<region>:<account>:function:<name>[:<version or alias>]' })),
    inputSchema: z.record(z.string(), z.unknown(), { error: 'a JSON Schema object with type "object"' }),
  }),
  { error: 'a JSON list of tools [{name, description, functionName, inputSchema}]' },
);

type Env = Readonly<Record<string, string | undefined>>;

/** The value of an environment variable; an empty one counts as unset. */
const read = (env: Env, name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);

/**
 * Reads the agent's settings from the environment; throws a KitError naming
 * every problem (the Lambda's init fails, so a bad deployment is seen at
 * once rather than on a request).
 */
export function parseAgentConfig(env: Env): AgentConfig {
  const problems: string[] = [];
  const modelId = read(env, 'MODEL_ID');
  if (modelId === undefined) problems.push('MODEL_ID: received nothing; allowed: a Bedrock model id, inference profile id or ARN (required)');
  const knowledgeBaseId = read(env, 'KNOWLEDGE_BASE_ID');
  if (knowledgeBaseId !== undefined && !BEDROCK_KB_ID.test(knowledgeBaseId)) {
    problems.push(`KNOWLEDGE_BASE_ID: received ${describe(knowledgeBaseId)}; allowed: a knowledge base id, 10 letters or digits`);
  }
  const guardrail = readGuardrail(env, problems);
  const maxTurns = readInteger(env, 'MAX_TURNS', DEFAULT_MAX_TURNS, 1, 50, problems);
  const timeBudgetMs = readInteger(env, 'TIME_BUDGET_MS', DEFAULT_TIME_BUDGET_MS, 1_000, 900_000, problems);
  const maxTokens = readInteger(env, 'MAX_TOKENS', DEFAULT_MAX_TOKENS, 1, 200_000, problems);
  let tools: readonly RegisteredTool[] = [];
  try {
    tools = parseToolsEnv(env.TOOLS);
  } catch (error) {
    if (!(error instanceof KitError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new KitError('the tool agent cannot start: its environment is invalid', problems);
  const systemPrompt = read(env, 'SYSTEM_PROMPT');
  return {
    modelId: modelId as string,
    ...(knowledgeBaseId === undefined ? {} : { knowledgeBaseId }),
    ...(guardrail === undefined ? {} : { guardrail }),
    maxTurns,
    timeBudgetMs,
    maxTokens,
    tools,
    ...(systemPrompt === undefined ? {} : { systemPrompt }),
  };
}

/**
 * Parses TOOLS, the registered Lambda tools (absent or empty: none). Throws
 * a KitError with one line per problem: `TOOLS.1.name: received ...; allowed: ...`.
 */
export function parseToolsEnv(text: string | undefined): RegisteredTool[] {
  if (text === undefined || text.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new KitError('TOOLS is invalid', [`TOOLS: received ${describe(text)}, not JSON (${(error as Error).message}); allowed: a JSON list of tools [{name, description, functionName, inputSchema}]`]);
  }
  const parsed = registeredToolsSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((issue) => formatIssue(issue, registeredToolsSchema, value));
    throw new KitError('TOOLS is invalid', lines.map((problem) => (problem.startsWith('(top level)') ? problem.replace('(top level)', 'TOOLS') : `TOOLS.${problem}`)));
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  parsed.data.forEach((tool, index) => {
    const path = `TOOLS.${index}`;
    if (BUILT_IN_TOOL_NAMES.includes(tool.name)) problems.push(`${path}.name: received ${describe(tool.name)}; allowed: a name other than the built-in tools ${BUILT_IN_TOOL_NAMES.join(', ')}`);
    else if (seen.has(tool.name)) problems.push(`${path}.name: received ${describe(tool.name)}; allowed: a name no other tool has (names are unique)`);
    seen.add(tool.name);
    problems.push(...checkSchema(tool.inputSchema, `${path}.inputSchema`));
    if (tool.inputSchema.type !== 'object') problems.push(`${path}.inputSchema.type: received ${describe(tool.inputSchema.type)}; allowed: "object" (a tool's input is an object)`);
  });
  if (problems.length > 0) throw new KitError('TOOLS is invalid', problems);
  return parsed.data.map((tool) => ({ ...tool, inputSchema: tool.inputSchema as JsonSchema }));
}

function readGuardrail(env: Env, problems: string[]): AgentConfig['guardrail'] {
  const identifier = read(env, 'GUARDRAIL_ID');
  const version = read(env, 'GUARDRAIL_VERSION');
  if (identifier === undefined && version === undefined) return undefined;
  if (identifier === undefined || version === undefined) {
    const [missing, present] = identifier === undefined ? ['GUARDRAIL_ID', 'GUARDRAIL_VERSION'] : ['GUARDRAIL_VERSION', 'GUARDRAIL_ID'];
    problems.push(`${missing}: received nothing; allowed: set together with ${present}, or neither`);
    return undefined;
  }
  if (!GUARDRAIL_IDENTIFIER.test(identifier)) problems.push(`GUARDRAIL_ID: received ${describe(identifier)}; allowed: a guardrail id or guardrail ARN`);
  if (!GUARDRAIL_VERSION.test(version)) problems.push(`GUARDRAIL_VERSION: received ${describe(version)}; allowed: a version number (1, 2, ...) or DRAFT`);
  return { identifier, version };
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const text = read(env, name);
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name}: received ${describe(text)}; allowed: a whole number from ${min} to ${max} (unset: ${fallback})`);
    return fallback;
  }
  return value;
}
