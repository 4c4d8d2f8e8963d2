import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockAgentRuntimeClient } from '@aws-sdk/client-bedrock-agent-runtime';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { ApiEvent, ApiResponse, LambdaContext } from '../shared/api';
import { handleAgentEvent, type AgentHandlerDeps } from './agent';
import { parseAgentConfig } from './config';
import { systemClock } from './deadline';
import { createToolRegistry } from './tools';

const logger = new Logger({ serviceName: 'tool-agent' });

/** Read once at init: a bad environment (TOOLS, MAX_TURNS, ...) fails the init with every problem named. */
function init(): AgentHandlerDeps {
  try {
    const config = parseAgentConfig(process.env);
    const registry = createToolRegistry(config, { lambda: new LambdaClient({}), knowledgeBases: new BedrockAgentRuntimeClient({}), now: systemClock.now });
    // Converse is retried by lambda/shared/retry.ts only (full jitter, within the time budget): one SDK attempt each.
    return { config, registry, bedrock: new BedrockRuntimeClient({ maxAttempts: 1 }), clock: systemClock, logger };
  } catch (error) {
    logger.critical('the tool agent cannot start', error as Error);
    throw error;
  }
}

const deps = init();

/** POST /agent (API Gateway REST proxy): a Bedrock Converse tool-use loop (see loop.ts). */
export async function handler(event: ApiEvent, context: LambdaContext): Promise<ApiResponse> {
  return handleAgentEvent(deps, event, context);
}
