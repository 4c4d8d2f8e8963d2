import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { FineTuningPipeline, type FineTuningPipelineProps } from '../../constructs/adapt';
import { kitContext } from './app';

export interface PipelineFixture {
  readonly stack: Stack;
  readonly pipeline: FineTuningPipeline;
  readonly template: Template;
  readonly buckets: { readonly datasets: s3.Bucket; readonly artifacts: s3.Bucket };
}

/**
 * A FineTuningPipeline in a fresh stack with its own key, buckets and VPC.
 * Lambda bundling is skipped (`aws:cdk:bundling-stacks`): these tests read
 * templates and definitions, not bundles.
 */
export function pipelineFixture(
  overrides: Partial<FineTuningPipelineProps> | ((buckets: { datasets: s3.Bucket; artifacts: s3.Bucket }) => Partial<FineTuningPipelineProps>) = {},
  build?: (stack: Stack, pipeline: FineTuningPipeline) => void): PipelineFixture {
  const app = new App({ context: { ...kitContext(), 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1', account: '111122223333' } });
  const key = new kms.Key(stack, 'Key');
  const datasets = new s3.Bucket(stack, 'Datasets', { bucketName: 'datasets-bucket', encryptionKey: key });
  const artifacts = new s3.Bucket(stack, 'Artifacts', { bucketName: 'artifacts-bucket', encryptionKey: key });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const securityGroup = new ec2.SecurityGroup(stack, 'Group', { vpc, allowAllOutbound: false });
  const pipeline = new FineTuningPipeline(stack, 'Pipeline', {
    base: { kind: 'hugging-face', modelId: 'meta-llama/Llama-3.1-8B-Instruct', weights: { bucket: artifacts, key: 'models/llama/' } },
    contextLength: 4096,
    datasets,
    artifacts,
    encryptionKey: key,
    training: { instanceType: 'ml.g6e.2xlarge' },
    hyperparameters: { epochs: '2' },
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [securityGroup],
    revision: 'abc123',
    servingImageUri: '763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.36.0-lmi18.0.0-cu128',
    ...(typeof overrides === 'function' ? overrides({ datasets, artifacts }) : overrides),
  });
  build?.(stack, pipeline);
  return { stack, pipeline, template: Template.fromStack(stack), buckets: { datasets, artifacts } };
}

/**
 * The Amazon States Language of a state machine in a template, with every
 * CloudFormation reference replaced by a readable placeholder (`<Ref>`), so
 * it can run locally.
 */
export function definitionOf(template: Template, logicalIdPrefix: string): Record<string, any> {
  const [, machine] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).find(([id]) => id.startsWith(logicalIdPrefix)) ?? [];
  if (machine === undefined) throw new Error(`no state machine ${logicalIdPrefix}* in the template`);
  const body = machine.Properties.DefinitionString;
  const parts: unknown[] = typeof body === 'string' ? [body] : body['Fn::Join'][1];
  const resources = template.toJSON().Resources as Record<string, { Properties?: { BucketName?: string } }>;
  const text = parts.map((part) => (typeof part === 'string' ? part : placeholder(part, resources))).join('');
  return JSON.parse(text);
}

/** A bucket's Ref becomes its name (the fixture names its buckets); other references a readable stand-in. */
function placeholder(reference: unknown, resources: Record<string, { Properties?: { BucketName?: string } }>): string {
  const value = reference as Record<string, unknown>;
  if (typeof value.Ref === 'string') {
    if (value.Ref === 'AWS::Partition') return 'aws';
    if (value.Ref === 'AWS::Region') return 'us-east-1';
    return resources[value.Ref]?.Properties?.BucketName ?? `ref-${value.Ref}`;
  }
  if (Array.isArray(value['Fn::GetAtt'])) return `att-${(value['Fn::GetAtt'] as string[]).join('-')}`;
  return 'token';
}
