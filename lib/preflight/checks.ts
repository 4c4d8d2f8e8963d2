import { DEFAULT_EMBEDDING_MODEL } from '../../constructs/augment/limits';
import type { KitConfig } from '../config/schema';

/** One Bedrock model the environment names, and where it names it. */
export interface ModelRequirement {
  /** Config path that names the model, such as model.modelId; shown beside the checks. */
  readonly role: string;
  /** Foundation model id, inference profile id or ARN. */
  readonly modelId: string;
  /** The Adapt stage fine-tunes this model with Bedrock model customization. @default false */
  readonly fineTuning?: boolean;
}

/**
 * One thing to ask Bedrock about. Each kind has its runner in run.ts: a
 * model, and the augment stage's guardrail.
 */
export interface ModelSubject {
  readonly kind: 'model';
  readonly modelId: string;
  /** Every config path that names this model. */
  readonly roles: readonly string[];
  /** At least one role fine-tunes it: the model must support FINE_TUNING. */
  readonly fineTuning: boolean;
}
/** The augment stage deploys a Bedrock guardrail: the region must offer Bedrock Guardrails. */
export interface GuardrailSubject {
  readonly kind: 'guardrail';
  /** Config paths that ask for the guardrail: augment.guardrail. */
  readonly roles: readonly string[];
}
export type PreflightSubject = ModelSubject | GuardrailSubject;

/** Where a validated config names Bedrock models: one line per source. */
const MODEL_SOURCES: ReadonlyArray<(config: KitConfig) => ModelRequirement[]> = [
  (c) => (c.model.source === 'bedrock' ? [{ role: 'model.modelId', modelId: c.model.modelId, fineTuning: c.adapt !== undefined }] : []),
  (c) => (c.evaluate?.bedrockModelIds ?? []).map((modelId) => ({ role: 'evaluate.bedrockModelIds', modelId })),
  (c) => (c.evaluate?.judge === undefined ? [] : [{ role: 'evaluate.judge.modelId', modelId: c.evaluate.judge.modelId }]),
  (c) => (c.evaluate?.bedrockEvaluation === undefined ? [] : [{ role: 'evaluate.bedrockEvaluation.evaluatorModelId', modelId: c.evaluate.bedrockEvaluation.evaluatorModelId }]),
  (c) => (c.augment === undefined ? [] : [{ role: 'augment.embeddingModel.modelId', modelId: (c.augment.embeddingModel ?? DEFAULT_EMBEDDING_MODEL).modelId }]),
  (c) => (c.augment?.agent?.modelId === undefined ? [] : [{ role: 'augment.agent.modelId', modelId: c.augment.agent.modelId }]),
];

/**
 * What to ask Bedrock for one environment: each model once, with every role
 * that names it, in the order the config names them; then the guardrail
 * feature when the augment section exists (it always deploys a guardrail,
 * with defaults when augment.guardrail is absent).
 */
export function preflightChecks(config: KitConfig): PreflightSubject[] {
  const subjects = new Map<string, { roles: string[]; fineTuning: boolean }>();
  for (const { role, modelId, fineTuning = false } of MODEL_SOURCES.flatMap((source) => source(config))) {
    const subject = subjects.get(modelId) ?? { roles: [], fineTuning: false };
    if (!subject.roles.includes(role)) subject.roles.push(role);
    subject.fineTuning ||= fineTuning;
    subjects.set(modelId, subject);
  }
  const models = [...subjects].map(([modelId, { roles, fineTuning }]): ModelSubject => ({ kind: 'model', modelId, roles, fineTuning }));
  const guardrails: GuardrailSubject[] = config.augment === undefined ? [] : [{ kind: 'guardrail', roles: ['augment.guardrail'] }];
  return [...models, ...guardrails];
}
