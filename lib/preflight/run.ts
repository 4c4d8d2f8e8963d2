import {
  type BedrockClient,
  type FoundationModelDetails,
  GetFoundationModelCommand,
  GetInferenceProfileCommand,
  type GetInferenceProfileResponse,
  type InferenceProfileSummary,
  ListGuardrailsCommand,
  type ListGuardrailsResponse,
  paginateListInferenceProfiles,
} from '@aws-sdk/client-bedrock';
import { type FailedCall, failureDetail, isMissingCredentials, MissingCredentialsError } from './aws-errors';
import { foundationModelIdOfArn, modelReference, profilesForModel } from './bedrock-ids';
import type { GuardrailSubject, ModelSubject, PreflightSubject } from './checks';

export type CheckResult = 'PASS' | 'WARN' | 'FAIL';
/**
 * offered: the region has the model and it is not retired; invocable: how to
 * call it; fine-tuning: asked by the Adapt stage; guardrails: the region
 * offers Bedrock Guardrails, asked by the Augment stage.
 */
export type CheckName = 'offered' | 'invocable' | 'fine-tuning' | 'guardrails';

/** The subject of the guardrails check: the feature, not one guardrail (the kit has not deployed it yet). */
export const GUARDRAILS_FEATURE = 'Bedrock Guardrails';

/** One line of the preflight table. */
export interface CheckRow {
  readonly check: CheckName;
  /** The model id as the config names it, or the feature asked about (Bedrock Guardrails). */
  readonly subject: string;
  /** Config paths that name the subject. */
  readonly roles: readonly string[];
  readonly result: CheckResult;
  readonly detail: string;
  /** invocable: the inference profile to call the model through, when it is not invocable on demand by its own id. */
  readonly inferenceProfileId?: string;
}

/** What one check found about a subject. */
type Finding = Pick<CheckRow, 'result' | 'detail' | 'inferenceProfileId'>;
type Outcome<T> = { readonly value: T } | { readonly failure: string };

/**
 * The Bedrock control-plane calls of one run, each made at most once (a
 * model named twice, or the profile list, is asked for once). A failed call
 * becomes the detail of a failed check; missing credentials stop the run.
 */
class BedrockLookups {
  private readonly models = new Map<string, Promise<Outcome<FoundationModelDetails>>>();
  private profiles?: Promise<Outcome<InferenceProfileSummary[]>>;

  constructor(
    private readonly client: BedrockClient,
    public readonly region: string,
  ) {}

  foundationModel(modelId: string): Promise<Outcome<FoundationModelDetails>> {
    let outcome = this.models.get(modelId);
    if (outcome === undefined) {
      outcome = this.call({ action: 'bedrock:GetFoundationModel', lookup: true }, async () => {
        const { modelDetails } = await this.client.send(new GetFoundationModelCommand({ modelIdentifier: modelId }));
        if (modelDetails === undefined) throw Object.assign(new Error('the response has no modelDetails'), { name: 'EmptyResponse' });
        return modelDetails;
      });
      this.models.set(modelId, outcome);
    }
    return outcome;
  }

  inferenceProfile(profileId: string): Promise<Outcome<GetInferenceProfileResponse>> {
    return this.call({ action: 'bedrock:GetInferenceProfile', lookup: true }, () => this.client.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: profileId })));
  }

  /** Every system-defined (cross-region) inference profile of the region, all pages. */
  systemProfiles(): Promise<Outcome<InferenceProfileSummary[]>> {
    this.profiles ??= this.call({ action: 'bedrock:ListInferenceProfiles', lookup: false }, async () => {
      const summaries: InferenceProfileSummary[] = [];
      for await (const page of paginateListInferenceProfiles({ client: this.client }, { typeEquals: 'SYSTEM_DEFINED' })) {
        summaries.push(...(page.inferenceProfileSummaries ?? []));
      }
      return summaries;
    });
    return this.profiles;
  }

  /** One guardrail of the account, if any: the answer itself says the region offers Bedrock Guardrails. */
  guardrails(): Promise<Outcome<ListGuardrailsResponse>> {
    return this.call({ action: 'bedrock:ListGuardrails', lookup: false, feature: GUARDRAILS_FEATURE }, () => this.client.send(new ListGuardrailsCommand({ maxResults: 1 })));
  }

  private async call<T>(call: Omit<FailedCall, 'region'>, send: () => Promise<T>): Promise<Outcome<T>> {
    try {
      return { value: await send() };
    } catch (error) {
      if (isMissingCredentials(error)) throw new MissingCredentialsError((error as Error).message);
      return { failure: failureDetail(error, { ...call, region: this.region }) };
    }
  }
}

