import { Match } from 'aws-cdk-lib/assertions';
import { evaluationFixture } from '../helpers/evaluation';
import { definitionOf } from '../helpers/pipeline';

const { template } = evaluationFixture();
const states = definitionOf(template, 'Evaluation').States;

test('reads the evaluation set from S3 with a Distributed Map, in batches, with bounded concurrency and tolerance', () => {
  const map = states.EvaluateCandidate;
  expect(map.Type).toBe('Map');
  expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
  expect(map.ItemReader).toEqual({ Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSONL' }, Parameters: { Bucket: 'datasets-bucket', 'Key.$': '$.input.dataset.key' } });
  expect(map.ItemBatcher).toEqual(expect.objectContaining({ MaxItemsPerBatch: 2, BatchInput: expect.objectContaining({ 'candidate.$': '$.input.candidate', outputBucket: 'artifacts-bucket' }) }));
  expect(map.MaxConcurrency).toBe(10);
  expect(map.ToleratedFailurePercentage ?? 0).toBe(0); // aws-cdk-lib leaves out a zero, the service default
  expect(definitionOf(evaluationFixture({ toleratedFailurePercentage: 5 }).template, 'Evaluation').States.EvaluateCandidate.ToleratedFailurePercentage).toBe(5);
  expect(map.ResultWriter.Parameters).toEqual({ Bucket: 'artifacts-bucket', Prefix: 'evaluations/map-results/' });
  // A failed map first deletes what a model-package run hosted (nothing for other candidates), then notifies.
  expect(map.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReleaseEndpoint' }]);
});

test('retries the worker on Lambda errors and, minutes later, on a batch that still failed', () => {
  const batch = states.EvaluateCandidate.ItemProcessor.States.EvaluateCandidateBatch;
  expect(batch.Retry.map((retry: { ErrorEquals: string[] }) => retry.ErrorEquals)).toEqual([
    expect.arrayContaining(['Lambda.TooManyRequestsException', 'Lambda.ServiceException']),
    ['CandidateInvocationFailed'],
  ]);
});

test('approves or rejects a model package only after scoring, through a Choice on the verdict', () => {
  expect(states.Score.Next).toBe('Verdict');
  expect(states.Verdict.Type).toBe('Choice');
  expect(states.ApprovePackage.Parameters).toEqual(expect.objectContaining({ ModelApprovalStatus: 'Approved', 'ModelPackageArn.$': '$.input.candidate.modelPackageArn' }));
  expect(states.RejectPackage.Parameters).toEqual(expect.objectContaining({ ModelApprovalStatus: 'Rejected', 'ApprovalDescription.$': '$.score.summary' }));
});

test('scopes package updates to the named groups and the worker to its model and the run prefix', () => {
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sagemaker:UpdateModelPackage']), Resource: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/ft-group/*' })]) },
  });
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'] })]) },
  });
  const worker = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).find((resource) => /^Data access of .*InvokeCandidate/.test(resource.Properties.Description));
  expect(JSON.stringify(worker!.Properties.PolicyDocument.Statement)).toMatch(/\/evaluations\/\*/);
  expect(JSON.stringify(worker!.Properties.PolicyDocument.Statement)).not.toMatch(/s3:GetObject/);
});

test('writes map results under their own prefix, not over the whole artifacts bucket', () => {
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  const writes = statements.filter((statement: { Action: string | string[] }) => [statement.Action].flat().includes('s3:PutObject'));
  for (const statement of writes) expect(JSON.stringify(statement.Resource)).toMatch(/evaluations\//);
});

test('accepts only the candidate kinds the worker is granted: no model-package without a group, no prompt without a library', () => {
  const { template: noGroups } = evaluationFixture({ modelPackageGroupNames: [], packageDeployment: undefined });
  const kinds = definitionOf(noGroups, 'Evaluation').States.CheckInput.Choices.at(-1).And[2].Or.map((rule: { StringEquals: string }) => rule.StringEquals);
  expect(kinds).toEqual(['bedrock', 'endpoint']);
  expect(states.CheckInput.Choices.at(-1).And[2].Or.map((rule: { StringEquals: string }) => rule.StringEquals)).toEqual(['bedrock', 'endpoint', 'model-package']);
  expect(definitionOf(noGroups, 'Evaluation').States.ApprovePackage).toBeUndefined();
  const { template: notHosted } = evaluationFixture({ packageDeployment: undefined });
  expect(definitionOf(notHosted, 'Evaluation').States.CheckInput.Choices.at(-1).And[2].Or.map((rule: { StringEquals: string }) => rule.StringEquals)).toEqual(['bedrock', 'endpoint']);
});

test('reads only evaluation sets, under evaluation/, and sends no topP unless asked', () => {
  expect(JSON.stringify(states.CheckInput.Choices[0])).toMatch(/"StringMatches":"evaluation\/\*"/);
  expect(states.EvaluateCandidate.ItemBatcher.BatchInput.inference).toEqual({ maxTokens: 512, temperature: 0 });
  expect(states.EvaluateCandidate.ItemBatcher.MaxInputBytesPerBatch).toBe(200000);
  const reads = Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .filter((statement: { Action: string | string[] }) => [statement.Action].flat().includes('s3:GetObject'));
  for (const statement of reads) expect(JSON.stringify(statement.Resource)).toMatch(/\/evaluation\/\*|\/evaluations\//);
});

describe('rejected props', () => {
  test.each([
    [{ thresholds: { rougeL: 0.3 } }, /thresholds\.rougeL received 0\.3; allowed: a metric of task question-answering: f1, exactMatch/],
    [{ thresholds: {} }, /thresholds received \{\}; allowed: at least one of f1, exactMatch/],
    [{ thresholds: { f1: 1.5 } }, /thresholds\.f1 received 1\.5; allowed: a number from 0 to 1/],
    [{ batchSize: 0 }, /batchSize received 0/],
    [{ toleratedFailurePercentage: 101 }, /toleratedFailurePercentage received 101/],
    [{ models: [], packageDeployment: undefined }, /models received \[\]; allowed: at least one model the executions may evaluate/],
    [{ modelPackageGroupNames: [] }, /packageDeployment received "ml\.g6e\.xlarge"; allowed: given with modelPackageGroupNames/],
  ])('rejects %j', (overrides, message) => {
    expect(() => evaluationFixture(overrides as never)).toThrow(message);
  });
});

test('tells the topic when Step Functions ends an execution where no Catch runs', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: { source: ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'], detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: Match.stringLikeRegexp('^Evaluation') }] } },
    Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^EvaluationTopic') } })],
  });
  template.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish' })]) } });
});
