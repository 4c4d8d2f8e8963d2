import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../../lib/compliance/wildcards';
import { KitError } from '../../lib/errors';
import { acknowledgeGeneratedPolicy } from '../adapt/state-machine-policy';
import { handlerEntry } from '../kit-files';
import { API_ROUTE, PrivateFunction } from '../network/private-function';
import { INFERENCE_PROFILE_WILDCARD } from '../serve/bedrock-model';
import { functionOptionsOf, type AnswerModel, type AugmentFunctionOptions } from './answer-model';
import type { Guardrail } from './guardrail';
import type { KnowledgeBase } from './knowledge-base';
import { BUILT_IN_TOOL_NAMES, MAX_AGENT_TIME_BUDGET_SECONDS, TOOL_NAME_PATTERN } from './limits';

/**
 * A Lambda the agent may call as a tool: it receives the tool input as its
 * event and returns the result. The agent's role gets lambda:InvokeFunction
 * on it; a function of another account must also allow that role in its own
 * resource policy (import it with `skipPermissions`).
 */
export interface AgentTool {
  /** Converse tool name: letters, digits, _ and -, 1 to 64 characters; not a built-in tool's. */
  readonly name: string;
  /** What the tool does, for the model. */
  readonly description: string;
  readonly function: lambda.IFunction;
  /** JSON schema of the tool's input (an object schema). */
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

export interface ToolAgentFunctionProps extends AugmentFunctionOptions {
  /** A Bedrock model that supports Converse tool use. */
  readonly model: Extract<AnswerModel, { kind: 'bedrock' }>;
  /** Searched by the built-in knowledge-base tool. */
  readonly knowledgeBase: KnowledgeBase;
  readonly guardrail: Guardrail;
  /** @default - the built-in tools only (calculator, knowledge-base search) */
  readonly tools?: readonly AgentTool[];
  /** Most model turns of one request. @default 6 */
  readonly maxTurns?: number;
  /** Time one request may take, below API Gateway's 29 seconds. @default Duration.seconds(20) */
  readonly timeBudget?: Duration;
  /** Longest model answer per turn, in tokens. @default 1024 */
  readonly maxTokens?: number;
  /** @default - the handler's own */
  readonly systemPrompt?: string;
}

/** Lambda's limit on all environment variables of a function together. */
const MAX_ENVIRONMENT_BYTES = 4096;

/**
 * The tool-calling Lambda (lambda/tool-agent, POST /agent): a Bedrock
 * Converse tool-use loop with the built-in calculator and knowledge-base
 * search and the registered Lambda tools, bounded in turns and time, the
 * guardrail applied. Its role may invoke this model, retrieve from this
 * knowledge base, apply this guardrail and invoke the registered tools.
 */
export class ToolAgentFunction extends Construct implements iam.IGrantable {
  public readonly function: PrivateFunction;
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: ToolAgentFunctionProps) {
    super(scope, id);
    const tools = props.tools ?? [];
    const maxTurns = props.maxTurns ?? 6;
    const timeBudget = props.timeBudget ?? Duration.seconds(20);
    const maxTokens = props.maxTokens ?? 1024;
    this.checkProps(props, tools, maxTurns, timeBudget, maxTokens);

    this.function = new PrivateFunction(this, 'Function', {
      ...functionOptionsOf(props),
      entry: handlerEntry('tool-agent'),
      invocation: API_ROUTE,
      description: `Answers with tools and ${props.knowledgeBase.node.path} (POST /agent)`,
      timeout: Duration.seconds(Math.min(29, timeBudget.toSeconds() + 4)),
      memorySize: 512,
    });
    this.grantPrincipal = this.function.grantPrincipal;
    const toolsJson = Stack.of(this).toJsonString(
      tools.map((tool) => ({ name: tool.name, description: tool.description, functionName: tool.function.functionArn, inputSchema: tool.inputSchema })),
    );
    const environment: Record<string, string> = {
      MODEL_ID: props.model.modelId,
      KNOWLEDGE_BASE_ID: props.knowledgeBase.knowledgeBaseId,
      GUARDRAIL_ID: props.guardrail.guardrailId,
      GUARDRAIL_VERSION: props.guardrail.guardrailVersion,
      MAX_TURNS: String(maxTurns),
      TIME_BUDGET_MS: String(timeBudget.toMilliseconds()),
      MAX_TOKENS: String(maxTokens),
      TOOLS: toolsJson,
      ...(props.systemPrompt === undefined ? {} : { SYSTEM_PROMPT: props.systemPrompt }),
      POWERTOOLS_SERVICE_NAME: 'tool-agent',
    };
    const resolved = Object.entries(environment).filter(([, value]) => !Token.isUnresolved(value));
    const bytes = resolved.reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
    if (bytes > MAX_ENVIRONMENT_BYTES) {
      throw KitError.invalidProp(this, 'tools', `${bytes} bytes of environment`, `at most ${MAX_ENVIRONMENT_BYTES} bytes of environment variables (Lambda's limit): shorter tool descriptions, schemas or system prompt`);
    }
    for (const [name, value] of Object.entries(environment)) this.function.function.addEnvironment(name, value);

    props.model.grantInvoke(this.function);
    props.knowledgeBase.grantRetrieve(this.function);
    props.guardrail.grantApply(this.function);
    for (const tool of tools) tool.function.grantInvoke(this.function);
    acknowledgeGeneratedPolicy(this.function.role, 'grants of the model, the knowledge base, the guardrail and the registered tools');
    const grants = this.function.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
    if (grants !== undefined) {
      acknowledgeWildcards(grants as iam.CfnPolicy, [
        INFERENCE_PROFILE_WILDCARD,
        { match: /^Resource::.*:\*$/, reason: 'grantInvoke of a registered tool covers its versions and aliases (ARN:*) besides the function itself', actions: ['lambda:InvokeFunction'] },
      ]);
    }
  }

