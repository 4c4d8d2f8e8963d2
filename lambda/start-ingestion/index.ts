import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import { readTarget, startIngestion, type BatchResponse, type SqsBatch } from './ingest';

const client = new BedrockAgentClient({});
const logger = new Logger();
const target = readTarget(process.env);

/** One batch of ingestion requests from SQS: one ingestion job, or the batch back to the queue (see ingest.ts). */
export async function handler(event: SqsBatch): Promise<BatchResponse> {
  const { response, result } = await startIngestion(client, target, event);
  logger.info('ingestion requests handled', { ...result, knowledgeBaseId: target.knowledgeBaseId, dataSourceId: target.dataSourceId });
  return response;
}
