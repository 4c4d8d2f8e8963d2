import * as z from '../validation/zod-mini';

/**
 * One line of an evaluation dataset (JSONL in the datasets bucket, under
 * `evaluation/`), and one line of the predictions the evaluation stage
 * writes for it. Pure: no AWS calls.
 *
 * - `prompt`: the text sent to the candidate; or `variables`, the values a
 *   prompt-template candidate is rendered with (one of the two).
 * - `reference`: what a good answer is, by task:
 *   summarization, generation: a text or several (any may match);
 *   question-answering: the accepted answers; classification: the label;
 *   entity-extraction: the entities, `{"type", "text"}` each;
 *   chat: a text (scored by ROUGE-L and, when configured, the judge).
 */

export const entitySchema = z.strictObject({ type: z.string().check(z.minLength(1)), text: z.string().check(z.minLength(1)) });
export type Entity = z.infer<typeof entitySchema>;

export const evaluationRecordSchema = z
  .strictObject({
    id: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
    prompt: z.optional(z.string().check(z.minLength(1))),
    variables: z.optional(z.record(z.string(), z.string())),
    reference: z.union([z.string(), z.array(z.string()).check(z.minLength(1)), z.array(entitySchema)]),
  })
  .check(z.refine((record) => (record.prompt === undefined) !== (record.variables === undefined), { error: 'either prompt or variables, not both' }));
export type EvaluationRecord = z.infer<typeof evaluationRecordSchema>;

/**
 * What the LLM judge made of one answer: a score from 1 (worst) to 5 (best)
 * with its one-sentence reason, or why its reply gave no score.
 */
export type JudgeResult = { readonly score: number; readonly reason: string } | { readonly error: string };

/** Lowest and highest score of the LLM judge. */
/** Name of the LLM judge's metric (the mean of its scores mapped to 0..1) in metrics, thresholds and baselines. */
export const JUDGE_METRIC = 'judge';
export const MIN_JUDGE_SCORE = 1;
export const MAX_JUDGE_SCORE = 5;

/** Whether a value is a judge score: a whole number from 1 to 5. */
export function isJudgeScore(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= MIN_JUDGE_SCORE && value <= MAX_JUDGE_SCORE;
}

/** What the candidate answered to one record. */
export interface Prediction {
  /** The record's id, else `sha256-` and 24 hex digits of a hash of its content (the worker sees no line numbers). */
  readonly id: string;
  readonly prediction: string;
  readonly reference: EvaluationRecord['reference'];
  /** Wall time of the call, milliseconds. */
  readonly latencyMs: number;
  /** Tokens in and out, when the API reports them. */
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** The LLM judge's grade of the answer, when the run has a judge. */
  readonly judge?: JudgeResult;
}
