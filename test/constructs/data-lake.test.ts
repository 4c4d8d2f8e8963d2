import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DataLake } from '../../constructs/data';
import { testStack } from '../helpers/app';

describe('DataLake with defaults', () => {
  let template: Template;
  beforeAll(() => {
    const stack = testStack();
    new DataLake(stack, 'Lake');
    template = Template.fromStack(stack);
  });

  test('creates one rotated customer-managed key and five buckets, all retained', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, PendingWindowInDays: 30 });
    template.resourceCountIs('AWS::S3::Bucket', 5);
    for (const resource of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    }
    expect(Object.values(template.findResources('AWS::KMS::Key'))[0].DeletionPolicy).toBe('Retain');
  });

  test('encrypts the four data buckets with the key and a bucket key', () => {
    template.resourcePropertiesCountIs(
      'AWS::S3::Bucket',
      {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } },
          ],
        },
      },
      4,
    );
  });

  test('encrypts the access log bucket with SSE-S3, the only encryption log delivery accepts', () => {
    template.resourcePropertiesCountIs(
      'AWS::S3::Bucket',
      { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } },
      1,
    );
  });

  test('blocks public access, disables ACLs, blocks SSE-C and versions every bucket', () => {
    template.resourcePropertiesCountIs(
      'AWS::S3::Bucket',
      {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        VersioningConfiguration: { Status: 'Enabled' },
      },
      5,
    );
    template.resourcePropertiesCountIs('AWS::S3::Bucket', { BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } })] } }, 5);
  });

  test('denies requests without TLS and below TLS 1.2 on every bucket', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(5);
    for (const policy of policies) {
      const statements = policy.Properties.PolicyDocument.Statement;
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      );
    }
  });

  test('logs access of each data bucket under its own prefix, granted to the logging service for that bucket only', () => {
    for (const prefix of ['raw/', 'datasets/', 'artifacts/', 'feedback/']) {
      template.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: prefix } });
    }
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() }, StringEquals: { 'aws:SourceAccount': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  test('aborts incomplete uploads and expires noncurrent versions after 90 days by default', () => {
    template.resourcePropertiesCountIs(
      'AWS::S3::Bucket',
      {
        LifecycleConfiguration: {
          Rules: [Match.objectLike({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, NoncurrentVersionExpiration: { NoncurrentDays: 90 } })],
        },
      },
      5,
    );
  });
});

function lakeInFreshStack(): { stack: Stack; lake: DataLake } {
  const stack = testStack();
  return { stack, lake: new DataLake(stack, 'Lake') };
}

describe('DataLake grants', () => {
  test('grants read of one dataset split only, with decrypt on the key', () => {
    const { stack, lake } = lakeInFreshStack();
    const role = new iam.Role(stack, 'Trainer', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    lake.grantReadDatasets(role, 'train');
    const policy = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const statements = Object.values(policy).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const s3Statement = statements.find((s: { Action: string[] }) => s.Action.includes('s3:GetObject*'));
    expect(JSON.stringify(s3Statement.Resource)).toContain('/train/*');
    expect(statements.some((s: { Action: string[] | string }) => [s.Action].flat().includes('kms:Decrypt'))).toBe(true);
  });

  test('grants write of feedback without read or delete', () => {
    const { stack, lake } = lakeInFreshStack();
    const writer = new iam.Role(stack, 'FeedbackWriter', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    lake.grantWriteFeedback(writer);
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('FeedbackWriter'),
    );
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['s3:PutObject']));
    expect(actions).not.toEqual(expect.arrayContaining(['s3:GetObject*']));
    expect(actions.filter((a: string) => a.startsWith('s3:Delete'))).toEqual([]);
  });

  test('gives the S3 URI of a dataset split', () => {
    const { stack, lake } = lakeInFreshStack();
    expect(stack.resolve(lake.datasetUri('validation'))).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^LakeDatasets/) }, '/validation/']] });
  });

  test('rejects a dataset split and an artifact prefix it does not know', () => {
    const { stack, lake } = lakeInFreshStack();
    const role = new iam.Role(stack, 'Other', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => lake.grantReadDatasets(role, 'test' as never)).toThrow(/Test\/Lake: split received "test"; allowed: train \| validation \| evaluation/);
    expect(() => lake.grantWriteArtifacts(role, '../models')).toThrow(/Test\/Lake: prefix received "\.\.\/models"; allowed: a key prefix/);
  });
});

describe('DataLake with retention and destroy', () => {
  test('applies transitions and expiration per class, and empties buckets on delete', () => {
    const stack = testStack();
    new DataLake(stack, 'Lake', {
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
      retention: {
        raw: { noncurrentVersionExpirationDays: 30, transitions: [{ storageClass: 'GLACIER_IR', afterDays: 90 }], expirationDays: 400 },
      },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            ExpirationInDays: 400,
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
          }),
        ],
      },
    });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 5);
    for (const resource of Object.values(template.findResources('AWS::S3::Bucket'))) expect(resource.DeletionPolicy).toBe('Delete');
  });

  test('uses a given key instead of creating one', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Shared');
    const lake = new DataLake(stack, 'Lake', { encryptionKey: key });
    expect(lake.key).toBe(key);
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
  });

  test('rejects auto-delete of objects on retained buckets', () => {
    expect(() => new DataLake(testStack(), 'Lake', { autoDeleteObjects: true })).toThrow(
      /Test\/Lake: autoDeleteObjects received true; allowed: false unless removalPolicy is DESTROY \(received retain\)/,
    );
  });

  test('rejects a retention S3 would refuse, naming the bucket class and field', () => {
    expect(
      () => new DataLake(testStack(), 'Lake', { retention: { feedback: { noncurrentVersionExpirationDays: 30, transitions: [{ storageClass: 'STANDARD_IA', afterDays: 7 }] } } }),
    ).toThrow(/Test\/Lake: retention\.feedback\.transitions\.0\.afterDays received 7; allowed: 30 or more for STANDARD_IA/);
  });

  test('rejects a retention for a bucket class it does not have', () => {
    expect(() => new DataLake(testStack(), 'Lake', { retention: { logs: { noncurrentVersionExpirationDays: 1 } } as never })).toThrow(
      /Test\/Lake: retention received "logs"; allowed: the bucket classes raw, datasets, artifacts, feedback, accessLogs/,
    );
  });
});
