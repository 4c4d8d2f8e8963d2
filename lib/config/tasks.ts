/**
 * The tasks a use case may have (scope.task): they select the evaluation
 * metrics. Kept apart from the schema so handlers import it without zod.
 */
export const TASKS = ['summarization', 'question-answering', 'classification', 'entity-extraction', 'chat', 'generation'] as const;
export type Task = (typeof TASKS)[number];
