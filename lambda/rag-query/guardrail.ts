import { ApplyGuardrailCommand, type ApplyGuardrailCommandOutput, type ApplyGuardrailRequest, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { BLOCKED_ACTION, guardrailActions } from '../shared/guardrail-actions';
import type { RagConfig } from './config';

/**
 * The guardrail around the model, applied with ApplyGuardrail (so it works
 * the same for a Bedrock model and a SageMaker endpoint): on the question
 * (source INPUT) before anything is retrieved, and on the answer (source
 * OUTPUT) with the contextual grounding check, which needs the retrieved
 * text (`grounding_source`) and the question (`query`) beside the answer
 * (`guard_content`).
 */

/** What the guardrail decided. */
export interface GuardrailVerdict {
  readonly intervened: boolean;
  /**
   * A policy blocked the content (a topic, a content or word filter, a PII
   * entity set to BLOCK, the grounding check). An intervention without it
   * only masked PII: the masked text may go on.
   */
  readonly blocked: boolean;
  /** The guardrail's text when it intervened: its blocked message, or the masked content of the checked block. */
  readonly message: string;
  /** The policies that assessed something (names only, for the log). */
  readonly policies: readonly string[];
}

/** The message when an intervening guardrail gives no text of its own. */
export const DEFAULT_BLOCKED_MESSAGE = 'Sorry, this request cannot be answered.';
/**
 * The contextual grounding check takes a query of at most 1,000 characters
 * and a response (guard_content) of at most 5,000 (and a grounding source
 * of at most 100,000: config.ts). Bedrock user guide, "Use contextual
 * grounding check to filter hallucinations in responses".
 */
export const GROUNDING_QUERY_MAX_CHARS = 1000;
export const GROUNDING_RESPONSE_MAX_CHARS = 5000;
/** The answer when the model's answer is longer than the grounding check takes: it is never delivered unchecked. */
export const UNCHECKABLE_ANSWER_MESSAGE = `The answer was too long to check against the documents (more than ${GROUNDING_RESPONSE_MAX_CHARS} characters); ask a narrower question.`;

type Guardrail = RagConfig['guardrail'];

/** The check of the question, before retrieval. */
export function inputCheck(guardrail: Guardrail, question: string): ApplyGuardrailRequest {
  return {
    guardrailIdentifier: guardrail.id,
    guardrailVersion: guardrail.version,
    source: 'INPUT',
    content: [{ text: { text: question } }],
  };
}

/** The check of the answer: the guardrail's policies on the answer, and the grounding of the answer in the context, relevant to the question. */
export function outputCheck(guardrail: Guardrail, parts: { readonly context: string; readonly question: string; readonly answer: string }): ApplyGuardrailRequest {
  return {
    guardrailIdentifier: guardrail.id,
    guardrailVersion: guardrail.version,
    source: 'OUTPUT',
    content: [
      { text: { text: parts.context, qualifiers: ['grounding_source'] } },
      { text: { text: parts.question.slice(0, GROUNDING_QUERY_MAX_CHARS), qualifiers: ['query'] } },
      { text: { text: parts.answer, qualifiers: ['guard_content'] } },
    ],
  };
}

/**
 * The verdict of an ApplyGuardrail response. GUARDRAIL_INTERVENED covers
 * both blocking and masking: only an assessment whose action is BLOCKED
 * blocks. The message is the output of the checked block: the last output
 * (the guard_content block comes last in the answer's check).
 */
export function verdictOf(response: ApplyGuardrailCommandOutput): GuardrailVerdict {
  const policies = [...new Set((response.assessments ?? []).flatMap((assessment) => Object.keys(assessment).filter((key) => key.endsWith('Policy'))))];
  if (response.action !== 'GUARDRAIL_INTERVENED') return { intervened: false, blocked: false, message: '', policies };
  const blocked = guardrailActions(response.assessments ?? []).includes(BLOCKED_ACTION);
  const outputs = (response.outputs ?? []).map((output) => output.text ?? '');
  const message = (blocked ? outputs.join('\n') : (outputs.at(-1) ?? '')).trim();
  return { intervened: true, blocked: blocked || message.length === 0, message: message.length > 0 ? message : DEFAULT_BLOCKED_MESSAGE, policies };
}

/** One ApplyGuardrail call (retries are the caller's). */
export async function applyGuardrail(client: BedrockRuntimeClient, request: ApplyGuardrailRequest): Promise<GuardrailVerdict> {
  return verdictOf(await client.send(new ApplyGuardrailCommand(request)));
}
