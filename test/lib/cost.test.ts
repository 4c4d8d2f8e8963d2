import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { instanceFact } from '../../lib/catalog/instances';
import { SPOT_TRAINING_MAX_SAVING, trainingPrice } from '../../lib/catalog/prices';
import { main } from '../../lib/cli/main';
import { parseConfig } from '../../lib/config/load';
import { CloudAssembly, type EnvironmentAssembly, type TemplateResource } from '../../lib/reports/assembly';
import { estimateCost } from '../../lib/reports/cost';
import { inventory } from '../../lib/reports/cost-inventory';
import { firingsPerMonth } from '../../lib/reports/cost-schedule';
import { shippedConfig } from '../helpers/app';

/**
 * `kit cost` on a hand-written assembly (test/lib/fixtures/cost: the resources
 * the estimate prices, shaped as the kit synthesizes them) and configs built
 * from the shipped files with the fields the numbers depend on set here.
 */

const ASSEMBLY = path.join(__dirname, 'fixtures', 'cost');
const PEAK_HOURS = 8 * (730 / 24);

let work: string;

/** A config folder with dev and prod, the shipped files with the given changes. */
function configDir(change: (name: 'dev' | 'prod', raw: Record<string, any>) => void = () => undefined): string {
  const dir = fs.mkdtempSync(path.join(work, 'config-'));
  for (const name of ['dev', 'prod'] as const) {
    const raw = shippedConfig(name);
    raw.region = 'us-east-1';
    Object.assign(raw.scope, { latencySloP95Ms: 2500 }, name === 'dev' ? { peakRequestsPerSecond: 0.5, monthlyBudgetUsd: 500 } : { peakRequestsPerSecond: 20, monthlyBudgetUsd: 15000 });
    raw.adapt.training = name === 'dev' ? { instanceType: 'ml.g6e.2xlarge', maxRuntimeHours: 12, spot: true } : { instanceType: 'ml.g6e.12xlarge', maxRuntimeHours: 24, spot: true, maxWaitHours: 72 };
    raw.adapt.preference.schedule = name === 'dev' ? 'rate(1 day)' : 'rate(7 days)';
    // The estimate's defaults are under test: runs per schedule firing, each at the longest runtime.
    delete raw.adapt.runsPerMonth;
    delete raw.adapt.hoursPerRun;
    change(name, raw);
    fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(raw));
  }
  return dir;
}

