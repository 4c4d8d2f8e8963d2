/**
 * What Bedrock's contextual grounding check reads: a grounding source of at
 * most 100,000 characters, a query of at most 1,000 and a response of at
 * most 5,000 (Bedrock user guide, "Use contextual grounding check to filter
 * hallucinations in responses"). rag-query keeps to them; RagQueryFunction
 * warns when its token limit lets answers outgrow them.
 */
export const GROUNDING_SOURCE_MAX_CHARS = 100_000;
export const GROUNDING_QUERY_MAX_CHARS = 1_000;
export const GROUNDING_RESPONSE_MAX_CHARS = 5_000;

/** Characters of an English token, about: the rule of thumb that turns the response limit into a token limit. */
export const CHARS_PER_TOKEN_ESTIMATE = 4;
