import type { Task } from '../../lib/config/tasks';

/**
 * What Amazon Bedrock accepts in a model evaluation job that uses a model as
 * judge on your own inference responses, free of CDK imports so the config
 * schema checks the same lists the EvaluationPipeline construct does.
 *
 * Sources: the Bedrock API reference (EvaluationDatasetMetricConfig:
 * metricNames, 1 to 10 of them; taskType) and the user guide (a judge
 * job's custom prompt dataset holds up to 1000 prompts).
 */

/** Built-in metrics of model evaluation jobs that use a model as judge (the last three: responsible AI). */
export const BEDROCK_JUDGE_METRICS = [
  'Builtin.Correctness',
  'Builtin.Completeness',
  'Builtin.Faithfulness',
  'Builtin.Helpfulness',
  'Builtin.Coherence',
  'Builtin.Relevance',
  'Builtin.FollowingInstructions',
  'Builtin.ProfessionalStyleAndTone',
  'Builtin.Harmfulness',
  'Builtin.Stereotyping',
  'Builtin.Refusal',
] as const;
export type BedrockJudgeMetric = (typeof BEDROCK_JUDGE_METRICS)[number];

/** Metric names one dataset of a job may have. */
export const MAX_BEDROCK_METRICS = 10;

/** Task types of a model evaluation job. */
export const BEDROCK_TASK_TYPES = ['Summarization', 'Classification', 'QuestionAndAnswer', 'Generation', 'Custom'] as const;
export type BedrockTaskType = (typeof BEDROCK_TASK_TYPES)[number];

/** The task type of each of the kit's tasks. */
export const BEDROCK_TASK_TYPE_OF: Readonly<Record<Task, BedrockTaskType>> = {
  summarization: 'Summarization',
  'question-answering': 'QuestionAndAnswer',
  classification: 'Classification',
  'entity-extraction': 'Custom',
  chat: 'Generation',
  generation: 'Generation',
};

/** Prompts a judge job's dataset may hold; a run with more predictions samples (see the score handler). */
export const BEDROCK_MAX_RECORDS = 1000;

/** Why a list of metric names is not one a judge job accepts, or undefined. */
export function bedrockMetricsProblem(metrics: readonly string[]): string | undefined {
  const allowed = `1 to ${MAX_BEDROCK_METRICS} different metrics of ${BEDROCK_JUDGE_METRICS.join(', ')}`;
  if (metrics.length === 0 || metrics.length > MAX_BEDROCK_METRICS || new Set(metrics).size !== metrics.length) return allowed;
  const unknown = metrics.filter((metric) => !(BEDROCK_JUDGE_METRICS as readonly string[]).includes(metric));
  return unknown.length === 0 ? undefined : `${allowed} (not ${unknown.join(', ')})`;
}
