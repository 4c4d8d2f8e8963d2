import { RetrieveCommand, type BedrockAgentRuntimeClient, type RetrieveCommandOutput } from '@aws-sdk/client-bedrock-agent-runtime';
import { sourceUriOf } from '../shared/retrieval';
import { clip, type AgentTool } from './tool';

/** Name of the built-in knowledge-base search tool. */
export const KNOWLEDGE_BASE_TOOL = 'search_knowledge_base';
/** Passages returned when the model gives no topK. */
export const DEFAULT_TOP_K = 5;
export const MAX_TOP_K = 10;
/** Longest query the tool takes, characters. */
export const MAX_QUERY_LENGTH = 1000;
/** Longest excerpt of a passage given to the model, characters. */
export const MAX_EXCERPT_LENGTH = 2000;

/** One passage found: its text and where it comes from. */
export interface Passage {
  readonly excerpt: string;
  /** The source document: an s3:// URI, a web or connector URL, a document id; absent when Bedrock gives none. */
  readonly sourceUri?: string;
  readonly score?: number;
}

/** The passages of a Retrieve response, in Bedrock's order (best first); results without text are skipped. */
export function readPassages(response: Pick<RetrieveCommandOutput, 'retrievalResults'>): Passage[] {
  return (response.retrievalResults ?? []).flatMap((result) => {
    const text = result.content?.text;
    if (text === undefined || text.trim() === '') return [];
    const sourceUri = sourceUriOf(result);
    return [{ excerpt: clip(text, MAX_EXCERPT_LENGTH), ...(sourceUri === undefined ? {} : { sourceUri }), ...(result.score === undefined ? {} : { score: result.score }) }];
  });
}

/** The search_knowledge_base tool: Retrieve on the knowledge base, passages with their sources. */
export function knowledgeBaseTool(client: BedrockAgentRuntimeClient, knowledgeBaseId: string): AgentTool {
  return {
    name: KNOWLEDGE_BASE_TOOL,
    description:
      'Searches the organisation\'s knowledge base and returns the most relevant passages with their source URI. '
      + 'Use it for questions about the organisation\'s own documents, and cite the sourceUri of the passages you use. '
      + 'Write the query as a short, self-contained search phrase.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, maxLength: MAX_QUERY_LENGTH, description: 'What to search for.' },
        topK: { type: 'integer', minimum: 1, maximum: MAX_TOP_K, description: `How many passages to return (default ${DEFAULT_TOP_K}).` },
      },
      required: ['query'],
      additionalProperties: false,
    },
    run: async (input, signal) => {
      const response = await client.send(
        new RetrieveCommand({
          knowledgeBaseId,
          retrievalQuery: { text: input.query as string },
          retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: (input.topK as number | undefined) ?? DEFAULT_TOP_K } },
        }),
        { abortSignal: signal },
      );
      const results = readPassages(response);
      return results.length > 0 ? { results } : { results, note: 'no passage matched the query; try other words, or answer that the knowledge base does not say' };
    },
  };
}
