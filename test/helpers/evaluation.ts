import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { EvaluationPipeline, type EvaluationPipelineProps } from '../../constructs/evaluate';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BedrockModel, type IInvokableModel, type ModelHosting } from '../../constructs/serve';
import type { AwsStub } from 'aws-sdk-client-mock';
import { kitContext } from './app';

/** Endpoints deployed elsewhere, as an invokable model (the fixture's stand-in for InferenceEndpoint). */
function existingEndpoint(stack: Stack, names: string[]): IInvokableModel {
  return {
    kind: 'sagemaker-endpoint',
    grantInvoke: (grantee: iam.IGrantable) =>
      iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:InvokeEndpoint'], resourceArns: names.map((name) => stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: name })) }),
  };
}

/** How the fixture hosts packages: an instance with local storage (no volume key). */
export const FIXTURE_HOSTING: ModelHosting = {
  instanceType: 'ml.g6e.xlarge',
  image: { account: '763104351884', repository: 'djl-inference', uri: '763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.36.0-lmi18.0.0-cu128' },
  environment: { HF_MODEL_ID: '/opt/ml/model' },
  modelDataDownloadTimeoutInSeconds: 900,
  containerStartupHealthCheckTimeoutInSeconds: 900,
  localStorage: true,
};

/**
 * An EvaluationPipeline for question answering in a fresh stack with its
 * own key, buckets (named, so a definition's references read as names) and
 * VPC, allowed to evaluate one Bedrock model and three endpoints, and to
 * host and approve the packages of group `ft-group` (model files under
 * `training/` of the artifacts bucket). Lambda bundling is skipped.
 */
export function evaluationFixture(
  overrides: Partial<EvaluationPipelineProps> = {},
  hosting: ModelHosting = FIXTURE_HOSTING,
  /** Runs before synthesis, to add to the pipeline. */
  configure: (pipeline: EvaluationPipeline) => void = () => undefined,
): { stack: Stack; pipeline: EvaluationPipeline; template: Template } {
  const app = new App({ context: { ...kitContext(), 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1', account: '111122223333' } });
  const key = new kms.Key(stack, 'Key');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const artifacts = new s3.Bucket(stack, 'Artifacts', { bucketName: 'artifacts-bucket', encryptionKey: key });
  const pipeline = new EvaluationPipeline(stack, 'Evaluation', {
    task: 'question-answering',
    datasets: new s3.Bucket(stack, 'Datasets', { bucketName: 'datasets-bucket', encryptionKey: key }),
    artifacts,
    encryptionKey: key,
    thresholds: { f1: 0.6 },
    models: [new BedrockModel(stack, 'Model', { modelId: 'amazon.nova-micro-v1:0' }), existingEndpoint(stack, ['staging-llm', 'prod-llm', 'weak-llm'])],
    modelPackageGroupNames: ['ft-group'],
    packageDeployment: { hosting, modelData: { bucket: artifacts, prefix: 'training/' } },
    batchSize: 2,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [new ec2.SecurityGroup(stack, 'Group', { vpc, allowAllOutbound: false })],
    ...overrides,
  });
  configure(pipeline);
  return { stack, pipeline, template: Template.fromStack(stack) };
}

/** A Bedrock model in a stack of its own (a BedrockModel only names ARNs), for the judge and the Bedrock evaluator. */
export function bedrockModelElsewhere(modelId: string): BedrockModel {
  return new BedrockModel(new Stack(new App(), 'Models', { env: { region: 'us-east-1', account: '111122223333' } }), 'Model', { modelId });
}

/**
 * Serves S3 Get/Put/List of the mocked client from `store` (keys
 * `<bucket>/<key>`), as the local runs of the evaluation workflow need.
 */
export function serveS3FromMemory(s3: AwsStub<any, any, any>, store: Map<string, string>): void {
  s3.on(PutObjectCommand).callsFake(async ({ Bucket, Key, Body }) => {
    store.set(`${Bucket}/${Key}`, String(Body));
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake(async ({ Bucket, Prefix }) => ({
    Contents: [...store.keys()].filter((key) => key.startsWith(`${Bucket}/${Prefix ?? ''}`)).map((key) => ({ Key: key.slice(Bucket.length + 1) })),
  }));
  s3.on(GetObjectCommand).callsFake(async ({ Bucket, Key }) => {
    const body = store.get(`${Bucket}/${Key}`);
    if (body === undefined) throw new NoSuchKey({ $metadata: {}, message: 'no such key' });
    return { Body: Object.assign(Readable.from([body]), { transformToString: async () => body }) };
  });
}
