import * as z from '../validation/zod-mini';

/**
 * The one format of user feedback in the data lake's feedback bucket (one
 * JSON object per line): the augment stage's feedback API writes exactly
 * this, and the align stage turns it into preference pairs.
 *
 * - `rating`: a user judged one answer (thumbs up = 1, thumbs down = -1);
 * - `preference`: a user chose between two answers to the same prompt.
 */
export const FEEDBACK_RECORD_VERSION = 1;

const text = z.string().check(z.trim(), z.minLength(1, { error: 'a non-empty text' }));
const common = {
  version: z.literal(FEEDBACK_RECORD_VERSION),
  /** Unique id of the feedback event. */
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  /** When it was given, ISO 8601 UTC. */
  timestamp: z.iso.datetime({ error: 'an ISO 8601 UTC timestamp such as 2026-11-28T18:00:00Z' }),
  /** The prompt as the model received it (after templating). */
  prompt: text,
  /** Model that answered: Bedrock model id or SageMaker endpoint name. */
  modelId: z.optional(z.string().check(z.minLength(1))),
  /** Prompt template of the prompt library that built the prompt. */
  promptTemplate: z.optional(z.strictObject({ id: z.string().check(z.minLength(1)), version: z.int().check(z.positive()) })),
};

export const feedbackRecordSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('rating'), ...common, response: text, rating: z.union([z.literal(1), z.literal(-1)]) }),
  z.strictObject({ kind: z.literal('preference'), ...common, chosen: text, rejected: text }),
]);

export type FeedbackRecord = z.infer<typeof feedbackRecordSchema>;

/** Parses one line of a feedback file; returns the problem instead of throwing. */
export function parseFeedbackLine(line: string): { record?: FeedbackRecord; problem?: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { problem: `not JSON: ${(error as Error).message}` };
  }
  const result = feedbackRecordSchema.safeParse(value);
  if (result.success) return { record: result.data };
  return { problem: result.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ') };
}