/** `kit cost` through the command line's entry point. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['cost', ...argv], (text) => (out += text), (text) => (err += text));
  return { code, out, err };
}

async function report(env: string, config = configDir()): Promise<any> {
  const { code, out, err } = await run('--env', env, '--json', '--assembly', ASSEMBLY, '--config-dir', config, '--out', path.join(work, 'reports'));
  expect(code).toBe(0);
  expect(err).not.toMatch(/^error/);
  return JSON.parse(out);
}

const lineOf = (cost: any, item: string) => cost.lines.find((line: any) => line.item === item);

/** An environment of one stack, written as a cloud assembly and read back as `kit cost` reads it. */
function oneStack(environment: string, stack: string, resources: Record<string, TemplateResource>): EnvironmentAssembly {
  const dir = fs.mkdtempSync(path.join(work, 'assembly-'));
  const nested = path.join(dir, `assembly-${environment}`);
  fs.mkdirSync(nested);
  const id = stack.replace(/-/g, '');
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '55.0.0', artifacts: { [`assembly-${environment}`]: { type: 'cdk:cloud-assembly', properties: { directoryName: `assembly-${environment}`, displayName: environment } } } }));
  fs.writeFileSync(
    path.join(nested, 'manifest.json'),
    JSON.stringify({ version: '55.0.0', artifacts: { [id]: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/us-east-1', properties: { templateFile: `${id}.template.json`, stackName: stack } } } }),
  );
  fs.writeFileSync(path.join(nested, `${id}.template.json`), JSON.stringify({ Resources: resources }));
  return CloudAssembly.open(dir).environment(environment);
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-cost-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('dev: scale to zero', () => {
  let dev: any;
  beforeAll(async () => {
    dev = await report('dev');
  });

  test('the endpoint costs nothing when idle and the idle total is a small share of the budget', () => {
    const minimum = lineOf(dev, 'dev/Serve/Endpoint minimum capacity');
    expect(minimum).toEqual(expect.objectContaining({ quantity: 0, monthlyUsd: 0, idle: true }));
    expect(minimum.detail).toMatch(/scales to zero/);
    expect(dev.totals.idleUsd).toBeGreaterThan(0);
    expect(dev.totals.idleUsd).toBeLessThan(0.05 * dev.budget.monthlyBudgetUsd);
  });

  test('prices one instance for the peak hours: 30 invocations a minute fit one copy', () => {
    const atLoad = lineOf(dev, 'dev/Serve/Endpoint instances at load');
    expect(atLoad.quantity).toBeCloseTo(PEAK_HOURS, 3);
    expect(atLoad.monthlyUsd).toBeCloseTo(PEAK_HOURS * instanceFact('ml.g6.xlarge').price.usdPerHour, 1);
    expect(atLoad.idle).toBe(false);
    expect(atLoad.detail).toMatch(/30 invocations a minute \/ target 33 per copy = 1 copy/);
  });

  test('counts one DPO run per daily schedule firing at the longest runtime, and says these are defaults', () => {
    const training = lineOf(dev, 'training runs (on-demand)');
    expect(training.quantity).toBeCloseTo(12 * (730 / 24), 3);
    expect(dev.assumptions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'adapt.runsPerMonth', from: 'default', value: expect.stringMatching(/^30\.42 runs \(one per firing of rate\(1 day\)/) }),
        expect.objectContaining({ name: 'adapt.hoursPerRun', from: 'default' }),
        expect.objectContaining({ name: 'scope.peakHoursPerDay', from: 'default' }),
        expect.objectContaining({ name: 'scope.budgetAction', value: 'warn', from: 'default' }),
      ]),
    );
  });

  test('reads the pipelines, Lambda functions and the single-zone endpoint from the templates', () => {
    expect(lineOf(dev, 'dev/Adapt/Preference state transitions').detail).toMatch(/^30\.42 executions \(its schedule\) x 1 state$/);
    expect(lineOf(dev, 'dev/Adapt/FineTuning state transitions').detail).toMatch(/one per training run\) x 3 states$/);
    expect(lineOf(dev, 'Lambda requests').detail).toBe('3 functions: 2 called by pipelines, 0 behind an API, 1 at deploy time only');
    expect(lineOf(dev, 'interface VPC endpoints')).toEqual(expect.objectContaining({ quantity: 730, monthlyUsd: 7.3, idle: true }));
    expect(lineOf(dev, 'CloudWatch alarms').quantity).toBe(3);
  });
});