  private checkProps(props: ToolAgentFunctionProps, tools: readonly AgentTool[], maxTurns: number, timeBudget: Duration, maxTokens: number): void {
    if (props.model.kind !== 'bedrock') throw KitError.invalidProp(this, 'model', props.model.kind, 'a Bedrock model: the agent loop uses Converse tool use');
    if (!Number.isInteger(maxTurns) || maxTurns < 1 || maxTurns > 20) throw KitError.invalidProp(this, 'maxTurns', maxTurns, 'a whole number of turns from 1 to 20');
    const seconds = timeBudget.toSeconds();
    if (seconds < 1 || seconds > MAX_AGENT_TIME_BUDGET_SECONDS) {
      throw KitError.invalidProp(this, 'timeBudget', `${seconds} seconds`, `1 to ${MAX_AGENT_TIME_BUDGET_SECONDS} seconds (API Gateway ends a request after 29)`);
    }
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw KitError.invalidProp(this, 'maxTokens', maxTokens, 'a whole number of tokens >= 1');
    const names = new Set<string>();
    tools.forEach((tool, index) => {
      if (!TOOL_NAME_PATTERN.test(tool.name)) throw KitError.invalidProp(this, `tools.${index}.name`, tool.name, 'letters, digits, _ and -, 1 to 64 characters');
      if ((BUILT_IN_TOOL_NAMES as readonly string[]).includes(tool.name)) throw KitError.invalidProp(this, `tools.${index}.name`, tool.name, `a name other than the built-in tools' (${BUILT_IN_TOOL_NAMES.join(', ')})`);
      if (names.has(tool.name)) throw KitError.invalidProp(this, `tools.${index}.name`, tool.name, 'each tool name once');
      names.add(tool.name);
      if (tool.description.trim().length === 0) throw KitError.invalidProp(this, `tools.${index}.description`, tool.description, 'what the tool does, for the model');
      if (tool.inputSchema.type !== 'object') throw KitError.invalidProp(this, `tools.${index}.inputSchema`, tool.inputSchema, 'a JSON schema of an object ({"type": "object", ...})');
    });
  }
}
