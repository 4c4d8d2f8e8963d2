import { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import { BedrockAgentRuntimeClient } from '@aws-sdk/client-bedrock-agent-runtime';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { createAskHandler } from './ask';

// Every call is retried by lambda/shared/retry.ts only (full jitter, within the question's budget): one SDK attempt each.
const clients = {
  bedrock: new BedrockRuntimeClient({ maxAttempts: 1 }),
  agentRuntime: new BedrockAgentRuntimeClient({ maxAttempts: 1 }),
  sagemaker: new SageMakerRuntimeClient({ maxAttempts: 1 }),
  prompts: new BedrockAgentClient({ maxAttempts: 1 }),
};

/** POST /ask: a question answered from the knowledge base, with citations, behind the guardrail (see ask.ts). */
export const handler = createAskHandler(clients, process.env);
