/**
 * Facts and limits of the Augment stage shared by the config schema and the
 * constructs (no CDK imports, like network/limits.ts). Each one names where
 * it comes from.
 */

/**
 * Bedrock embedding models a knowledge base may use, with the vector sizes
 * each one outputs. Titan Text Embeddings V2: `dimensions` 1024 (default),
 * 512 or 256 (Bedrock user guide, "Amazon Titan Embeddings G1 - Text", V2
 * request). Cohere Embed English and Multilingual v3: 1024 (Cohere's model
 * table). The index must store vectors of exactly this size.
 */
export const EMBEDDING_MODELS: Readonly<Record<string, readonly number[]>> = {
  'amazon.titan-embed-text-v2:0': [256, 512, 1024],
  'cohere.embed-english-v3': [1024],
  'cohere.embed-multilingual-v3': [1024],
};

/** The default embedding model of a knowledge base. */
export const DEFAULT_EMBEDDING_MODEL = { modelId: 'amazon.titan-embed-text-v2:0', dimensions: 1024 } as const;

/** What is wrong with an embedding model and vector size, or undefined when the catalog lists the pair. */
export function embeddingProblem(modelId: string, dimensions: number): { prop: 'modelId' | 'dimensions'; allowed: string } | undefined {
  const sizes = EMBEDDING_MODELS[modelId];
  if (sizes === undefined) return { prop: 'modelId', allowed: `an embedding model of the catalog: ${Object.keys(EMBEDDING_MODELS).join(', ')}` };
  if (!sizes.includes(dimensions)) return { prop: 'dimensions', allowed: `a vector size ${modelId} outputs: ${sizes.join(', ')}` };
  return undefined;
}

/**
 * How documents are split before embedding (AWS::Bedrock::DataSource
 * ChunkingConfiguration): fixed-size (MaxTokens >= 1, OverlapPercentage
 * 1..99), none (one chunk per file), semantic (MaxTokens >= 1, BufferSize
 * 0..1, BreakpointPercentileThreshold 50..99) or hierarchical (two levels
 * of MaxTokens 1..8192, OverlapTokens >= 1).
 */
export type ChunkingConfig =
  | { readonly strategy: 'fixed-size'; readonly maxTokens: number; readonly overlapPercentage: number }
  | { readonly strategy: 'none' }
  | { readonly strategy: 'semantic'; readonly maxTokens: number; readonly bufferSize: number; readonly breakpointPercentileThreshold: number }
  | { readonly strategy: 'hierarchical'; readonly parentMaxTokens: number; readonly childMaxTokens: number; readonly overlapTokens: number };

/** Fixed chunks of 300 tokens overlapping by 20 %: Bedrock's own default strategy. */
export const DEFAULT_CHUNKING: ChunkingConfig = { strategy: 'fixed-size', maxTokens: 300, overlapPercentage: 20 };

/** A hierarchical chunk level has at most this many tokens (AWS::Bedrock::DataSource). */
export const MAX_HIERARCHICAL_TOKENS = 8192;

