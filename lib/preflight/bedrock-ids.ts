/**
 * What a Bedrock model id names, and which system-defined (cross-region)
 * inference profile serves a model that is not invocable on demand.
 * Pure functions: no call to AWS.
 */

/**
 * Geography prefixes of system-defined inference profile ids, with the
 * regions whose profiles carry them (the mapping of aws-cdk's
 * `CrossRegionInferenceProfileRegion`). Checked in this order: the narrower
 * geography first (jp before apac, us-gov before us).
 */
const GEOGRAPHIES: ReadonlyArray<{ readonly prefix: string; readonly regions: (region: string) => boolean }> = [
  { prefix: 'jp', regions: (region) => region === 'ap-northeast-1' || region === 'ap-northeast-3' },
  { prefix: 'au', regions: (region) => region === 'ap-southeast-2' || region === 'ap-southeast-4' },
  { prefix: 'apac', regions: (region) => region.startsWith('ap-') || region.startsWith('me-') },
  { prefix: 'us-gov', regions: (region) => region.startsWith('us-gov-') },
  { prefix: 'us', regions: (region) => region.startsWith('us-') && !region.startsWith('us-gov-') },
  { prefix: 'eu', regions: (region) => region.startsWith('eu-') },
];
/** Prefix of the profiles that may route to any commercial region. */
export const GLOBAL_PREFIX = 'global';
const PROFILE_PREFIXES = new Set([...GEOGRAPHIES.map((geography) => geography.prefix), GLOBAL_PREFIX]);

/** How Bedrock is asked about a model id. */
export type ModelReference =
  | { readonly kind: 'foundation-model'; readonly modelId: string }
  | { readonly kind: 'inference-profile'; readonly profileId: string };

/**
 * A foundation model id (`anthropic.claude-...`, or a `foundation-model/` ARN)
 * is looked up with GetFoundationModel; an inference profile id
 * (`us.anthropic.claude-...`, `global....`) or profile ARN with
 * GetInferenceProfile.
 */
export function modelReference(id: string): ModelReference {
  if (id.startsWith('arn:')) {
    return /:(application-)?inference-profile\//.test(id) ? { kind: 'inference-profile', profileId: id } : { kind: 'foundation-model', modelId: id };
  }
  const prefix = id.split('.')[0];
  return PROFILE_PREFIXES.has(prefix) && id.split('.').length > 2 ? { kind: 'inference-profile', profileId: id } : { kind: 'foundation-model', modelId: id };
}

/** The foundation model id at the end of a model ARN (`...:foundation-model/<id>`), if it is one. */
export function foundationModelIdOfArn(arn: string | undefined): string | undefined {
  const match = /:foundation-model\/(.+)$/.exec(arn ?? '');
  return match?.[1];
}

/** Geography prefixes of the profiles a region's callers should prefer, narrowest first, then global. */
export function preferredProfilePrefixes(region: string): string[] {
  return [...GEOGRAPHIES.filter((geography) => geography.regions(region)).map((geography) => geography.prefix), GLOBAL_PREFIX];
}

/** The parts of an inference profile summary this logic reads. */
export interface ProfileSummary {
  readonly inferenceProfileId?: string;
  readonly status?: string;
  readonly models?: ReadonlyArray<{ readonly modelArn?: string }>;
}

/**
 * Ids of the ACTIVE profiles that contain the model, best first: the
 * region's own geography (us., eu., apac., jp., au., us-gov.), then global.,
 * then any other, each group sorted.
 */
export function profilesForModel(profiles: readonly ProfileSummary[], modelId: string, region: string): string[] {
  const ids = profiles
    .filter((profile) => profile.status === 'ACTIVE' && profile.inferenceProfileId !== undefined)
    .filter((profile) => (profile.models ?? []).some((model) => model.modelArn?.endsWith(`foundation-model/${modelId}`)))
    .map((profile) => profile.inferenceProfileId as string);
  const prefixes = preferredProfilePrefixes(region);
  const rank = (id: string) => {
    const index = prefixes.indexOf(id.split('.')[0]);
    return index === -1 ? prefixes.length : index;
  };
  return [...new Set(ids)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
