import { App, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { GATE_ON_FINDINGS } from '../../lib/compliance/gate';
import { addCompliancePacks } from '../../lib/compliance/packs';
import { kitContext, testStack } from '../helpers/app';

function acknowledgedIds(construct: Construct): string[] {
  return construct.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.keys(entry.data as Record<string, string>));
}

/** A bucket that breaks AwsSolutions-S1 (no access logs) and nothing else of that pack. */
function plainBucket(scope: Construct, id: string): s3.Bucket {
  return new s3.Bucket(scope, id, { enforceSSL: true, versioned: true, encryption: s3.BucketEncryption.S3_MANAGED });
}

describe('acknowledge', () => {
  test('records the finding on the resource behind an L2, not on its other children', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
    acknowledge(bucket, 'AwsSolutions-S1', 'A bucket of the test that needs no access log');
    expect(acknowledgedIds(bucket.node.defaultChild as Construct).join()).toMatch(/AwsSolutions-S1/);
    expect(acknowledgedIds(bucket)).toEqual([]);
    expect(acknowledgedIds(bucket.policy as Construct)).toEqual([]);
  });

  test('accepts one finding of a rule with several findings', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    acknowledge(bucket, 'AwsSolutions-IAM5[Resource::*]', 'The API has no resource-level permissions for this action');
    expect(acknowledgedIds(bucket.node.defaultChild as Construct).join()).toMatch(/AwsSolutions-IAM5\[Resource::\*\]/);
  });

  test('rejects a reason shorter than 20 characters', () => {
    const bucket = new s3.Bucket(testStack(), 'Bucket');
    expect(() => acknowledge(bucket, 'AwsSolutions-S1', 'not needed')).toThrow(
      /Test\/Bucket: acknowledge AwsSolutions-S1 reason received "not needed"; allowed: a specific reason of at least 20 characters/,
    );
    expect(() => acknowledge(bucket, 'AwsSolutions-S1', '                         ')).toThrow(/at least 20 characters/);
  });

  test('rejects a rule id of a pack the kit does not run, or a whole-pack id', () => {
    const bucket = new s3.Bucket(testStack(), 'Bucket');
    expect(() => acknowledge(bucket, 'PCI.DSS.321-S3BucketLoggingEnabled', 'a reason long enough to pass')).toThrow(
      /acknowledge ruleId received "PCI\.DSS\.321-S3BucketLoggingEnabled"; allowed: a rule of AwsSolutions, NIST\.800\.53\.R5 or HIPAA\.Security/,
    );
    expect(() => acknowledge(bucket, 'AwsSolutions', 'a reason long enough to pass')).toThrow(/acknowledge ruleId received "AwsSolutions"/);
  });

  test('rejects a construct that is not one resource', () => {
    const group = new Construct(testStack(), 'Group');
    expect(() => acknowledge(group, 'AwsSolutions-S1', 'a reason long enough to pass')).toThrow(
      /Test\/Group: acknowledge needs a CloudFormation resource or a construct whose default child is one/,
    );
  });
});

describe('compliance packs on a stage', () => {
  test('fail synth on an unacknowledged finding, naming the rule and the resource', () => {
    const app = new App({ context: kitContext() });
    const stage = new Stage(app, 'dev');
    addCompliancePacks(stage, ['AwsSolutions']);
    plainBucket(new Stack(stage, 'Data'), 'Bucket');
    expect(() => app.synth()).toThrow(/server access logs disabled[\s\S]*dev\/Data\/Bucket\/Resource[\s\S]*AwsSolutions-S1/);
  });

  test('pass once the finding is acknowledged, and write the reason into the template', () => {
    const app = new App({ context: kitContext() });
    const stage = new Stage(app, 'dev');
    addCompliancePacks(stage, ['AwsSolutions']);
    const stack = new Stack(stage, 'Data');
    acknowledge(plainBucket(stack, 'Bucket'), 'AwsSolutions-S1', 'Test bucket whose reads are not audited');
    const assembly = app.synth();
    const template = assembly.getNestedAssembly('assembly-dev').getStackByName(stack.stackName).template;
    const bucket = Object.values(template.Resources as Record<string, any>).find((r) => r.Type === 'AWS::S3::Bucket');
    expect(bucket.Metadata.cdk_nag.rules_to_suppress).toEqual([{ id: 'AwsSolutions-S1', reason: 'Test bucket whose reads are not audited' }]);
  });

  test('check only their own stage', () => {
    const app = new App({ context: kitContext() });
    const checked = new Stage(app, 'prod');
    addCompliancePacks(checked, ['AwsSolutions']);
    acknowledge(plainBucket(new Stack(checked, 'Data'), 'Bucket'), 'AwsSolutions-S1', 'Test bucket whose reads are not audited');
    plainBucket(new Stack(new Stage(app, 'sandbox'), 'Data'), 'Bucket');
    expect(() => app.synth()).not.toThrow();
  });

  test('run each chosen pack, with its own rule ids', () => {
    const app = new App({ context: kitContext() });
    const stage = new Stage(app, 'dev');
    addCompliancePacks(stage, ['NIST.800.53.R5', 'HIPAA.Security']);
    plainBucket(new Stack(stage, 'Data'), 'Bucket');
    expect(() => app.synth()).toThrow(/NIST\.800\.53\.R5-S3BucketLoggingEnabled[\s\S]*HIPAA\.Security-S3BucketLoggingEnabled/);
  });
});

describe('the synth gate of bin/app.ts', () => {
  test('fails the app even when the CDK CLI asks it not to', () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      // The CLI passes failSynthOnValidationErrors=false; postCliContext overrides it.
      const app = new App({ context: { ...kitContext(), '@aws-cdk/core:failSynthOnValidationErrors': false }, postCliContext: GATE_ON_FINDINGS });
      const stage = new Stage(app, 'dev');
      addCompliancePacks(stage, ['AwsSolutions']);
      plainBucket(new Stack(stage, 'Data'), 'Bucket');
      app.synth();
      expect(process.exitCode).toBe(1);
      expect(errors.mock.calls.flat().join('\n')).toMatch(/AwsSolutions-S1/);
    } finally {
      process.exitCode = 0;
      errors.mockRestore();
    }
  });
});