/** What is wrong with a chunking configuration: the field and what is allowed, or undefined. */
export function chunkingProblem(chunking: ChunkingConfig): { field: string; allowed: string } | undefined {
  const whole = (value: number, min: number, max = Number.MAX_SAFE_INTEGER) => Number.isInteger(value) && value >= min && value <= max;
  switch (chunking.strategy) {
    case 'fixed-size':
      if (!whole(chunking.maxTokens, 1)) return { field: 'maxTokens', allowed: 'a whole number of tokens >= 1' };
      if (!whole(chunking.overlapPercentage, 1, 99)) return { field: 'overlapPercentage', allowed: 'a whole percentage from 1 to 99' };
      return undefined;
    case 'semantic':
      if (!whole(chunking.maxTokens, 1)) return { field: 'maxTokens', allowed: 'a whole number of tokens >= 1' };
      if (!whole(chunking.bufferSize, 0, 1)) return { field: 'bufferSize', allowed: '0 or 1 (sentences around each sentence compared)' };
      if (!whole(chunking.breakpointPercentileThreshold, 50, 99)) return { field: 'breakpointPercentileThreshold', allowed: 'a whole percentile from 50 to 99' };
      return undefined;
    case 'hierarchical':
      if (!whole(chunking.parentMaxTokens, 1, MAX_HIERARCHICAL_TOKENS)) return { field: 'parentMaxTokens', allowed: `a whole number of tokens from 1 to ${MAX_HIERARCHICAL_TOKENS}` };
      if (!whole(chunking.childMaxTokens, 1, chunking.parentMaxTokens)) return { field: 'childMaxTokens', allowed: `a whole number of tokens from 1 to parentMaxTokens (${chunking.parentMaxTokens})` };
      if (!whole(chunking.overlapTokens, 1)) return { field: 'overlapTokens', allowed: 'a whole number of tokens >= 1' };
      return undefined;
    default:
      return undefined;
  }
}

/** Contextual grounding thresholds: 0 to 0.99; 1 would block every answer (Bedrock user guide, contextual grounding check). */
export const GROUNDING_THRESHOLD_RANGE = { min: 0, max: 0.99 } as const;

/** A denied topic of a guardrail (AWS::Bedrock::Guardrail TopicConfig). */
export interface DeniedTopic {
  /** 1 to 100 letters, digits, spaces and - _ ! ? . */
  readonly name: string;
  /** What the topic is, 1 to 200 characters (the classic tier the kit's guardrail uses). */
  readonly definition: string;
  /** Up to 5 example prompts of the topic, 1 to 100 characters each. */
  readonly examples?: readonly string[];
}

/** Bedrock's limits on denied topics (AWS::Bedrock::Guardrail TopicPolicyConfig, TopicConfig). */
export const DENIED_TOPIC_LIMITS = {
  namePattern: /^[0-9a-zA-Z-_ !?.]{1,100}$/,
  maxDefinition: 200,
  maxExamples: 5,
  maxExampleLength: 100,
  maxTopics: 30,
} as const;

/** What is wrong with one denied topic: the field and what is allowed, or undefined. */
export function deniedTopicProblem(topic: DeniedTopic): { field: string; allowed: string } | undefined {
  const limits = DENIED_TOPIC_LIMITS;
  if (!limits.namePattern.test(topic.name)) return { field: 'name', allowed: '1 to 100 letters, digits, spaces and - _ ! ? .' };
  if (topic.definition.trim().length === 0 || topic.definition.length > limits.maxDefinition) return { field: 'definition', allowed: `1 to ${limits.maxDefinition} characters` };
  const examples = topic.examples ?? [];
  if (examples.length > limits.maxExamples) return { field: 'examples', allowed: `at most ${limits.maxExamples} examples` };
  const bad = examples.findIndex((example) => example.trim().length === 0 || example.length > limits.maxExampleLength);
  if (bad >= 0) return { field: `examples.${bad}`, allowed: `1 to ${limits.maxExampleLength} characters` };
  return undefined;
}

/** Lambda's event source mapping waits at most 300 seconds to fill a batch (MaximumBatchingWindowInSeconds). */
export const MAX_BATCHING_WINDOW_SECONDS = 300;

/** A Converse tool name (ToolSpecification name): letters, digits, _ and -, 1 to 64 characters. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
/** Tools the tool-calling Lambda has built in (lambda/tool-agent/config.ts); a registered tool may not take their names. */
export const BUILT_IN_TOOL_NAMES = ['calculator', 'current_time', 'search_knowledge_base'] as const;

/**
 * API Gateway ends a REST integration after 29 seconds by default, so the
 * agent's time budget stays below it with room for the last model call's answer.
 */
export const MAX_AGENT_TIME_BUDGET_SECONDS = 25;
