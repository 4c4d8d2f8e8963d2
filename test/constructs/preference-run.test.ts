import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { StateMachine } from 'aws-local-stepfunctions';
import { PreferenceTuning } from '../../constructs/adapt';
import { buildPreferences } from '../../lambda/build-preferences/build';
import { validateDataset } from '../../lambda/validate-dataset/validate';
import { feedbackRecordSchema, type FeedbackRecord } from '../../lib/align/feedback-record';
import { definitionOf, pipelineFixture } from '../helpers/pipeline';

// Align end to end, locally: feedback records in the shared format become a
// DPO dataset (the builder's real logic over an in-memory S3), the align
// workflow starts a DPO run on it, and that run, checked by the real dataset
// validation, registers a model package.
const fixture = pipelineFixture({}, (stack, pipeline) => {
  const key = stack.node.findChild('Key') as never;
  const feedback = new s3.Bucket(stack, 'Feedback', { bucketName: 'feedback-bucket', encryptionKey: key });
  const vpc = stack.node.findChild('Vpc') as ec2.Vpc;
  new PreferenceTuning(stack, 'Preference', {
    pipeline,
    feedback,
    datasets: stack.node.findChild('Datasets') as s3.Bucket,
    minNewPairs: 4,
    validationFraction: 0.25,
    encryptionKey: key,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [stack.node.findChild('Group') as ec2.SecurityGroup],
  });
});
const alignDefinition = definitionOf(fixture.template, 'Preference');
const tuningDefinition = definitionOf(fixture.template, 'Pipeline');

const store = new Map<string, string>();
const s3Mock = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });
function fakeS3(): void {
  s3Mock.reset();
  s3Mock.on(ListObjectsV2Command).callsFake(async ({ Bucket, Prefix }) => ({
    Contents: [...store.keys()].filter((key) => key.startsWith(`${Bucket}/${Prefix ?? ''}`)).map((key) => ({ Key: key.slice(Bucket.length + 1) })),
    IsTruncated: false,
  }));
  s3Mock.on(GetObjectCommand).callsFake(async ({ Bucket, Key }) => {
    const body = store.get(`${Bucket}/${Key}`);
    if (body === undefined) throw new NoSuchKey({ $metadata: {}, message: 'The specified key does not exist.' });
    return { Body: Readable.from([body]) as never, VersionId: `v-${Key}`, ETag: '"e"' };
  });
  s3Mock.on(PutObjectCommand).callsFake(async ({ Bucket, Key, Body }) => {
    store.set(`${Bucket}/${Key}`, String(Body));
    return { VersionId: `v-${Key}`, ETag: '"e"' };
  });
}

let id = 0;
const record = (fields: object): FeedbackRecord => feedbackRecordSchema.parse({ version: 1, id: `f-${(id += 1)}`, timestamp: '2026-11-28T18:00:00Z', ...fields });

async function runAlign(): Promise<{ started: any[]; output: any }> {
  const started: any[] = [];
  const machine = new StateMachine(JSON.parse(JSON.stringify(alignDefinition)), { validationOptions: { checkArn: false, checkPaths: false } });
  const output = await machine.run({ trigger: 'schedule' }, {
    overrides: {
      taskResourceLocalHandlers: {
        Build: (event: any) => buildPreferences(client, event, { now: () => new Date('2026-11-28T20:00:00Z') }) as never,
        StartDpoRun: async (request: any) => {
          started.push(request);
          return { ExecutionArn: 'arn:aws:states:us-east-1:111122223333:execution:tuning:1', StartDate: '2026-11-28T20:00:01Z' } as never;
        },
      },
    },
  }).result;
  return { started, output };
}

test('feedback records become a DPO dataset and a DPO run that registers a model', async () => {
  fakeS3();
  const questions = ['How do I reset my password?', 'Where is my invoice?', 'Can I change my plan?', 'How do I close my account?', 'Is there a mobile app?', 'Who can see my data?', 'How do I export data?', 'What does the API cost?'];
  const feedback = questions.flatMap((prompt, index) =>
    index % 2 === 0
      ? [record({ kind: 'preference', prompt, chosen: `A precise answer to: ${prompt}`, rejected: 'I am not sure.' })]
      : [record({ kind: 'rating', prompt, response: `A helpful answer to: ${prompt}`, rating: 1 }), record({ kind: 'rating', prompt, response: 'Please contact support.', rating: -1 })],
  );
  store.set('feedback-bucket/feedback/2026/11/28/api-1.jsonl', feedback.map((one) => JSON.stringify(one)).join('\n') + '\n');

  const { started, output } = await runAlign();
  expect(output.dataset.ready).toBe(true);
  expect(started).toHaveLength(1);
  const runInput = JSON.parse(typeof started[0].Input === 'string' ? started[0].Input : JSON.stringify(started[0].Input));
  expect(runInput).toEqual({ mode: 'dpo', dataset: { trainKey: output.dataset.trainKey, validationKey: output.dataset.validationKey } });

  const trained: any[] = [];
  const registered: any[] = [];
  const lineage: any[] = [];
  const tuning = new StateMachine(JSON.parse(JSON.stringify(tuningDefinition)), { validationOptions: { checkArn: false, checkPaths: false } });
  const ok = async () => ({}) as never;
  await tuning.run(runInput, {
    overrides: {
      taskResourceLocalHandlers: {
        ValidateDataset: (event: any) => validateDataset(client, event) as never,
        Train: async (job: any) => {
          trained.push(job);
          return { TrainingJobArn: `arn:aws:sagemaker:us-east-1:111122223333:training-job/${job.TrainingJobName}`, ModelArtifacts: { S3ModelArtifacts: 's3://artifacts-bucket/training/x/output/model/' } } as never;
        },
        WriteLineage: async (request: any) => {
          lineage.push(request);
          return {} as never;
        },
        RegisterModel: async (request: any) => {
          registered.push(request);
          return { ModelPackageArn: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/group/2' } as never;
        },
        PublishModelEvent: ok,
        NotifySuccess: ok,
        NotifyFailure: ok,
      },
    },
  }).result;
  expect(trained[0].HyperParameters.sagemaker_program).toBe('dpo.py');
  expect(registered[0].CustomerMetadataProperties.mode).toBe('dpo');
  expect(registered[0].CustomerMetadataProperties.trainVersionId).toBe(`v-${output.dataset.trainKey}`);
  expect(JSON.parse(lineage[0].Body).dataset).toEqual(expect.objectContaining({ trainKey: output.dataset.trainKey, validationKey: output.dataset.validationKey }));

  // The same feedback a day later: no new pair, no dataset, no run.
  const again = await runAlign();
  expect(again.output.dataset.ready).toBe(false);
  expect(again.started).toHaveLength(0);
});

test('runs on its schedule, reads only the feedback prefix and writes only under the preference prefix', () => {
  fixture.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)', State: 'ENABLED' });
  const policy = Object.values(fixture.template.findResources('AWS::IAM::ManagedPolicy')).find((resource) => /^Data access of/.test(resource.Properties.Description));
  const writes = policy!.Properties.PolicyDocument.Statement.filter((statement: { Action: string | string[] }) => [statement.Action].flat().includes('s3:PutObject'));
  expect(JSON.stringify(writes)).toMatch(/\/preference\/\*/);
  expect(JSON.stringify(writes)).not.toMatch(/feedback/i);
});
