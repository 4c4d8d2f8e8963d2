import { App } from 'aws-cdk-lib';
import type { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { TAG_KEYS } from '../../lib/compliance/tags';
import { addEnvironments } from '../../lib/stages/kit-app';
import { kitContext } from '../helpers/app';

/** Every shipped environment, synthesized once for the whole file (the packs gate this synth). */
let assembly: CloudAssembly;
beforeAll(() => {
  const app = new App({ context: kitContext() });
  addEnvironments(app);
  assembly = app.synth();
});

function stacksOf(environment: string): CloudFormationStackArtifact[] {
  return assembly.getNestedAssembly(`assembly-${environment}`).stacks;
}

function resourcesOf(environment: string): Array<{ stack: string; id: string; resource: any }> {
  return stacksOf(environment).flatMap((stack) =>
    Object.entries(stack.template.Resources as Record<string, any>).map(([id, resource]) => ({ stack: stack.stackName, id, resource })),
  );
}

const ENVIRONMENTS = ['dev', 'staging', 'prod'];

describe.each(ENVIRONMENTS)('environment %s', (environment) => {
  test('has a data, a network, an adapt, an evaluate, a serve and an augment stack in the configured region', () => {
    expect(stacksOf(environment).map((stack) => stack.stackName).sort()).toEqual([
      `${environment}-Adapt`, `${environment}-Augment`, `${environment}-Data`, `${environment}-Evaluate`, `${environment}-Network`, `${environment}-Serve`,
    ]);
    for (const stack of stacksOf(environment)) expect(stack.environment.region).toBe('us-east-1');
  });

  test('tags every taggable resource with project, environment, lifecycle stage, classification and cost centre', () => {
    const tagged = resourcesOf(environment).filter(({ resource }) => Array.isArray(resource.Properties?.Tags));
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::FlowLog', 'AWS::Logs::LogGroup', 'AWS::IAM::Role']) {
      expect(tagged.map(({ resource }) => resource.Type)).toContain(type);
    }
    for (const { stack, resource } of tagged) {
      const tags = Object.fromEntries(resource.Properties.Tags.map((tag: { Key: string; Value: string }) => [tag.Key, tag.Value]));
      expect(tags).toEqual(
        expect.objectContaining({
          [TAG_KEYS.project]: 'support-assistant',
          [TAG_KEYS.environment]: environment,
          [TAG_KEYS.lifecycleStage]: stack.slice(environment.length + 1).toLowerCase(),
          [TAG_KEYS.dataClassification]: 'confidential',
          [TAG_KEYS.costCentre]: `genai-${environment}`,
        }),
      );
    }
  });

  test('writes no version-reporting resource and no tracking text into descriptions', () => {
    for (const stack of stacksOf(environment)) {
      expect(Object.values(stack.template.Resources as Record<string, { Type: string }>).map((r) => r.Type)).not.toContain('AWS::CDK::Metadata');
      expect(stack.template.Description).toMatch(/^support-assistant [a-z]+: (data|network|adapt|evaluate|serve|augment) stage of the generative-AI lifecycle kit$/);
    }
  });

  test('writes a reason of at least 20 characters for every acknowledgement', () => {
    const acknowledged = resourcesOf(environment).flatMap(({ resource }) => resource.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const rule of acknowledged) expect(rule.reason.trim().length).toBeGreaterThanOrEqual(20);
  });
});

