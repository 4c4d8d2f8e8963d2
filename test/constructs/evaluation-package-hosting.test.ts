import { Match } from 'aws-cdk-lib/assertions';
import type { RegisteredModelRuns } from '../../constructs/evaluate/registered-model-runs';
import { bedrockModelElsewhere, evaluationFixture, FIXTURE_HOSTING } from '../helpers/evaluation';
import { definitionOf } from '../helpers/pipeline';

// Template assertions for what a model-package run hosts (temporary model,
// endpoint config and endpoint), the runs started by registration events,
// and the LLM judge. The runs themselves are in evaluation-run.test.ts.
const { pipeline, template } = evaluationFixture();
const states = definitionOf(template, 'Evaluation').States;
const prefix = pipeline.packageEndpoints!.namePrefix;
const statements = (type: 'AWS::IAM::Policy' | 'AWS::IAM::ManagedPolicy') => Object.values(template.findResources(type)).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
/** Whether a statement allows the action on exactly these resources (aws-cdk-lib merges statements of the same resources). */
const allows = (list: { Action: string | string[]; Resource: unknown }[], action: string, resource: unknown) =>
  list.some((statement) => [statement.Action].flat().includes(action) && JSON.stringify(statement.Resource) === JSON.stringify(resource));
/** Every resource any statement allows the action on. */
const resourcesOf = (list: { Action: string | string[]; Resource: unknown }[], action: string) =>
  list.filter((statement) => [statement.Action].flat().includes(action)).flatMap((statement) => [statement.Resource].flat());

test('names the temporary resources <prefix>-<run id>, the prefix lower-case and this pipeline\'s own', () => {
  expect(prefix).toMatch(/^kit-eval-[0-9a-f]{8}$/);
  expect(states.NameTemporaryEndpoint.Parameters).toEqual({ 'name.$': `States.Format('${prefix}-{}', $.runId)`, polls: { count: 0 }, packagePolls: { count: 0 } });
  // A package announced by the registration event may still be registering: the run waits for Completed first.
  expect(states.NameTemporaryEndpoint.Next).toBe('CandidatePackageStatus');
  expect(states.CandidatePackageReady.Choices[0]).toEqual({ Variable: '$.deployment.package.status', StringEquals: 'Completed', Next: 'CreateTemporaryModel' });
  expect(evaluationFixture().pipeline.packageEndpoints!.namePrefix).toBe(prefix);
});

test('creates the model from the package itself, in the private network with network isolation', () => {
  expect(states.CreateTemporaryModel.Resource).toBe('arn:aws:states:::aws-sdk:sagemaker:createModel');
  expect(states.CreateTemporaryModel.Parameters).toEqual(
    expect.objectContaining({ PrimaryContainer: { 'ModelPackageName.$': '$.input.candidate.modelPackageArn' }, EnableNetworkIsolation: true, VpcConfig: expect.objectContaining({ Subnets: expect.any(Array) }) }),
  );
  expect(states.CreateTemporaryEndpointConfig.Parameters.ProductionVariants).toEqual([
    expect.objectContaining({ InstanceType: 'ml.g6e.xlarge', InitialInstanceCount: 1, ModelDataDownloadTimeoutInSeconds: 900, ContainerStartupHealthCheckTimeoutInSeconds: 900 }),
  ]);
  // Local NVMe storage: SageMaker refuses a volume key there.
  expect(states.CreateTemporaryEndpointConfig.Parameters.KmsKeyId).toBeUndefined();
});

