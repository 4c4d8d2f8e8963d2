import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AccessDeniedException,
  BedrockClient,
  GetFoundationModelCommand,
  type GetFoundationModelResponse,
  GetInferenceProfileCommand,
  InternalServerException,
  ListGuardrailsCommand,
  ListInferenceProfilesCommand,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../lib/cli/main';
import { formatPreflightTable } from '../../lib/cli/preflight';
import { parseConfig } from '../../lib/config/load';
import type { AdaptConfig, KitConfig } from '../../lib/config/schema';
import {
  createBedrockClient,
  type GuardrailSubject,
  MissingCredentialsError,
  type ModelSubject,
  modelReference,
  PREFLIGHT_MAX_ATTEMPTS,
  preflightChecks,
  profilesForModel,
  runPreflight,
} from '../../lib/preflight';
import { ROOT, shippedConfig } from '../helpers/app';

const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const NOVA = 'amazon.nova-micro-v1:0';
const SONNET = 'anthropic.claude-sonnet-4-20250514-v1:0';
/** The models of the shipped dev.json's augment section: its embedding model and, through a profile, its agent model. */
const TITAN = 'amazon.titan-embed-text-v2:0';
const NOVA_LITE = 'amazon.nova-lite-v1:0';
const GUARDRAIL: GuardrailSubject = { kind: 'guardrail', roles: ['augment.guardrail'] };

/**
 * An environment with a Bedrock model, from the shipped dev.json. Without an
 * adapt section: the schema requires adapt.training and refuses it with a
 * Bedrock model, so no config file can ask Bedrock fine-tuning yet (the
 * fine-tuning check is tested on the runner below).
 */
function bedrockConfig(modelId: string, options: { evaluateIds?: string[]; judgeId?: string; region?: string } = {}): Record<string, any> {
  const raw = shippedConfig('dev');
  raw.region = options.region ?? 'eu-west-1';
  raw.model = { source: 'bedrock', modelId };
  delete raw.serve;
  delete raw.adapt;
  delete raw.augment;
  raw.network.interfaceEndpoints = ['bedrock-runtime', 'bedrock-agent'];
  raw.scope.task = 'question-answering';
  raw.evaluate = { thresholds: { f1: 0.5 } };
  if (options.evaluateIds !== undefined) raw.evaluate.bedrockModelIds = options.evaluateIds;
  if (options.judgeId !== undefined) raw.evaluate.judge = { modelId: options.judgeId, rubric: '5: correct and grounded in the context; 1: wrong or invented.' };
  return raw;
}

/** The shipped dev.json (a model hosted on SageMaker) without any Bedrock model to evaluate. */
function hostedConfig(): Record<string, any> {
  const raw = shippedConfig('dev');
  delete raw.evaluate?.bedrockModelIds;
  delete raw.evaluate?.judge;
  delete raw.augment;
  return raw;
}

const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-preflight-'));
const environments: Record<string, Record<string, any>> = {
  bedrock: bedrockConfig(HAIKU, { evaluateIds: [NOVA] }),
  serving: bedrockConfig(SONNET, { region: 'us-east-1' }),
  profile: bedrockConfig(`us.${SONNET}`, { region: 'us-east-1' }),
  hosted: hostedConfig(),
  augmented: shippedConfig('dev'),
};
for (const [name, raw] of Object.entries(environments)) fs.writeFileSync(path.join(configDir, `${name}.json`), JSON.stringify(raw));
afterAll(() => fs.rmSync(configDir, { recursive: true, force: true }));