describe('prod: always-on instances', () => {
  let prod: any;
  beforeAll(async () => {
    prod = await report('prod');
  });

  test('the baseline is the minimum instances all month at the catalog price', () => {
    const price = instanceFact('ml.g6e.xlarge').price.usdPerHour;
    const minimum = lineOf(prod, 'prod/Serve/Endpoint minimum capacity');
    expect(minimum).toEqual(expect.objectContaining({ quantity: 2 * 730, unitPriceUsd: price, idle: true }));
    expect(minimum.monthlyUsd).toBeCloseTo(2 * 730 * price, 2);
    expect(prod.totals.idleUsd).toBeGreaterThan(minimum.monthlyUsd);
    expect(prod.totals.idleUsd).toBeLessThan(minimum.monthlyUsd + 150);
  });

  test('scales out to the maximum for the peak: 50 concurrent requests need 5 instances at target 11, at most 4', () => {
    const scaleOut = lineOf(prod, 'prod/Serve/Endpoint scale-out at peak');
    expect(scaleOut.quantity).toBeCloseTo(2 * PEAK_HOURS, 3);
    expect(scaleOut.detail).toMatch(/50 concurrent requests \/ target 11 per instance = 5, within 2 to 4 = 4 instances/);
  });

  test('shows the spot saving apart: the total keeps the on-demand training', () => {
    const training = lineOf(prod, 'training runs (on-demand)');
    expect(training.unitPriceUsd).toBe(trainingPrice('ml.g6e.12xlarge')?.usd);
    expect(prod.spot).toEqual({
      onDemandTrainingUsd: training.monthlyUsd,
      maxSavingFraction: SPOT_TRAINING_MAX_SAVING.fraction,
      maxSavingUsd: expect.closeTo(training.monthlyUsd * 0.9, 2),
      source: SPOT_TRAINING_MAX_SAVING.source,
    });
    const sum = prod.lines.reduce((total: number, line: any) => total + line.monthlyUsd, 0);
    expect(prod.totals.expectedUsd).toBeCloseTo(sum, 2);
  });

  test('counts captured requests, interface endpoints in three zones and high-resolution tracking alarms', () => {
    const captured = 20 * 3600 * PEAK_HOURS * 0.1;
    expect(lineOf(prod, 'S3 PUT requests').quantity).toBeCloseTo(captured + 4.35 * 1000, -1);
    expect(lineOf(prod, 'interface VPC endpoints').quantity).toBe(4 * 3 * 730);
    expect(lineOf(prod, 'CloudWatch alarms, high resolution').quantity).toBe(2);
    expect(lineOf(prod, 'CloudWatch alarms').quantity).toBe(2);
  });

  test('gives every line a price with its unit, source and date', () => {
    for (const line of prod.lines) {
      expect(line).toEqual(
        expect.objectContaining({
          section: expect.any(String),
          quantity: expect.any(Number),
          unit: expect.any(String),
          unitPriceUsd: expect.any(Number),
          priceUnit: expect.any(String),
          monthlyUsd: expect.any(Number),
          priceConfirmed: expect.any(Boolean),
          source: expect.stringMatching(/\S/),
          checked: '2026-11-28',
        }),
      );
    }
    expect(prod.budget).toEqual({ monthlyBudgetUsd: 15000, action: 'warn', expectedUsd: prod.totals.expectedUsd, shareOfBudget: expect.any(Number), overBudget: false });
  });
});

describe('budget', () => {
  test('warns and exits 0 over budget by default', async () => {
    const config = configDir((name, raw) => (raw.scope.monthlyBudgetUsd = name === 'dev' ? 10 : raw.scope.monthlyBudgetUsd));
    const { code, out, err } = await run('--env', 'dev', '--assembly', ASSEMBLY, '--config-dir', config, '--out', path.join(work, 'warn'));
    expect(code).toBe(0);
    expect(out).toMatch(/budget: estimate [\d,.]+ USD a month = [\d,.]+ % of scope\.monthlyBudgetUsd 10\.00: OVER by/);
    expect(err).toMatch(/^warning: dev: budget: /);
  });

  test('fails with exit 1 over budget when scope.budgetAction is fail', async () => {
    const config = configDir((_, raw) => Object.assign(raw.scope, { monthlyBudgetUsd: 10, budgetAction: 'fail' }));
    const { code, err } = await run('--env', 'dev', '--assembly', ASSEMBLY, '--config-dir', config, '--out', path.join(work, 'fail'));
    expect(code).toBe(1);
    expect(err).toMatch(/^error: dev: budget: .*OVER by .*scope\.budgetAction is fail/);
  });

  test('passes with budgetAction fail when within budget, and takes the load and runs from the config', async () => {
    const config = configDir((_, raw) => {
      Object.assign(raw.scope, { budgetAction: 'fail', peakHoursPerDay: 2 });
      Object.assign(raw.adapt, { runsPerMonth: 2, hoursPerRun: 100 });
    });
    const dev = await report('dev', config);
    expect(dev.budget.overBudget).toBe(false);
    expect(lineOf(dev, 'dev/Serve/Endpoint instances at load').quantity).toBeCloseTo(2 * (730 / 24), 3);
    expect(lineOf(dev, 'training runs (on-demand)').quantity).toBe(2 * 12);
    expect(dev.assumptions).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'adapt.hoursPerRun', from: 'config', value: '12 h (capped at training.maxRuntimeHours 12)' })]));
  });
});