const day = (date: Date | undefined) => (date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString().slice(0, 10) : undefined);

/** ACTIVE passes; LEGACY still answers, so it warns, saying until when. */
function lifecycle(details: FoundationModelDetails): Finding {
  const life = details.modelLifecycle;
  switch (life?.status) {
    case 'ACTIVE':
      return { result: 'PASS', detail: 'ACTIVE' };
    case 'LEGACY': {
      const dates = [
        day(life.legacyTime) && `legacy since ${day(life.legacyTime)}`,
        day(life.publicExtendedAccessTime) && `extended access (higher price) from ${day(life.publicExtendedAccessTime)}`,
        day(life.endOfLifeTime) && `end of life ${day(life.endOfLifeTime)}`,
      ].filter(Boolean);
      return { result: 'WARN', detail: `LEGACY${dates.length > 0 ? ` (${dates.join(', ')})` : ''}: still invocable; move to an ACTIVE model before its end of life` };
    }
    case undefined:
      return { result: 'WARN', detail: 'Bedrock reports no lifecycle status' };
    default:
      return { result: 'FAIL', detail: `lifecycle status ${life?.status}; allowed: ACTIVE, LEGACY` };
  }
}

function fineTuning(details: FoundationModelDetails, region: string, note = ''): Finding {
  const kinds = details.customizationsSupported ?? [];
  if (kinds.includes('FINE_TUNING')) return { result: 'PASS', detail: `supports FINE_TUNING (Bedrock model customization)${note}` };
  return { result: 'FAIL', detail: `the adapt section fine-tunes it, but in ${region} it supports ${kinds.length > 0 ? kinds.join(', ') : 'no customization'}${note}` };
}

/**
 * On demand by its own id; else through a system-defined inference profile
 * that contains it. The SDK's InferenceType enum lists ON_DEMAND and
 * PROVISIONED only; the service also answers INFERENCE_PROFILE for models
 * served only through profiles, and the SDK passes the string through.
 */
async function invocable(lookups: BedrockLookups, details: FoundationModelDetails, modelId: string): Promise<Finding> {
  const types: readonly string[] = details.inferenceTypesSupported ?? [];
  if (types.includes('ON_DEMAND')) return { result: 'PASS', detail: 'on demand' };
  const listed = types.length > 0 ? types.join(', ') : 'none';
  if (!types.includes('INFERENCE_PROFILE')) {
    return { result: 'FAIL', detail: `not on demand and not through an inference profile (inference types: ${listed}): it needs provisioned throughput` };
  }
  const profiles = await lookups.systemProfiles();
  if ('failure' in profiles) return { result: 'FAIL', detail: `not on demand (inference types: ${listed}); finding its inference profile: ${profiles.failure}` };
  const [best, ...others] = profilesForModel(profiles.value, details.modelId ?? modelId, lookups.region);
  if (best === undefined) {
    return { result: 'FAIL', detail: `not on demand (inference types: ${listed}) and no system-defined inference profile in ${lookups.region} contains it` };
  }
  return {
    result: 'PASS',
    detail: `through inference profile ${best}, not on demand${others.length > 0 ? ` (also: ${others.join(', ')})` : ''}`,
    inferenceProfileId: best,
  };
}

const rowFor = (subject: string, roles: readonly string[]) => (check: CheckName, finding: Finding): CheckRow => ({ check, subject, roles, ...finding });

async function checkFoundationModel(lookups: BedrockLookups, subject: ModelSubject, modelId: string): Promise<CheckRow[]> {
  const row = rowFor(subject.modelId, subject.roles);
  const model = await lookups.foundationModel(modelId);
  if ('failure' in model) return [row('offered', { result: 'FAIL', detail: model.failure })];
  return [
    row('offered', lifecycle(model.value)),
    row('invocable', await invocable(lookups, model.value, modelId)),
    ...(subject.fineTuning ? [row('fine-tuning', fineTuning(model.value, lookups.region))] : []),
  ];
}

