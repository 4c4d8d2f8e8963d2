import { ApplyGuardrailCommand, type ApplyGuardrailCommandOutput, type ApplyGuardrailRequest, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';

/**
 * A Bedrock guardrail as both handlers name and read it: its reference
 * (GUARDRAIL_ID, GUARDRAIL_VERSION), the check of a user's text,
 * ApplyGuardrail's verdict (rag-query on the question and the answer,
 * tool-agent on the message) and the actions of a Converse trace.
 */

/** Bedrock's guardrailIdentifier pattern: an id or a guardrail ARN. */
export const GUARDRAIL_IDENTIFIER = /^(?:[a-z0-9]+|arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:\d{12}:guardrail\/[a-z0-9]+)$/;
/** Bedrock's guardrailVersion pattern: a version number or DRAFT. */
export const GUARDRAIL_VERSION = /^(?:[1-9]\d{0,7}|DRAFT)$/;

/** The guardrail version a handler applies. */
export interface GuardrailRef {
  readonly identifier: string;
  readonly version: string;
}

/** The check of a user's text (source INPUT). */
export function inputCheck(guardrail: GuardrailRef, text: string): ApplyGuardrailRequest {
  return { guardrailIdentifier: guardrail.identifier, guardrailVersion: guardrail.version, source: 'INPUT', content: [{ text: { text } }] };
}

/**
 * Every `action` a guardrail assessment reports, at any depth: content,
 * topic, word and PII filters, regexes and the grounding check, in an
 * ApplyGuardrail response's `assessments` or a Converse trace's
 * `inputAssessment`/`outputAssessments`. An intervention blocks only when
 * one of them is BLOCKED; ANONYMIZED alone means PII was masked.
 */
export function guardrailActions(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(guardrailActions);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === 'action' && typeof inner === 'string' ? [inner] : guardrailActions(inner)));
}

/** The action of an assessment that blocked the content. */
export const BLOCKED_ACTION = 'BLOCKED';

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

/** One ApplyGuardrail call (retries are the caller's; `abortSignal` ends it at a deadline). */
export async function applyGuardrail(client: BedrockRuntimeClient, request: ApplyGuardrailRequest, options: { readonly abortSignal?: AbortSignal } = {}): Promise<GuardrailVerdict> {
  return verdictOf(await client.send(new ApplyGuardrailCommand(request), options));
}
