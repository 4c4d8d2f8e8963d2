import type { Logger } from '@aws-lambda-powertools/logger';
import type { BedrockAgentRuntimeClient } from '@aws-sdk/client-bedrock-agent-runtime';
import type { ContentBlock, ToolConfiguration, ToolInputSchema, ToolUseBlock } from '@aws-sdk/client-bedrock-runtime';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { KitError } from '../../lib/errors';
import { calculatorToolSpec, runCalculatorTool } from './calculator';
import type { AgentConfig } from './config';
import { currentTimeTool } from './current-time';
import { DeadlineExceededError, withDeadline, type Clock } from './deadline';
import { checkSchema, validateValue, type JsonSchema } from './json-schema';
import { knowledgeBaseTool } from './knowledge-base';
import { lambdaTool } from './lambda-tool';
import { clip, ToolError, type AgentTool } from './tool';

/** A JSON value as Converse's types spell it. */
type DocumentType = ToolInputSchema.JsonMember['json'];

/** Longest tool result given to the model, characters of JSON; a longer one is an error result. */
export const MAX_TOOL_RESULT_LENGTH = 20_000;
/** Most tools run for one turn; the model's further requests of that turn get an error result. */
export const MAX_TOOL_USES_PER_TURN = 10;
/** Longest tool name reported (in the response and the log): a name the model made up may be anything. */
const MAX_REPORTED_NAME_LENGTH = 64;

/** The tools of the agent, by name, and the Converse toolConfig offering them. */
export interface ToolRegistry {
  readonly tools: ReadonlyMap<string, AgentTool>;
  readonly toolConfig: ToolConfiguration;
}

/** What the tools need: the clients of the tools that call AWS, and the clock of current_time. */
export interface ToolClients {
  readonly lambda: LambdaClient;
  readonly knowledgeBases: BedrockAgentRuntimeClient;
  readonly now: () => number;
}

/** One tool call as the response reports it. */
export interface ToolCall {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
}

/** The calculator of ./calculator, as an agent tool. */
const calculatorTool: AgentTool = {
  name: calculatorToolSpec.name,
  description: calculatorToolSpec.description,
  inputSchema: calculatorToolSpec.inputSchema.json as JsonSchema,
  run: async (input) => {
    const result = runCalculatorTool(input);
    if ('error' in result) throw new ToolError(result.error);
    return { ...result };
  },
};

/**
 * The tools: calculator, current_time, search_knowledge_base (only with a
 * knowledge base) and the registered Lambda tools, in that order. Throws a
 * KitError if a schema is outside the validator's subset (the registered
 * tools' schemas were checked by parseToolsEnv already).
 */
export function createToolRegistry(config: Pick<AgentConfig, 'knowledgeBaseId' | 'tools'>, clients: ToolClients): ToolRegistry {
  const list: AgentTool[] = [
    calculatorTool,
    currentTimeTool(clients.now),
    ...(config.knowledgeBaseId === undefined ? [] : [knowledgeBaseTool(clients.knowledgeBases, config.knowledgeBaseId)]),
    ...config.tools.map((tool) => lambdaTool(tool, clients.lambda)),
  ];
  const problems = list.flatMap((tool) => checkSchema(tool.inputSchema, `${tool.name}.inputSchema`));
  if (problems.length > 0) throw new KitError('a tool schema is outside the supported JSON Schema subset', problems);
  const tools = new Map(list.map((tool) => [tool.name, tool]));
  if (tools.size !== list.length) throw new KitError(`two tools have the same name among ${list.map((tool) => tool.name).join(', ')}`);
  return {
    tools,
    toolConfig: {
      tools: list.map((tool) => ({
        toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: tool.inputSchema as DocumentType } },
      })),
    },
  };
}

/** A tool result for the model, success or error. */
type Outcome = { readonly ok: true; readonly json: Record<string, unknown> } | { readonly ok: false; readonly json: { readonly error: string } };
const failure = (error: string): Outcome => ({ ok: false, json: { error } });

