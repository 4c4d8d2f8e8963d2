import { serveJson, type ApiEvent, type ApiResponse, type LambdaContext } from '../shared/api';
import type { AgentConfig } from './config';
import { runAgent, type AgentDeps } from './loop';
import { readAgentRequest } from './request';
import { answerResponse } from './response';

export interface AgentHandlerDeps extends AgentDeps {
  readonly config: AgentConfig;
}

/**
 * POST /agent: validates the body, runs the tool-use loop, answers 200.
 * Failures are mapped by serveJson (lambda/shared/api.ts): a bad body ->
 * 400 `{ error, field }`; Converse still throttled after the retries the
 * budget allowed -> 503 `{ error, retryAfterSeconds }` with Retry-After;
 * anything else -> 500 without details (logged under the request id).
 */
export async function handleAgentEvent(deps: AgentHandlerDeps, event: ApiEvent, context: LambdaContext): Promise<ApiResponse> {
  const { logger } = deps;
  return serveJson(
    event,
    context,
    logger,
    async () => {
      const request = readAgentRequest(event);
      // Lengths and ids only: the text is never logged.
      logger.appendKeys({ sessionId: request.sessionId, messageChars: request.message.length, historyTurns: request.history?.length ?? 0 });
      return answerResponse(await runAgent(deps, deps.config, request));
    },
    { clock: deps.clock.now },
  );
}