const bedrock = mockClient(BedrockClient);
const regions: string[] = [];
/** The injected factory: one attempt, so a throttled call fails at once (the mock answers send() itself anyway). */
const testClient = (region: string) => {
  regions.push(region);
  return new BedrockClient({ region, maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
};

beforeEach(() => {
  bedrock.reset();
  regions.length = 0;
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['preflight', '--config-dir', configDir, ...argv], (text) => (out += text), (text) => (err += text), { bedrockClient: testClient });
  return { code, out, err };
}

function foundationModel(modelId: string, details: Partial<NonNullable<GetFoundationModelResponse['modelDetails']>> = {}): GetFoundationModelResponse {
  return {
    modelDetails: {
      modelArn: `arn:aws:bedrock:eu-west-1::foundation-model/${modelId}`,
      modelId,
      inferenceTypesSupported: ['ON_DEMAND'],
      customizationsSupported: ['FINE_TUNING'],
      modelLifecycle: { status: 'ACTIVE' },
      ...details,
    },
  };
}

function offers(...models: GetFoundationModelResponse[]): void {
  for (const model of models) bedrock.on(GetFoundationModelCommand, { modelIdentifier: model.modelDetails!.modelId }).resolves(model);
}

const systemProfile = (id: string, modelId: string, status = 'ACTIVE') => ({
  inferenceProfileId: id,
  inferenceProfileName: id,
  inferenceProfileArn: `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${id}`,
  type: 'SYSTEM_DEFINED' as const,
  status: status as 'ACTIVE',
  models: ['us-east-1', 'us-west-2'].map((region) => ({ modelArn: `arn:aws:bedrock:${region}::foundation-model/${modelId}` })),
});

/** Bedrock offers the models of the augmented environment (the shipped dev.json). */
function offersAugmentModels(): void {
  offers(foundationModel(TITAN), foundationModel(NOVA_LITE));
  bedrock.on(GetInferenceProfileCommand, { inferenceProfileIdentifier: `us.${NOVA_LITE}` }).resolves(systemProfile(`us.${NOVA_LITE}`, NOVA_LITE));
}

/** Rows of the table for one check: [check, subject, result, detail]. */
const rowsOf = (out: string) => out.split('\n').filter((line) => /^(offered|invocable|fine-tuning|guardrails)\s/.test(line));

describe('what preflight asks', () => {
  const config = (raw: Record<string, any>) => parseConfig(raw, 'test.json');

  test('asks about the augment stage\'s embedding and agent models and guardrail, and the judge of the shipped prod config', () => {
    expect(preflightChecks(config(shippedConfig('prod')))).toEqual([
      { kind: 'model', modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', roles: ['evaluate.judge.modelId'], fineTuning: false },
      { kind: 'model', modelId: 'amazon.titan-embed-text-v2:0', roles: ['augment.embeddingModel.modelId'], fineTuning: false },
      { kind: 'model', modelId: 'us.amazon.nova-pro-v1:0', roles: ['augment.agent.modelId'], fineTuning: false },
      { kind: 'guardrail', roles: ['augment.guardrail'] },
    ]);
  });

  test('asks about the guardrail once per environment with an augment section, even without augment.guardrail (its defaults apply)', () => {
    const raw = shippedConfig('dev');
    delete raw.augment.guardrail;
    expect(preflightChecks(config(raw)).filter((subject) => subject.kind === 'guardrail')).toEqual([GUARDRAIL]);
  });

  test('asks no guardrail question of an environment without an augment section', () => {
    expect(preflightChecks(config(environments.bedrock)).map((subject) => subject.kind)).toEqual(['model', 'model']);
  });

  test('lists the selected Bedrock model, then the evaluated models and the LLM judge', () => {
    expect(preflightChecks(config(bedrockConfig(HAIKU, { evaluateIds: [NOVA], judgeId: `us.${SONNET}` })))).toEqual([
      { kind: 'model', modelId: HAIKU, roles: ['model.modelId'], fineTuning: false },
      { kind: 'model', modelId: NOVA, roles: ['evaluate.bedrockModelIds'], fineTuning: false },
      { kind: 'model', modelId: `us.${SONNET}`, roles: ['evaluate.judge.modelId'], fineTuning: false },
    ]);
  });

  test('asks fine-tuning of the selected model when the adapt section exists, not of the evaluated ones', () => {
    // Typed directly: the schema does not yet load an adapt section with a Bedrock model (see bedrockConfig).
    const adapted: KitConfig = { ...config(bedrockConfig(HAIKU, { evaluateIds: [NOVA] })), adapt: { hyperparameters: { epochs: 2 } } as unknown as AdaptConfig };
    const models = preflightChecks(adapted).filter((subject): subject is ModelSubject => subject.kind === 'model');
    expect(models.map(({ modelId, fineTuning }) => ({ modelId, fineTuning }))).toEqual([
      { modelId: HAIKU, fineTuning: true },
      { modelId: NOVA, fineTuning: false },
    ]);
  });

  test('asks about a model named twice once, with every role that names it', () => {
    expect(preflightChecks(config(bedrockConfig(HAIKU, { evaluateIds: [NOVA, HAIKU], judgeId: NOVA })))).toEqual([
      { kind: 'model', modelId: HAIKU, roles: ['model.modelId', 'evaluate.bedrockModelIds'], fineTuning: false },
      { kind: 'model', modelId: NOVA, roles: ['evaluate.bedrockModelIds', 'evaluate.judge.modelId'], fineTuning: false },
    ]);
  });

  test('asks nothing of an environment with a hosted model and no Bedrock evaluation', () => {
    expect(preflightChecks(config(environments.hosted))).toEqual([]);
  });

  test('tells foundation model ids from inference profile ids and ARNs', () => {
    expect(modelReference(HAIKU)).toEqual({ kind: 'foundation-model', modelId: HAIKU });
    expect(modelReference('ai21.jamba-1-5-large-v1:0')).toEqual({ kind: 'foundation-model', modelId: 'ai21.jamba-1-5-large-v1:0' });
    expect(modelReference(`us.${SONNET}`)).toEqual({ kind: 'inference-profile', profileId: `us.${SONNET}` });
    expect(modelReference(`global.${SONNET}`)).toEqual({ kind: 'inference-profile', profileId: `global.${SONNET}` });
    const profileArn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123';
    expect(modelReference(profileArn)).toEqual({ kind: 'inference-profile', profileId: profileArn });
    const modelArn = `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`;
    expect(modelReference(modelArn)).toEqual({ kind: 'foundation-model', modelId: modelArn });
  });

  test("prefers the profile of the region's geography, then global, and skips other models and inactive profiles", () => {
    const profiles = [
      systemProfile(`global.${SONNET}`, SONNET),
      systemProfile(`apac.${SONNET}`, SONNET),
      systemProfile(`jp.${SONNET}`, SONNET),
      systemProfile(`eu.${SONNET}`, SONNET),
      systemProfile(`us.${SONNET}`, SONNET),
      systemProfile(`us.${SONNET}-old`, SONNET, 'INACTIVE'),
      systemProfile(`us.${HAIKU}`, HAIKU),
      systemProfile(`us.${SONNET}:200k`, `${SONNET}:200k`),
    ];
    expect(profilesForModel(profiles, SONNET, 'us-east-1')).toEqual([`us.${SONNET}`, `global.${SONNET}`, `apac.${SONNET}`, `eu.${SONNET}`, `jp.${SONNET}`]);
    expect(profilesForModel(profiles, SONNET, 'ap-northeast-1').slice(0, 3)).toEqual([`jp.${SONNET}`, `apac.${SONNET}`, `global.${SONNET}`]);
    expect(profilesForModel(profiles, SONNET, 'eu-central-1')[0]).toBe(`eu.${SONNET}`);
  });

  test('makes the real client in the given region with five adaptive attempts', async () => {
    const client = createBedrockClient('eu-west-1');
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.maxAttempts()).toBe(PREFLIGHT_MAX_ATTEMPTS);
    expect(PREFLIGHT_MAX_ATTEMPTS).toBe(5);
    expect(client.config.retryMode).toBe('adaptive');
    client.destroy();
  });
});

describe('kit preflight', () => {
  test('passes every check of ACTIVE on-demand models, asking Bedrock in the config region, exit 0', async () => {
    offers(foundationModel(HAIKU), foundationModel(NOVA, { customizationsSupported: [] }));
    const { code, out, err } = await run('--env', 'bedrock');
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(regions).toEqual(['eu-west-1']);
    expect(out).toMatch(/^preflight of environment bedrock in eu-west-1\n/);
    expect(out).toContain(`  ${HAIKU}: named by model.modelId\n  ${NOVA}: named by evaluate.bedrockModelIds\n`);
    expect(out).toMatch(/^check\s+subject\s+result\s+detail$/m);
    expect(rowsOf(out)).toEqual([
      expect.stringMatching(new RegExp(`^offered\\s+${HAIKU}\\s+PASS\\s+ACTIVE$`)),
      expect.stringMatching(/^invocable\s+\S+haiku\S+\s+PASS\s+on demand$/),
      expect.stringMatching(/^offered\s+amazon\.nova-micro-v1:0\s+PASS\s+ACTIVE$/),
      expect.stringMatching(/^invocable\s+amazon\.nova-micro-v1:0\s+PASS\s+on demand$/),
    ]);
    expect(out).toMatch(/\n4 passed, 0 warned, 0 failed\n$/);
  });

  test('warns on a LEGACY model, saying until when, and still exits 0', async () => {
    const lifecycle = { status: 'LEGACY' as const, legacyTime: new Date('2025-10-01T00:00:00Z'), publicExtendedAccessTime: new Date('2026-01-01T00:00:00Z'), endOfLifeTime: new Date('2026-04-01T00:00:00Z') };
    offers(foundationModel(HAIKU, { modelLifecycle: lifecycle }), foundationModel(NOVA));
    const { code, out } = await run('--env', 'bedrock');
    expect(code).toBe(0);
    expect(rowsOf(out)[0]).toMatch(/^offered\s+\S+haiku\S+\s+WARN\s+LEGACY \(legacy since 2025-10-01, extended access \(higher price\) from 2026-01-01, end of life 2026-04-01\): still invocable/);
    expect(out).toMatch(/3 passed, 1 warned, 0 failed/);
  });

  test('fails a model the region does not offer, whether Bedrock says not found or invalid, exit 1', async () => {
    bedrock.on(GetFoundationModelCommand, { modelIdentifier: HAIKU }).rejects(new ValidationException({ message: 'The provided model identifier is invalid.', $metadata: {} }));
    bedrock.on(GetFoundationModelCommand, { modelIdentifier: NOVA }).rejects(new ResourceNotFoundException({ message: 'Model not found.', $metadata: {} }));
    const { code, out } = await run('--env', 'bedrock');
    expect(code).toBe(1);
    expect(rowsOf(out)).toEqual([
      expect.stringMatching(/^offered\s+\S+haiku\S+\s+FAIL\s+not offered in eu-west-1 \(ValidationException: The provided model identifier is invalid\.\)$/),
      expect.stringMatching(/^offered\s+amazon\.nova-micro-v1:0\s+FAIL\s+not offered in eu-west-1 \(ResourceNotFoundException: Model not found\.\)$/),
    ]);
    expect(out).toMatch(/0 passed, 0 warned, 2 failed/);
  });

  test('finds the system-defined inference profile of a model not invocable on demand, across pages, preferring its geography', async () => {
    offers(foundationModel(SONNET, { inferenceTypesSupported: ['INFERENCE_PROFILE' as never] }));
    bedrock
      .on(ListInferenceProfilesCommand)
      .resolvesOnce({ inferenceProfileSummaries: [systemProfile(`global.${SONNET}`, SONNET), systemProfile(`us.${HAIKU}`, HAIKU)], nextToken: 'page-2' })
      .resolvesOnce({ inferenceProfileSummaries: [systemProfile(`us.${SONNET}`, SONNET)] });
    const { code, out } = await run('--env', 'serving', '--json');
    expect(code).toBe(0);
    const calls = bedrock.commandCalls(ListInferenceProfilesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0].args[0].input).toEqual(expect.objectContaining({ typeEquals: 'SYSTEM_DEFINED' }));
    expect(JSON.parse(out).checks[1]).toEqual({
      check: 'invocable',
      subject: SONNET,
      roles: ['model.modelId'],
      result: 'PASS',
      detail: `through inference profile us.${SONNET}, not on demand (also: global.${SONNET})`,
      inferenceProfileId: `us.${SONNET}`,
    });
  });

  test('fails a model not invocable on demand when no inference profile contains it, or when it is provisioned only', async () => {
    offers(foundationModel(SONNET, { inferenceTypesSupported: ['INFERENCE_PROFILE' as never] }));
    bedrock.on(ListInferenceProfilesCommand).resolves({ inferenceProfileSummaries: [systemProfile(`us.${HAIKU}`, HAIKU)] });
    let { code, out } = await run('--env', 'serving');
    expect(code).toBe(1);
    expect(rowsOf(out)[1]).toMatch(/^invocable\s+\S+\s+FAIL\s+not on demand \(inference types: INFERENCE_PROFILE\) and no system-defined inference profile in us-east-1 contains it$/);

    bedrock.reset();
    offers(foundationModel(SONNET, { inferenceTypesSupported: ['PROVISIONED'] }));
    ({ code, out } = await run('--env', 'serving'));
    expect(code).toBe(1);
    expect(rowsOf(out)[1]).toMatch(/FAIL\s+not on demand and not through an inference profile \(inference types: PROVISIONED\): it needs provisioned throughput$/);
    expect(bedrock.commandCalls(ListInferenceProfilesCommand)).toHaveLength(0);
  });

  test('checks fine-tuning only where the adapt section asks it, failing a model without FINE_TUNING', async () => {
    offers(foundationModel(HAIKU, { customizationsSupported: ['DISTILLATION'] }), foundationModel(NOVA, { customizationsSupported: ['FINE_TUNING'] }));
    const checks = await runPreflight(testClient('eu-west-1'), 'eu-west-1', [
      { kind: 'model', modelId: HAIKU, roles: ['model.modelId'], fineTuning: true },
      { kind: 'model', modelId: NOVA, roles: ['evaluate.bedrockModelIds'], fineTuning: false },
    ]);
    const out = formatPreflightTable({ environment: 'adapted', region: 'eu-west-1', checks });
    expect(rowsOf(out).filter((row) => row.startsWith('fine-tuning'))).toEqual([
      expect.stringMatching(/^fine-tuning\s+\S+haiku\S+\s+FAIL\s+the adapt section fine-tunes it, but in eu-west-1 it supports DISTILLATION$/),
    ]);

    bedrock.reset();
    offers(foundationModel(HAIKU));
    const [, , fineTuning] = await runPreflight(testClient('eu-west-1'), 'eu-west-1', [{ kind: 'model', modelId: HAIKU, roles: ['model.modelId'], fineTuning: true }]);
    expect(fineTuning).toEqual(expect.objectContaining({ check: 'fine-tuning', result: 'PASS', detail: 'supports FINE_TUNING (Bedrock model customization)' }));
  });

  test('checks the fine-tuning of an inference profile on its foundation model', async () => {
    bedrock.on(GetInferenceProfileCommand).resolves(systemProfile(`us.${HAIKU}`, HAIKU));
    offers(foundationModel(HAIKU));
    const checks = await runPreflight(testClient('us-east-1'), 'us-east-1', [{ kind: 'model', modelId: `us.${HAIKU}`, roles: ['model.modelId'], fineTuning: true }]);
    expect(checks.map((check) => `${check.check} ${check.result}`)).toEqual(['offered PASS', 'invocable PASS', 'fine-tuning PASS']);
    expect(checks[2].detail).toBe(`supports FINE_TUNING (Bedrock model customization); customization jobs take the foundation model id ${HAIKU}, not the profile`);
  });

  test('checks an inference profile id with GetInferenceProfile and its foundation model lifecycle', async () => {
    bedrock.on(GetInferenceProfileCommand, { inferenceProfileIdentifier: `us.${SONNET}` }).resolves(systemProfile(`us.${SONNET}`, SONNET));
    offers(foundationModel(SONNET, { inferenceTypesSupported: ['INFERENCE_PROFILE' as never] }));
    const { code, out } = await run('--env', 'profile');
    expect(code).toBe(0);
    expect(bedrock.commandCalls(GetFoundationModelCommand).map((call) => call.args[0].input)).toEqual([{ modelIdentifier: SONNET }]);
    expect(rowsOf(out)).toEqual([
      expect.stringMatching(new RegExp(`^offered\\s+us\\.\\S+\\s+PASS\\s+SYSTEM_DEFINED profile, ACTIVE; foundation model ${SONNET} ACTIVE$`)),
      expect.stringMatching(/^invocable\s+us\.\S+\s+PASS\s+through the inference profile itself$/),
    ]);
  });

  test('fails an unknown inference profile as not offered', async () => {
    bedrock.on(GetInferenceProfileCommand).rejects(new ResourceNotFoundException({ message: 'Inference profile not found.', $metadata: {} }));
    const { code, out } = await run('--env', 'profile');
    expect(code).toBe(1);
    expect(rowsOf(out)).toEqual([expect.stringMatching(/^offered\s+\S+\s+FAIL\s+not offered in us-east-1 \(ResourceNotFoundException: Inference profile not found\.\)$/)]);
  });

  test('fails a check on access denied, naming the IAM action the caller lacks', async () => {
    const denied = (action: string) => new AccessDeniedException({ message: `User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ${action}`, $metadata: {} });
    bedrock.on(GetFoundationModelCommand, { modelIdentifier: HAIKU }).rejects(denied('bedrock:GetFoundationModel'));
    offers(foundationModel(NOVA));
    let { code, out } = await run('--env', 'bedrock');
    expect(code).toBe(1);
    expect(rowsOf(out)[0]).toMatch(/^offered\s+\S+haiku\S+\s+FAIL\s+access denied: the caller needs bedrock:GetFoundationModel \(AccessDeniedException: User: .* is not authorized/);
    expect(rowsOf(out)).toHaveLength(3);
    expect(rowsOf(out)[1]).toMatch(/^offered\s+amazon\.nova-micro-v1:0\s+PASS/);

    bedrock.reset();
    offers(foundationModel(SONNET, { inferenceTypesSupported: ['INFERENCE_PROFILE' as never] }));
    bedrock.on(ListInferenceProfilesCommand).rejects(denied('bedrock:ListInferenceProfiles'));
    ({ code, out } = await run('--env', 'serving'));
    expect(code).toBe(1);
    expect(rowsOf(out)[1]).toMatch(/^invocable\s+\S+\s+FAIL\s+not on demand \(inference types: INFERENCE_PROFILE\); finding its inference profile: access denied: the caller needs bedrock:ListInferenceProfiles/);
  });

  test('fails a check still throttled after the SDK retries, saying so', async () => {
    bedrock.on(GetFoundationModelCommand, { modelIdentifier: HAIKU }).rejects(new ThrottlingException({ message: 'Too many requests, please wait before trying again.', $metadata: { attempts: 5 } }));
    offers(foundationModel(NOVA));
    const { code, out } = await run('--env', 'bedrock');
    expect(code).toBe(1);
    expect(rowsOf(out)[0]).toMatch(/^offered\s+\S+haiku\S+\s+FAIL\s+throttled after 5 attempts: run again later or raise the Bedrock control-plane quota \(ThrottlingException: Too many requests/);
  });

  test('fails a check on any other error with its name and message', async () => {
    bedrock.on(GetFoundationModelCommand).rejects(new InternalServerException({ message: 'Internal failure.', $metadata: {} }));
    const { code, out } = await run('--env', 'serving');
    expect(code).toBe(1);
    expect(rowsOf(out)).toEqual([expect.stringMatching(/^offered\s+\S+\s+FAIL\s+bedrock:GetFoundationModel failed \(InternalServerException: Internal failure\.\)$/)]);
  });

  test('fails with one line and exit 2 when the SDK finds no credentials', async () => {
    bedrock.on(GetFoundationModelCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const { code, out, err } = await run('--env', 'bedrock');
    expect({ code, out }).toEqual({ code: 2, out: '' });
    expect(err).toBe('preflight: no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws sso login); the SDK said: Could not load credentials from any providers\n');
  });

  test('passes the guardrails check when ListGuardrails answers in the config region, asking for one guardrail', async () => {
    offersAugmentModels();
    bedrock.on(ListGuardrailsCommand).resolves({ guardrails: [] });
    const { code, out, err } = await run('--env', 'augmented');
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(regions).toEqual(['us-east-1']);
    expect(bedrock.commandCalls(ListGuardrailsCommand).map((call) => call.args[0].input)).toEqual([{ maxResults: 1 }]);
    expect(out).toContain('  Bedrock Guardrails: named by augment.guardrail\n');
    expect(rowsOf(out).map((row) => row.split(/\s+/)[0])).toEqual(['offered', 'invocable', 'offered', 'invocable', 'guardrails']);
    expect(rowsOf(out)[4]).toMatch(/^guardrails\s+Bedrock Guardrails\s+PASS\s+Bedrock Guardrails answers in us-east-1$/);
    expect(out).toMatch(/\n5 passed, 0 warned, 0 failed\n$/);
  });

  test('fails the guardrails check on access denied, naming bedrock:ListGuardrails, exit 1', async () => {
    offersAugmentModels();
    bedrock.on(ListGuardrailsCommand).rejects(new AccessDeniedException({ message: 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: bedrock:ListGuardrails', $metadata: {} }));
    const { code, out } = await run('--env', 'augmented');
    expect(code).toBe(1);
    expect(rowsOf(out)[4]).toMatch(/^guardrails\s+Bedrock Guardrails\s+FAIL\s+access denied: the caller needs bedrock:ListGuardrails \(AccessDeniedException: User: .* is not authorized/);
    expect(out).toMatch(/4 passed, 0 warned, 1 failed/);
  });

  test.each([
    ['an endpoint the SDK cannot resolve', Object.assign(new Error('FIPS is enabled but this partition does not support FIPS'), { name: 'EndpointError' }), 'EndpointError: FIPS is enabled'],
    ['an unknown operation', Object.assign(new Error('Unknown operation ListGuardrails.'), { name: 'UnknownOperationException' }), 'UnknownOperationException: Unknown operation'],
    ['a ValidationException saying the feature is not available', new ValidationException({ message: 'Guardrails is not available in this region.', $metadata: {} }), 'ValidationException: Guardrails is not available'],
  ])('fails the guardrails check as not offered in the region on %s', async (_case, error, said) => {
    bedrock.on(ListGuardrailsCommand).rejects(error);
    const [row] = await runPreflight(testClient('eu-west-1'), 'eu-west-1', [GUARDRAIL]);
    expect(row).toEqual({ check: 'guardrails', subject: 'Bedrock Guardrails', roles: ['augment.guardrail'], result: 'FAIL', detail: expect.stringMatching(/^Bedrock Guardrails is not offered in eu-west-1 \(/) });
    expect(row.detail).toContain(said);
  });

  test('does not take a DNS failure for a missing feature: the model checks use the same host', async () => {
    bedrock.on(ListGuardrailsCommand).rejects(Object.assign(new Error('getaddrinfo ENOTFOUND bedrock.eu-west-1.amazonaws.com'), { code: 'ENOTFOUND', syscall: 'getaddrinfo' }));
    const [row] = await runPreflight(testClient('eu-west-1'), 'eu-west-1', [GUARDRAIL]);
    expect(row.result).toBe('FAIL');
    expect(row.detail).not.toMatch(/not offered/);
    expect(row.detail).toContain('ENOTFOUND');
  });

  test('fails the guardrails check on throttling or any other error as the model checks do, and stops without credentials', async () => {
    bedrock.on(ListGuardrailsCommand).rejects(new ThrottlingException({ message: 'Too many requests.', $metadata: { attempts: 5 } }));
    let [row] = await runPreflight(testClient('eu-west-1'), 'eu-west-1', [GUARDRAIL]);
    expect(row.detail).toBe('throttled after 5 attempts: run again later or raise the Bedrock control-plane quota (ThrottlingException: Too many requests.)');

    bedrock.reset();
    bedrock.on(ListGuardrailsCommand).rejects(new ValidationException({ message: "Value '0' at 'maxResults' failed to satisfy constraint.", $metadata: {} }));
    [row] = await runPreflight(testClient('eu-west-1'), 'eu-west-1', [GUARDRAIL]);
    expect(row).toEqual(expect.objectContaining({ result: 'FAIL', detail: "bedrock:ListGuardrails failed (ValidationException: Value '0' at 'maxResults' failed to satisfy constraint.)" }));

    bedrock.reset();
    bedrock.on(ListGuardrailsCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    await expect(runPreflight(testClient('eu-west-1'), 'eu-west-1', [GUARDRAIL])).rejects.toThrow(MissingCredentialsError);
  });

  test('asks nothing about guardrails of an environment without an augment section', async () => {
    offers(foundationModel(HAIKU), foundationModel(NOVA));
    const { code, out } = await run('--env', 'bedrock');
    expect(code).toBe(0);
    expect(bedrock.commandCalls(ListGuardrailsCommand)).toHaveLength(0);
    expect(out).not.toMatch(/guardrail/i);
  });

  test('carries the guardrails check in the JSON report', async () => {
    offersAugmentModels();
    bedrock.on(ListGuardrailsCommand).resolves({ guardrails: [] });
    const { code, out } = await run('--env', 'augmented', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.counts).toEqual({ pass: 5, warn: 0, fail: 0 });
    expect(report.checks.at(-1)).toEqual({ check: 'guardrails', subject: 'Bedrock Guardrails', roles: ['augment.guardrail'], result: 'PASS', detail: 'Bedrock Guardrails answers in us-east-1' });
  });

  test('prints JSON for machines: environment, region, overall result, counts and every check', async () => {
    offers(foundationModel(HAIKU, { modelLifecycle: { status: 'LEGACY' } }), foundationModel(NOVA));
    const { code, out } = await run('--env', 'bedrock', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(Object.keys(report)).toEqual(['environment', 'region', 'result', 'counts', 'checks']);
    expect(report).toEqual(expect.objectContaining({ environment: 'bedrock', region: 'eu-west-1', result: 'WARN', counts: { pass: 3, warn: 1, fail: 0 } }));
    expect(report.checks[0]).toEqual({ check: 'offered', subject: HAIKU, roles: ['model.modelId'], result: 'WARN', detail: 'LEGACY: still invocable; move to an ACTIVE model before its end of life' });
    expect(report.checks.map((check: any) => check.check)).toEqual(['offered', 'invocable', 'offered', 'invocable']);
  });

  test('says there is nothing to check for a hosted model, without making a client', async () => {
    const { code, out } = await run('--env', 'hosted');
    expect(code).toBe(0);
    expect(out).toBe('preflight of environment hosted in us-east-1\nnothing to check: the environment names no Bedrock model (model.source bedrock, evaluate.bedrockModelIds, evaluate.judge)\n');
    expect(regions).toEqual([]);
  });

  test('rejects an unknown environment, listing the known ones, and a missing --env, exit 1', async () => {
    expect(await run('--env', 'qa')).toEqual({ code: 1, out: '', err: 'unknown environment "qa"; known environments: augmented, bedrock, hosted, profile, serving\n' });
    expect((await run()).err).toMatch(/^missing --env\nusage: kit preflight --env NAME \[--json\] \[--config-dir DIR\]/);
    expect((await run('--env', 'bedrock', 'extra')).code).toBe(1);
    expect(bedrock.calls()).toHaveLength(0);
  });

  test('runs from the package bin with the real SDK: no credentials, one line, exit 2, nothing sent', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-home-'));
    const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'kit.js'), 'preflight', '--env', 'bedrock', '--config-dir', configDir], {
      cwd: ROOT,
      encoding: 'utf8',
      // Only what the run needs: no credentials from the caller's environment, files or instance metadata;
      // any request would go to a closed local port, not to AWS.
      env: {
        PATH: process.env.PATH,
        HOME: home,
        AWS_CONFIG_FILE: path.join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_BEDROCK: 'http://127.0.0.1:9',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    fs.rmSync(home, { recursive: true, force: true });
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 2, stdout: '' });
    expect(result.stderr).toMatch(/^preflight: no AWS credentials found \(set AWS_PROFILE.*; the SDK said: Could not load credentials from any providers\n$/);
  });
});