describe('command', () => {
  test('prints a table, writes cost.md and cost.json, and gives identical bytes on a second run', async () => {
    const config = configDir();
    const first = await run('--assembly', ASSEMBLY, '--config-dir', config, '--out', path.join(work, 'first'));
    const second = await run('--assembly', ASSEMBLY, '--config-dir', config, '--out', path.join(work, 'second'));
    expect(first.code).toBe(0);
    expect(second.out).toBe(first.out.split(path.join(work, 'first')).join(path.join(work, 'second')));
    expect(first.out).toMatch(/^cost estimate: dev \(us-east-1\)/);
    expect(first.out).toContain('\ncost estimate: prod (us-east-1)');
    expect(first.out).toMatch(/total when idle \(no requests, no runs\)\s+[\d,.]+\s+yes/);
    expect(first.out).toContain(`* price not confirmed by an AWS page: sources in ${path.join(work, 'first', 'prod', 'cost.md')} and lib/catalog/prices.ts\n`);
    for (const env of ['dev', 'prod']) {
      for (const file of ['cost.md', 'cost.json']) {
        const bytes = fs.readFileSync(path.join(work, 'first', env, file));
        expect(bytes.equals(fs.readFileSync(path.join(work, 'second', env, file)))).toBe(true);
      }
    }
    const markdown = fs.readFileSync(path.join(work, 'first', 'prod', 'cost.md'), 'utf8');
    expect(markdown).toMatch(/^# Cost estimate: prod\n/);
    expect(markdown).toContain('## Prices');
    expect(markdown).toContain('aws.amazon.com/step-functions/pricing');
    expect(JSON.parse(fs.readFileSync(path.join(work, 'first', 'prod', 'cost.json'), 'utf8')).environment).toBe('prod');
  });

  test('prints every environment as a JSON array with --json and no --env', async () => {
    const { code, out } = await run('--json', '--assembly', ASSEMBLY, '--config-dir', configDir(), '--out', path.join(work, 'json'));
    expect(code).toBe(0);
    expect(JSON.parse(out).map((cost: any) => cost.environment)).toEqual(['dev', 'prod']);
  });

  test('notes that another region is estimated with us-east-1 prices', async () => {
    const config = configDir((_, raw) => (raw.region = 'eu-west-1'));
    expect((await report('dev', config)).notes).toContain('eu-west-1 prices differ: the estimate uses us-east-1 prices');
  });

  test('fails on a missing assembly, saying to synthesize first (the wording of kit audit)', async () => {
    const missing = path.join(work, 'nowhere');
    const { code, out, err } = await run('--assembly', missing, '--config-dir', configDir());
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(`no cloud assembly in ${missing} (${path.join(missing, 'manifest.json')} is missing): run npm run synth first\n`);
  });

  test('fails on an environment the assembly does not hold, naming those it does', async () => {
    const config = configDir();
    fs.copyFileSync(path.join(config, 'dev.json'), path.join(config, 'staging.json'));
    const { code, err } = await run('--env', 'staging', '--assembly', ASSEMBLY, '--config-dir', config);
    expect(code).toBe(1);
    expect(err).toBe(`environment "staging" is not in the cloud assembly ${ASSEMBLY}; allowed: dev, prod (an environment added since the last synth: run npm run synth first)\n`);
  });

  test('fails on an environment without a config file, naming those with one, before looking for an assembly', async () => {
    const { code, err } = await run('--env', 'nope', '--assembly', path.join(work, 'nowhere'), '--config-dir', configDir());
    expect(code).toBe(1);
    expect(err).toMatch(/^unknown environment "nope"; known environments: dev, prod\n$/);
  });

  test('rejects unknown options and arguments, exit 1, and prints its usage with --help', async () => {
    expect((await run('--bogus')).code).toBe(1);
    expect((await run('prod')).err).toMatch(/^unexpected argument "prod"\nusage: kit cost/);
    expect(await run('--help')).toEqual({ code: 0, out: expect.stringMatching(/^usage: kit cost \[--env NAME\]/), err: '' });
  });
});

describe('resources the fixture lacks', () => {
  test('prices the temporary endpoint a pipeline creates for each execution', () => {
    const raw = shippedConfig('prod');
    raw.adapt.runsPerMonth = 3;
    const definition = {
      'Fn::Join': [
        '',
        [
          '{"StartAt":"Config","States":{"Config":{"Type":"Task","Resource":"arn:',
          { Ref: 'AWS::Partition' },
          ':states:::aws-sdk:sagemaker:createEndpointConfig","Parameters":{"ProductionVariants":[{"VariantName":"AllTraffic","InstanceType":"ml.g6e.xlarge","InitialInstanceCount":1}]},"End":true}}}',
        ],
      ],
    };
    const resources = { Evaluation: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: definition }, Metadata: { 'aws:cdk:path': 'prod/Evaluate/Evaluation/Resource' } } };
    const cost = estimateCost({ environment: 'prod', config: parseConfig(raw, 'test.json'), inventory: inventory(oneStack('prod', 'prod-Evaluate', resources)) });
    expect(cost.lines.find((line) => line.item === 'prod/Evaluate/Evaluation temporary endpoint')).toEqual(
      expect.objectContaining({ quantity: 3, unitPriceUsd: instanceFact('ml.g6e.xlarge').price.usdPerHour, idle: false, detail: '3 executions x 1 x ml.g6e.xlarge x 1 h (created and deleted by each execution)' }),
    );
  });

  test('prices an API, the Lambda behind it per request and a vector index from the scope load', () => {
    const raw = shippedConfig('dev');
    Object.assign(raw.scope, { peakRequestsPerSecond: 1, peakHoursPerDay: 10, averageRequestSeconds: 2 });
    const config = parseConfig(raw, 'test.json');
    const resources = {
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
      Query: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 512, Timeout: 30, Architectures: ['arm64'] }, Metadata: { 'aws:cdk:path': 'dev/Augment/Query/Resource' } },
      QueryPermission: { Type: 'AWS::Lambda::Permission', Properties: { Principal: 'apigateway.amazonaws.com', FunctionName: { 'Fn::GetAtt': ['Query', 'Arn'] } } },
      Index: { Type: 'AWS::S3Vectors::Index', Properties: {} },
    };
    const cost = estimateCost({ environment: 'dev', config, inventory: inventory(oneStack('dev', 'dev-Augment', resources)) });
    const requests = 3600 * 10 * (730 / 24);
    const item = (name: string) => cost.lines.find((line) => line.item === name);
    expect(item('API Gateway REST requests')).toEqual(expect.objectContaining({ quantity: requests, monthlyUsd: expect.closeTo((requests / 1e6) * 3.5, 2) }));
    expect(item('Lambda requests')?.quantity).toBeCloseTo(requests, 4);
    expect(item('Lambda compute (arm64)')?.quantity).toBeCloseTo(requests * 0.5 * 2, 2);
    expect(item('S3 Vectors queries')?.quantity).toBeCloseTo(requests, 4);
    expect(item('S3 Vectors storage')).toEqual(expect.objectContaining({ idle: true }));
    // What the estimate does not price is said, not left out silently.
    expect(cost.notes).toContainEqual(expect.stringMatching(/^not estimated, .*Bedrock Guardrails.*WAF.*model tokens/));
  });
});

describe('schedules', () => {
  test.each([
    ['rate(1 day)', 730 / 24],
    ['rate(7 days)', 730 / 24 / 7],
    ['rate(30 minutes)', 730 * 2],
    ['cron(0 3 * * ? *)', 730 / 24],
    ['cron(0 3 ? * MON-FRI *)', (730 / 24) * (5 / 7)],
    ['cron(0/15 * * * ? *)', 730 * 4],
    ['cron(0 0 1 * ? *)', 1],
    ['cron(0 0 ? * 6#3 *)', 1],
  ])('%s fires %d times a month', (expression, firings) => {
    expect(firingsPerMonth(expression)).toBeCloseTo(firings, 6);
  });

  test('cannot read a malformed expression', () => {
    expect(firingsPerMonth('every day')).toBeUndefined();
    expect(firingsPerMonth('cron(0 3 * *)')).toBeUndefined();
  });
});
