import { RetrieveCommand, type BedrockAgentRuntimeClient, type KnowledgeBaseRetrievalResult, type RetrieveRequest } from '@aws-sdk/client-bedrock-agent-runtime';
import { retrievalFilter } from './filters';
import type { AskRequest } from './request';

/** The Retrieve request of a question: the knowledge base, topK results, the question's filters. */
export function retrieveRequest(knowledgeBaseId: string, request: AskRequest): RetrieveRequest {
  const filter = retrievalFilter(request.filters);
  return {
    knowledgeBaseId,
    retrievalQuery: { text: request.question },
    retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: request.topK, ...(filter === undefined ? {} : { filter }) } },
  };
}

/** One Retrieve call (retries are the caller's); the first page holds numberOfResults results. */
export async function retrieve(client: BedrockAgentRuntimeClient, request: RetrieveRequest): Promise<KnowledgeBaseRetrievalResult[]> {
  const response = await client.send(new RetrieveCommand(request));
  return response.retrievalResults ?? [];
}