/** A profile id: the profile must be ACTIVE; lifecycle and fine-tuning are those of the foundation model it routes to. */
async function checkInferenceProfile(lookups: BedrockLookups, subject: ModelSubject, profileId: string): Promise<CheckRow[]> {
  const row = rowFor(subject.modelId, subject.roles);
  const profile = await lookups.inferenceProfile(profileId);
  if ('failure' in profile) return [row('offered', { result: 'FAIL', detail: profile.failure })];
  const { status, type, models = [] } = profile.value;
  const described = `${type ?? 'inference'} profile, ${status ?? 'no status'}`;
  if (status !== 'ACTIVE') return [row('offered', { result: 'FAIL', detail: `${described}; allowed: ACTIVE` })];
  const baseIds = [...new Set(models.map((model) => foundationModelIdOfArn(model.modelArn)).filter((id): id is string => id !== undefined))];
  const invocableRow = row('invocable', { result: 'PASS', detail: 'through the inference profile itself', inferenceProfileId: profile.value.inferenceProfileId ?? profileId });
  if (baseIds.length !== 1) {
    const found = baseIds.length === 0 ? 'no foundation model' : `${baseIds.length} foundation models (${baseIds.join(', ')})`;
    return [
      row('offered', { result: 'WARN', detail: `${described}; it names ${found}, so no model lifecycle is checked` }),
      invocableRow,
      ...(subject.fineTuning ? [row('fine-tuning', { result: 'FAIL', detail: `the adapt section fine-tunes it, but the profile names ${found}: give the foundation model id` })] : []),
    ];
  }
  const [baseId] = baseIds;
  const base = await lookups.foundationModel(baseId);
  if ('failure' in base) return [row('offered', { result: 'FAIL', detail: `${described}; its foundation model ${baseId}: ${base.failure}` }), invocableRow];
  const life = lifecycle(base.value);
  return [
    row('offered', { result: life.result, detail: `${described}; foundation model ${baseId} ${life.detail}` }),
    invocableRow,
    ...(subject.fineTuning ? [row('fine-tuning', fineTuning(base.value, lookups.region, `; customization jobs take the foundation model id ${baseId}, not the profile`))] : []),
  ];
}

/** The region answers ListGuardrails: it offers the guardrail the augment stage deploys (contextual grounding, denied topics). */
async function checkGuardrails(lookups: BedrockLookups, subject: GuardrailSubject): Promise<CheckRow[]> {
  const row = rowFor(GUARDRAILS_FEATURE, subject.roles);
  const answer = await lookups.guardrails();
  if ('failure' in answer) return [row('guardrails', { result: 'FAIL', detail: answer.failure })];
  return [row('guardrails', { result: 'PASS', detail: `${GUARDRAILS_FEATURE} answers in ${lookups.region}` })];
}

type SubjectKind = PreflightSubject['kind'];
type Runner<K extends SubjectKind> = (lookups: BedrockLookups, subject: Extract<PreflightSubject, { kind: K }>) => Promise<CheckRow[]>;

const RUNNERS: { readonly [K in SubjectKind]: Runner<K> } = {
  model: (lookups, subject) => {
    const reference = modelReference(subject.modelId);
    return reference.kind === 'inference-profile' ? checkInferenceProfile(lookups, subject, reference.profileId) : checkFoundationModel(lookups, subject, reference.modelId);
  },
  guardrail: checkGuardrails,
};

/** The runner of the subject's kind (TypeScript does not narrow the map by the union's kind, hence the cast). */
function checkSubject<K extends SubjectKind>(lookups: BedrockLookups, subject: Extract<PreflightSubject, { kind: K }>): Promise<CheckRow[]> {
  const runner: Runner<K> = RUNNERS[subject.kind as K];
  return runner(lookups, subject);
}

/**
 * Asks Bedrock in the region about each subject, one after the other (the
 * control plane throttles bursts). Throws MissingCredentialsError when the
 * SDK finds no credentials; every other error is a failed check.
 */
export async function runPreflight(client: BedrockClient, region: string, subjects: readonly PreflightSubject[]): Promise<CheckRow[]> {
  const lookups = new BedrockLookups(client, region);
  const rows: CheckRow[] = [];
  for (const subject of subjects) rows.push(...(await checkSubject(lookups, subject)));
  return rows;
}
