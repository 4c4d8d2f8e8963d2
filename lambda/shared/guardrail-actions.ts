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
