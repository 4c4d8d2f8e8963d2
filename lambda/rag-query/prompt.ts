import type { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import { loadPromptVersion, PromptVersionInvalidError, type StoredPrompt } from '../shared/prompt-version';

/**
 * What the grounded-answer template asks the model to reply, and nothing
 * else, when the passages do not answer the question: a token rather than
 * a sentence, so that it reads the same whatever the question's language.
 * A template of one's own may ask for it too; one that does not is answered
 * as before.
 */
export const NOT_IN_DOCUMENTS = 'NOT_IN_DOCUMENTS';

/** A reply that starts with NOT_IN_DOCUMENTS (after spaces, punctuation, quotes or backticks), whatever the model added after it. */
const NOT_IN_DOCUMENTS_REPLY = /^[\s\p{P}`]*NOT_IN_DOCUMENTS\b/u;

/** Whether the model's answer is the NOT_IN_DOCUMENTS token, alone or followed by an explanation. */
export function saysNotInDocuments(answer: string): boolean {
  return NOT_IN_DOCUMENTS_REPLY.test(answer);
}

/** The variables of the grounded-answer template, exactly. */
export const ANSWER_VARIABLES = ['context', 'question'] as const;

/**
 * Loads the grounded-answer prompt version and checks that it declares
 * exactly `question` and `context`, the values the query Lambda fills.
 */
export async function loadAnswerPrompt(client: BedrockAgentClient, promptArn: string): Promise<StoredPrompt> {
  const prompt = await loadPromptVersion(client, promptArn);
  const declared = Object.keys(prompt.template.variables).sort();
  if (declared.join(',') !== ANSWER_VARIABLES.join(',')) {
    throw new PromptVersionInvalidError(
      `${promptArn} declares the variables ${declared.join(', ') || 'none'}; allowed: exactly ${ANSWER_VARIABLES.join(' and ')} (the grounded-answer template of the augment stage)`,
    );
  }
  return prompt;
}

/**
 * The prompt, read once per container: the first call loads it (with that
 * call's argument, such as its retry settings), later calls reuse it. A
 * failed load is not kept, so the next request tries again.
 */
export function cachedPrompt<A>(load: (arg: A) => Promise<StoredPrompt>): (arg: A) => Promise<StoredPrompt> {
  let cached: Promise<StoredPrompt> | undefined;
  return (arg) => {
    cached ??= load(arg).catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}
