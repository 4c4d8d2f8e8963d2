import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { addEnvironments } from '../../lib/stages/kit-app';
import { kitContext, shippedConfig } from '../helpers/app';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-envs-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeEnvironment(name: string, config: Record<string, unknown>): void {
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(config));
}

test('-c env=NAME builds that environment only', () => {
  const app = new App({ context: { ...kitContext(), env: 'staging' } });
  expect(addEnvironments(app).map((stage) => stage.stageName)).toEqual(['staging']);
});

test('fails on an unknown environment, listing the known ones', () => {
  const app = new App({ context: { ...kitContext(), env: 'qa' } });
  expect(() => addEnvironments(app)).toThrow(/unknown environment "qa"; known environments: dev, prod, staging/);
});

test('reads environments from -c configDir and takes the account from the file', () => {
  writeEnvironment('eu', { ...shippedConfig('dev'), region: 'eu-west-1', account: '111122223333' });
  const app = new App({ context: { ...kitContext(), configDir: dir } });
  const [stage] = addEnvironments(app);
  expect(stage.stageName).toBe('eu');
  expect(stage.data.account).toBe('111122223333');
  expect(stage.data.region).toBe('eu-west-1');
});

test('leaves the account to deploy time when neither the file nor CDK_DEFAULT_ACCOUNT gives one', () => {
  const saved = process.env.CDK_DEFAULT_ACCOUNT;
  delete process.env.CDK_DEFAULT_ACCOUNT;
  try {
    writeEnvironment('dev', shippedConfig('dev'));
    const [stage] = addEnvironments(new App({ context: { ...kitContext(), configDir: dir } }));
    expect(Token.isUnresolved(stage.data.account)).toBe(true);
  } finally {
    if (saved !== undefined) process.env.CDK_DEFAULT_ACCOUNT = saved;
  }
});

test('imports an existing VPC from ids in the config, creating no network', () => {
  writeEnvironment('shared', {
    ...shippedConfig('dev'),
    network: {
      mode: 'import',
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    },
  });
  const [stage] = addEnvironments(new App({ context: { ...kitContext(), configDir: dir } }));
  const template = Template.fromStack(stage.network);
  template.resourceCountIs('AWS::EC2::VPC', 0);
  template.resourceCountIs('AWS::EC2::FlowLog', 0);
  expect(stage.network.network.vpc.vpcId).toBe('vpc-0123456789abcdef0');
  expect(stage.network.network.vpc.selectSubnets(stage.network.network.vpcSubnets).subnetIds).toEqual([
    'subnet-0123456789abcdef0',
    'subnet-0123456789abcdef1',
  ]);
});

test('fails synth when the model cannot fit the chosen instance, with the estimate and a suggestion', () => {
  const config = shippedConfig('prod');
  config.serve.instanceType = 'ml.g5.xlarge';
  writeEnvironment('prod', config);
  expect(() => addEnvironments(new App({ context: { ...kitContext(), configDir: dir } }))).toThrow(
    /prod\/Serve\/Endpoint: instanceType received "ml\.g5\.xlarge"; allowed: an instance the model fits: it needs 27\.\d GiB .*; the cheapest instance that fits is ml\.g6e\.xlarge/,
  );
});

test('serves a Bedrock model without an endpoint, publishing its ARN', () => {
  const config = shippedConfig('dev');
  delete config.serve;
  delete config.adapt;
  delete config.evaluate;
  config.model = { source: 'bedrock', modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' };
  writeEnvironment('bedrock', config);
  const [stage] = addEnvironments(new App({ context: { ...kitContext(), configDir: dir } }));
  expect(stage.serve?.model.kind).toBe('bedrock');
  const template = Template.fromStack(stage.serve!);
  template.resourceCountIs('AWS::SageMaker::Endpoint', 0);
  template.hasResourceProperties('AWS::SSM::Parameter', { Value: Match.stringLikeRegexp('foundation-model/anthropic\\.claude-3-5-haiku') });
});
