import { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { invokeCandidate, type InvokeCandidateOutput } from './invoke';

// The model calls are retried by lambda/shared/retry.ts only (backoff with full jitter, bounded attempts): one SDK attempt each.
const clients = {
  s3: new S3Client({}),
  bedrock: new BedrockRuntimeClient({ maxAttempts: 1 }),
  sagemaker: new SageMakerRuntimeClient({ maxAttempts: 1 }),
  prompts: new BedrockAgentClient({}),
};

/** Predicts one batch of the evaluation set with the candidate (see invoke.ts). */
export async function handler(event: unknown): Promise<InvokeCandidateOutput> {
  return invokeCandidate(clients, event);
}
