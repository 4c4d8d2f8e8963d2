import type { ApplyGuardrailRequest } from '@aws-sdk/client-bedrock-runtime';
import { GROUNDING_QUERY_MAX_CHARS, GROUNDING_RESPONSE_MAX_CHARS } from '../../lib/augment/grounding-limits';
import type { GuardrailRef } from '../shared/guardrail';

/**
 * The guardrail around the model, applied with ApplyGuardrail (so it works
 * the same for a Bedrock model and a SageMaker endpoint): on the question
 * (source INPUT) before anything is retrieved, and on the answer (source
 * OUTPUT) with the contextual grounding check, which needs the retrieved
 * text (`grounding_source`) and the question (`query`) beside the answer
 * (`guard_content`).
 */

/** The answer when the model's answer is longer than the grounding check takes: it is never delivered unchecked. */
export const UNCHECKABLE_ANSWER_MESSAGE = `The answer was too long to check against the documents (more than ${GROUNDING_RESPONSE_MAX_CHARS} characters); ask a narrower question.`;

/** The check of the answer: the guardrail's policies on the answer, and the grounding of the answer in the context, relevant to the question. */
export function outputCheck(guardrail: GuardrailRef, parts: { readonly context: string; readonly question: string; readonly answer: string }): ApplyGuardrailRequest {
  return {
    guardrailIdentifier: guardrail.identifier,
    guardrailVersion: guardrail.version,
    source: 'OUTPUT',
    content: [
      { text: { text: parts.context, qualifiers: ['grounding_source'] } },
      { text: { text: parts.question.slice(0, GROUNDING_QUERY_MAX_CHARS), qualifiers: ['query'] } },
      { text: { text: parts.answer, qualifiers: ['guard_content'] } },
    ],
  };
}