test('waits for the endpoint, polling while it is created, and deletes it whatever happens', () => {
  expect(states.TemporaryEndpointReady.Choices.map((choice: { Next: string }) => choice.Next)).toEqual(['UseTemporaryEndpoint', 'WaitForTemporaryEndpoint', 'TemporaryEndpointTimedOut']);
  // The polls stop after the endpoint's download and start-up timeouts (900 s each) and 30 minutes more.
  expect(JSON.stringify(states.TemporaryEndpointReady.Choices[1])).toContain('"NumericLessThan":60');
  expect(states.TemporaryEndpointReady.Default).toBe('TemporaryEndpointFailed');
  for (const step of ['CreateTemporaryModel', 'CreateTemporaryEndpointConfig', 'CreateTemporaryEndpoint', 'DescribeTemporaryEndpoint']) {
    expect(states[step].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReleaseEndpoint' }]);
  }
  for (const what of ['Endpoint', 'EndpointConfig', 'Model']) {
    // Every deletion is tried once the names exist; "Could not find" is no failure, anything else is noted as left over.
    expect(states[`Release${what}`].Choices).toEqual([{ Variable: '$.deployment.name', IsPresent: true, Next: `DeleteTemporary${what}` }]);
    expect(states[`DeleteTemporary${what}`].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.deleteError', Next: `Temporary${what}Absent` }]);
    expect(JSON.stringify(states[`Temporary${what}Absent`].Choices)).toContain('"StringMatches":"*Could not find*"');
    expect(states[`Temporary${what}Absent`].Default).toBe(`Temporary${what}NotDeleted`);
  }
  expect(states.EvaluateCandidate.Next).toBe('ReleaseEndpoint');
  expect(states.AfterRelease.Choices).toEqual([{ Variable: '$.error', IsPresent: true, Next: 'NotifyFailure' }]);
  expect(states.AfterRelease.Default).toBe('Baseline');
});

test('lets the workflow create, describe and delete only resources of its prefix, and pass only the temporary models\' role', () => {
  const workflow = statements('AWS::IAM::Policy');
  const arn = (resource: string) => `arn:aws:sagemaker:us-east-1:111122223333:${resource}/${prefix}-*`;
  for (const [action, resource] of [
    ['sagemaker:CreateModel', 'model'],
    ['sagemaker:CreateEndpointConfig', 'endpoint-config'],
    ['sagemaker:DescribeEndpoint', 'endpoint'],
    ['sagemaker:DeleteEndpoint', 'endpoint'],
    ['sagemaker:DeleteEndpointConfig', 'endpoint-config'],
    ['sagemaker:DeleteModel', 'model'],
  ]) {
    expect(allows(workflow, action, arn(resource))).toBe(true);
  }
  expect(resourcesOf(workflow, 'sagemaker:CreateEndpoint').sort()).toEqual([arn('endpoint'), arn('endpoint-config')].sort());
  for (const statement of workflow.filter((candidate: { Action: string | string[] }) => [candidate.Action].flat().some((action) => /^sagemaker:(Create|Delete|Describe)(Model|EndpointConfig|Endpoint)$/.test(action)))) {
    expect(JSON.stringify(statement.Resource)).toContain(`/${prefix}-*`);
  }
  const passRole = workflow.filter((statement: { Action: string }) => statement.Action === 'iam:PassRole');
  expect(passRole).toEqual([
    expect.objectContaining({ Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } }, Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EvaluationPackageEndpointModelRole/), 'Arn'] } }),
  ]);
  expect(allows(workflow, 'sagemaker:DescribeModelPackage', 'arn:aws:sagemaker:us-east-1:111122223333:model-package/ft-group/*')).toBe(true);
});

test('the temporary models\' role reads only the fine-tuned model files, and the worker invokes only the temporary endpoints', () => {
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } })] },
    Description: Match.stringLikeRegexp('temporary models'),
  });
  const managed = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
  const models = managed.find((policy) => /temporary models/.test(policy.Properties.Description))!.Properties.PolicyDocument.Statement;
  const reads = models.filter((statement: { Action: string }) => statement.Action === 's3:GetObject');
  expect(JSON.stringify(reads)).toMatch(/\/training\/\*/);
  expect(reads).toHaveLength(1);
  expect(allows(models, 'ecr:BatchGetImage', 'arn:aws:ecr:us-east-1:763104351884:repository/djl-inference')).toBe(true);
  const worker = managed.find((policy) => /^Data access of .*InvokeCandidate/.test(policy.Properties.Description))!.Properties.PolicyDocument.Statement;
  expect(allows(worker, 'sagemaker:InvokeEndpoint', `arn:aws:sagemaker:us-east-1:111122223333:endpoint/${prefix}-*`)).toBe(true);
});