describe('protection per environment', () => {
  const stateful = ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::SageMaker::ModelPackageGroup', 'AWS::Bedrock::Prompt', 'AWS::Bedrock::PromptVersion'];

  test.each(['staging', 'prod'])('%s retains every stateful resource', (environment) => {
    const resources = resourcesOf(environment).filter(({ resource }) => stateful.includes(resource.Type));
    // Data: 5 buckets, 1 key; Network: 1 flow log group; Adapt: 4 log groups (2 functions, 2 state machines), the model package group,
    // 2 prompts and their versions; Evaluate: 4 log groups (2 functions, 2 state machines: the runs and the cleanup after those Step
    // Functions ended); Augment: 6 log groups (4 functions, the API's access and execution logs), and in prod the WAF's.
    expect(resources.length).toBe(environment === 'prod' ? 27 : 26);
    for (const { resource } of resources) expect([resource.Type, resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual([resource.Type, 'Retain', 'Retain']);
  });

  test('prod stacks have termination protection, dev and staging do not', () => {
    for (const stack of stacksOf('prod')) expect(stack.terminationProtection).toBe(true);
    for (const stack of [...stacksOf('dev'), ...stacksOf('staging')]) expect(stack.terminationProtection).toBeFalsy();
  });

  test('dev deletes every stateful resource and empties its buckets', () => {
    const resources = resourcesOf('dev');
    // A prompt version is kept even in dev: evaluate and augment refer to it by number.
    for (const { resource } of resources.filter(({ resource }) => stateful.includes(resource.Type) && resource.Type !== 'AWS::Bedrock::PromptVersion')) {
      expect(resource.DeletionPolicy).toBe('Delete');
    }
    expect(resources.filter(({ resource }) => resource.Type === 'Custom::S3AutoDeleteObjects')).toHaveLength(5);
  });

  test('every environment keeps an S3 gateway endpoint and the interface endpoints its evaluation worker and augment Lambdas call; prod the sts, kms and logs baseline and its judge\'s Bedrock runtime too', () => {
    const endpoints = (environment: string, type: string) =>
      resourcesOf(environment).filter(({ resource }) => resource.Type === 'AWS::EC2::VPCEndpoint' && resource.Properties.VpcEndpointType === type);
    const services = (environment: string) => endpoints(environment, 'Interface').map(({ resource }) => String(resource.Properties.ServiceName).replace(/^com\.amazonaws\.[a-z0-9-]+\./, ''));
    expect(endpoints('dev', 'Gateway')).toHaveLength(1);
    expect(services('dev')).toEqual(['sagemaker.runtime', 'bedrock-runtime', 'bedrock-agent-runtime', 'bedrock-agent']);
    expect(services('prod')).toEqual(['sts', 'kms', 'logs', 'sagemaker.runtime', 'bedrock-runtime', 'bedrock-agent-runtime', 'bedrock-agent']);
  });

  test('every environment evaluates each registered model package on a temporary endpoint; staging and prod against the served endpoint', () => {
    for (const environment of ['dev', 'staging', 'prod']) {
      const rules = resourcesOf(environment).filter(({ resource }) => resource.Type === 'AWS::Events::Rule' && JSON.stringify(resource.Properties.EventPattern ?? {}).includes('Fine-tuned model registered'));
      expect(rules).toHaveLength(1);
      const input = rules[0].resource.Properties.Targets[0].InputTransformer.InputTemplate as string;
      expect(input).toContain('"dataset":{"key":"evaluation/support-qa.jsonl"}');
      expect(input.includes('"baseline":{"candidate":{"kind":"endpoint","endpointName":"')).toBe(environment !== 'dev');
    }
  });

  test('one environment key encrypts the data lake and the flow logs', () => {
    const keys = resourcesOf('prod').filter(({ resource }) => resource.Type === 'AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    const logGroup = resourcesOf('prod').find(({ resource }) => resource.Type === 'AWS::Logs::LogGroup');
    expect(JSON.stringify(logGroup?.resource.Properties.KmsKeyId)).toContain('prod-Data');
  });
});

describe('serve per environment', () => {
  const ofType = (environment: string, type: string) => resourcesOf(environment).filter(({ resource }) => resource.Type === type).map(({ resource }) => resource);

  test('dev scales to zero and wakes on NoCapacityInvocationFailures', () => {
    const [config] = ofType('dev', 'AWS::SageMaker::EndpointConfig');
    expect(config.Properties.ProductionVariants[0].ManagedInstanceScaling).toEqual({ Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 1 });
    expect(ofType('dev', 'AWS::SageMaker::InferenceComponent')).toHaveLength(1);
    expect(ofType('dev', 'AWS::ApplicationAutoScaling::ScalableTarget')[0].Properties.MinCapacity).toBe(0);
    const wake = ofType('dev', 'AWS::CloudWatch::Alarm').find((alarm) => alarm.Properties.MetricName === 'NoCapacityInvocationFailures');
    expect(wake?.Properties.AlarmActions).toHaveLength(1);
  });

  test('prod keeps at least two instances, tracks concurrent requests, captures data with KMS and rolls back on alarms', () => {
    const [target] = ofType('prod', 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(target.Properties.MinCapacity).toBeGreaterThanOrEqual(2);
    const [policy] = ofType('prod', 'AWS::ApplicationAutoScaling::ScalingPolicy');
    expect(policy.Properties.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType).toBe(
      'SageMakerVariantConcurrentRequestsPerModelHighResolution',
    );
    const [config] = ofType('prod', 'AWS::SageMaker::EndpointConfig');
    expect(config.Properties.DataCaptureConfig).toEqual(expect.objectContaining({ EnableCapture: true, InitialSamplingPercentage: 10, KmsKeyId: expect.anything() }));
    const [endpoint] = ofType('prod', 'AWS::SageMaker::Endpoint');
    expect(endpoint.Properties.DeploymentConfig.AutoRollbackConfiguration.Alarms).toHaveLength(2);
    expect(endpoint.Properties.DeploymentConfig.RollingUpdatePolicy).toBeDefined();
  });

  test('staging rolls out blue/green with a single instance', () => {
    const [endpoint] = ofType('staging', 'AWS::SageMaker::Endpoint');
    expect(endpoint.Properties.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type).toBe('ALL_AT_ONCE');
  });

  test('publishes what to invoke in an SSM parameter', () => {
    const [parameter] = ofType('prod', 'AWS::SSM::Parameter');
    expect(parameter.Properties.Name).toBe('/support-assistant/prod/serve/model');
    expect(JSON.stringify(parameter.Properties.Value)).toContain('sagemaker-endpoint');
  });
});