export interface RunToolsOptions {
  /** Time each tool has, milliseconds: the tools run in parallel, so this bounds them all. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The model takes a toolResult's `status` (only Claude and Nova do; others refuse the field): see supportsToolResultStatus. */
  readonly statusSupported: boolean;
}

/** Converse's toolResult `status` is accepted by Anthropic Claude and Amazon Nova models only (the SDK's documentation of ToolResultBlock). */
export function supportsToolResultStatus(modelId: string): boolean {
  return /(anthropic\.claude|amazon\.nova)/.test(modelId);
}

/**
 * Runs every tool the model asked for, in parallel, each within the time
 * given; returns the toolResult blocks (in the order of the requests) for
 * the next user message, and one ToolCall each. Never throws for a tool's
 * sake: an unknown tool, an input that fails the schema, a tool that throws,
 * times out or answers something unusable gives a result with status
 * "error" and a JSON `{ "error": ... }` the model can act on.
 */
export async function runToolUses(registry: ToolRegistry, uses: readonly ToolUseBlock[], options: RunToolsOptions): Promise<{ results: ContentBlock[]; calls: ToolCall[] }> {
  const done = await Promise.all(
    uses.map((use, index) =>
      index < MAX_TOOL_USES_PER_TURN
        ? runToolUse(registry, use, options)
        : report(use, failure(`not run: at most ${MAX_TOOL_USES_PER_TURN} tool calls per turn; ask for the rest in the next turn`), 0, options.statusSupported),
    ),
  );
  return { results: done.map((one) => one.result), calls: done.map((one) => one.call) };
}

async function runToolUse(registry: ToolRegistry, use: ToolUseBlock, options: RunToolsOptions): Promise<{ result: ContentBlock; call: ToolCall }> {
  const started = options.clock.now();
  const outcome = await dispatch(registry, use.name ?? '', use.input, options);
  return report(use, outcome, options.clock.now() - started, options.statusSupported);
}

/** The toolResult block; an error still reads as one to every model, through its `{ "error": ... }` content. */
function report(use: ToolUseBlock, outcome: Outcome, ms: number, statusSupported: boolean): { result: ContentBlock; call: ToolCall } {
  return {
    result: { toolResult: { toolUseId: use.toolUseId, content: [{ json: outcome.json as DocumentType }], ...(statusSupported ? { status: outcome.ok ? 'success' : 'error' } : {}) } },
    call: { name: clip(use.name ?? '', MAX_REPORTED_NAME_LENGTH), ok: outcome.ok, ms },
  };
}

async function dispatch(registry: ToolRegistry, name: string, input: unknown, options: RunToolsOptions): Promise<Outcome> {
  const tool = registry.tools.get(name);
  if (tool === undefined) return failure(`unknown tool ${JSON.stringify(clip(name, MAX_REPORTED_NAME_LENGTH))}; the tools are ${[...registry.tools.keys()].join(', ')}`);
  const problems = validateValue(tool.inputSchema, input, 'input');
  if (problems.length > 0) return failure(`invalid input for ${name}: ${problems.join('; ')}`);
  try {
    const json = await withDeadline((signal) => tool.run(input as Record<string, unknown>, signal), options.timeoutMs, options.clock);
    const length = JSON.stringify(json).length;
    if (length > MAX_TOOL_RESULT_LENGTH) return failure(`the result of ${name} is ${length} characters of JSON, more than ${MAX_TOOL_RESULT_LENGTH}; ask for less`);
    return { ok: true, json };
  } catch (error) {
    if (error instanceof ToolError) return failure(error.message);
    if (error instanceof DeadlineExceededError) {
      options.logger.warn('tool timed out', { tool: name, timeoutMs: options.timeoutMs });
      return failure(`${name} did not answer within ${options.timeoutMs} ms`);
    }
    // Details (ARNs, internal messages) stay in the logs; the model reads the error's name only.
    const errorName = error instanceof Error ? error.name : typeof error;
    options.logger.warn('tool failed', { tool: name, error: errorName, detail: error instanceof Error ? error.message : String(error) });
    return failure(`${name} failed (${errorName})`);
  }
}