test('encrypts the temporary endpoint\'s volume with the key on instances without local storage, through a grant for AWS resources only', () => {
  const { template: withVolume } = evaluationFixture({}, { ...FIXTURE_HOSTING, instanceType: 'ml.g5.2xlarge', localStorage: false, volumeSizeInGb: 40 });
  const config = definitionOf(withVolume, 'Evaluation').States.CreateTemporaryEndpointConfig.Parameters;
  expect(config.KmsKeyId).toMatch(/^att-Key[0-9A-F]+-Arn$/);
  expect(config.ProductionVariants[0].VolumeSizeInGB).toBe(40);
  const grants = Object.values(withVolume.findResources('AWS::IAM::Policy'))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .filter((statement: { Action: string | string[] }) => [statement.Action].flat().includes('kms:CreateGrant'));
  expect(grants).toEqual([expect.objectContaining({ Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } })]);
  expect(JSON.stringify(statements('AWS::IAM::Policy'))).not.toMatch(/kms:CreateGrant/);
});

describe('runs started by registration', () => {
  let runs: RegisteredModelRuns | undefined;
  const { template: rules } = evaluationFixture({}, FIXTURE_HOSTING, (registering) => {
    runs = registering.evaluateRegisteredModels({ datasetKey: 'evaluation/qa.jsonl', baseline: { candidate: { kind: 'endpoint', endpointName: 'prod-llm' } } });
  });

  test('starts a run of every package its groups register, over the configured set, against the baseline', () => {
    rules.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['genai-kit.adapt'], 'detail-type': ['Fine-tuned model registered'], detail: { modelPackageGroupName: ['ft-group'] } },
      Targets: [
        Match.objectLike({
          InputTransformer: {
            InputPathsMap: { 'detail-modelPackageArn': '$.detail.modelPackageArn' },
            InputTemplate:
              '{"candidate":{"kind":"model-package","modelPackageArn":<detail-modelPackageArn>},"dataset":{"key":"evaluation/qa.jsonl"},"baseline":{"candidate":{"kind":"endpoint","endpointName":"prod-llm"}}}',
          },
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetters'), 'Arn'] } },
        }),
      ],
    });
    expect(runs?.rule).toBeDefined();
    rules.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  });

  test('rejects a set outside evaluation/, and registration without package hosting', () => {
    expect(() => evaluationFixture().pipeline.evaluateRegisteredModels({ datasetKey: 'training/train.jsonl' })).toThrow(/datasetKey received "training\/train\.jsonl"; allowed: a key under evaluation\//);
    expect(() => evaluationFixture({ packageDeployment: undefined }).pipeline.evaluateRegisteredModels({ datasetKey: 'evaluation/qa.jsonl' })).toThrow(/packageDeployment received nothing; allowed: set, to evaluate registered models/);
  });
});

describe('LLM judge', () => {
  const judgeModel = () => bedrockModelElsewhere('us.anthropic.claude-sonnet-4-5-20250929-v1:0');
  const rubric = '5: correct and grounded in the references; 1: wrong or invented.';
  const { template: judged } = evaluationFixture({ thresholds: { f1: 0.6, judge: 0.7 }, judge: { model: judgeModel(), rubric } });

  test('sends the judge model and rubric with every batch and lets the worker invoke the judge', () => {
    const batch = definitionOf(judged, 'Evaluation').States.EvaluateCandidate.ItemBatcher.BatchInput;
    expect(batch.judge).toEqual({ modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', rubric });
    expect(definitionOf(judged, 'Evaluation').States.Score.Parameters.thresholds).toEqual({ f1: 0.6, judge: 0.7 });
    const grants = Object.values(judged.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const invocable = JSON.stringify(resourcesOf(grants, 'bedrock:InvokeModel'));
    expect(invocable).toMatch(/inference-profile\/us\.anthropic\.claude-sonnet-4-5-20250929-v1:0/);
    expect(invocable).toMatch(/:bedrock:\*::foundation-model\/anthropic\.claude-sonnet-4-5-20250929-v1:0/);
    expect(states.EvaluateCandidate.ItemBatcher.BatchInput.judge).toBeUndefined();
  });

  test('rejects a judge threshold without a judge, and a rubric too short to grade by', () => {
    expect(() => evaluationFixture({ thresholds: { judge: 0.7 } })).toThrow(/thresholds\.judge received 0\.7; allowed: a metric of task question-answering: f1, exactMatch$/);
    expect(() => evaluationFixture({ judge: { model: judgeModel(), rubric: 'be nice' } })).toThrow(/judge\.rubric received "be nice"; allowed: a rubric of 20 to 4000 characters/);
  });
});
