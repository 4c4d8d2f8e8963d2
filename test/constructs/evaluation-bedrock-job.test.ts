import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { bedrockModelElsewhere, evaluationFixture } from '../helpers/evaluation';
import { definitionOf } from '../helpers/pipeline';

// Template assertions for the optional Bedrock evaluation job on a run's
// predictions: its states between the score and the verdict, the workflow's
// permissions on the jobs, and the service role Bedrock runs them as. The
// runs themselves are in evaluation-bedrock-run.test.ts.
const EVALUATOR = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const METRICS = ['Builtin.Correctness', 'Builtin.Completeness', 'Builtin.Helpfulness'];
const bedrockEvaluation = { evaluatorModel: bedrockModelElsewhere(EVALUATOR), metrics: METRICS };
const { pipeline, template } = evaluationFixture({ bedrockEvaluation });
const states = definitionOf(template, 'Evaluation').States;
const JOBS = 'arn:aws:bedrock:us-east-1:111122223333:evaluation-job/*';
const FOUNDATION = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0']] };
const PROFILE_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:us-east-1:111122223333:inference-profile/${EVALUATOR}`]] };

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Sid?: string };
const statementsOf = (type: 'AWS::IAM::Policy' | 'AWS::IAM::ManagedPolicy', idPrefix: string): Statement[] =>
  Object.entries(template.findResources(type))
    .filter(([id]) => id.startsWith(idPrefix))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
const withAction = (list: Statement[], action: string) => list.filter((statement) => [statement.Action].flat().includes(action));
const resourcesOf = (list: Statement[], action: string) => withAction(list, action).flatMap((statement) => [statement.Resource].flat());
/** The state machine role's own policy. */
const workflow = () => statementsOf('AWS::IAM::Policy', 'EvaluationRoleDefaultPolicy');
/** The Bedrock job role's managed policy and its generated (grantInvoke) policy. */
const jobRole = () => [...statementsOf('AWS::IAM::ManagedPolicy', 'EvaluationBedrockEvaluationPolicy'), ...statementsOf('AWS::IAM::Policy', 'EvaluationBedrockEvaluationRoleDefaultPolicy')];

describe('states', () => {
  test('asks the score step for the job dataset under the run, capped at the service limit of 1000 records', () => {
    expect(states.Score.Parameters.bedrockDataset).toEqual({ 'key.$': "States.Format('evaluations/{}/bedrock/dataset.jsonl', $.runId)", maxRecords: 1000 });
    expect(states.Score.Next).toBe('BedrockDatasetWritten');
    expect(states.BedrockDatasetWritten.Choices[0].Next).toBe('CreateBedrockEvaluation');
    expect(states.BedrockDatasetWritten.Default).toBe('BedrockEvaluationSkipped');
  });

  test('creates a model-as-judge job on the precomputed predictions, encrypted with the key, results under the run', () => {
    const create = states.CreateBedrockEvaluation;
    expect(create.Resource).toBe('arn:aws:states:::aws-sdk:bedrock:createEvaluationJob');
    expect(create.Parameters).toEqual({
      'JobName.$': "States.Format('kit-eval-{}', $.runId)",
      'ClientRequestToken.$': '$.runId',
      'JobDescription.$': "States.Format('LLM judge of the predictions of evaluation run {}', $.runId)",
      RoleArn: expect.stringMatching(/^att-EvaluationBedrockEvaluationRole[0-9A-F]+-Arn$/),
      CustomerEncryptionKeyId: expect.stringMatching(/^att-Key[0-9A-F]+-Arn$/),
      ApplicationType: 'ModelEvaluation',
      EvaluationConfig: {
        Automated: {
          DatasetMetricConfigs: [
            { TaskType: 'QuestionAndAnswer', Dataset: { Name: 'kit-predictions', DatasetLocation: { 'S3Uri.$': "States.Format('s3://artifacts-bucket/{}', $.score.bedrockDataset.key)" } }, MetricNames: METRICS },
          ],
          EvaluatorModelConfig: { BedrockEvaluatorModels: [{ ModelIdentifier: EVALUATOR }] },
        },
      },
      InferenceConfig: { Models: [{ PrecomputedInferenceSource: { 'InferenceSourceIdentifier.$': '$.score.bedrockDataset.modelIdentifier' } }] },
      OutputDataConfig: { 'S3Uri.$': "States.Format('s3://artifacts-bucket/evaluations/{}/bedrock/output/', $.runId)" },
    });
    expect(create.ResultSelector).toEqual({ 'jobArn.$': '$.JobArn', polls: 1 });
  });

  test('polls the job every 5 minutes, at most 12 hours by default, then stops it', () => {
    expect(states.WaitForBedrockEvaluation).toEqual({ Type: 'Wait', Seconds: 300, Next: 'GetBedrockEvaluation' });
    expect(states.GetBedrockEvaluation.Resource).toBe('arn:aws:states:::aws-sdk:bedrock:getEvaluationJob');
    expect(states.GetBedrockEvaluation.Parameters).toEqual({ 'JobIdentifier.$': '$.bedrockEvaluation.jobArn' });
    const choices = states.BedrockEvaluationStatus.Choices;
    expect(choices.map((choice: { Next: string }) => choice.Next)).toEqual(['BedrockEvaluationCompleted', 'CountBedrockPoll', 'StopBedrockEvaluation', 'BedrockEvaluationEnded']);
    expect(choices[1].And[1]).toEqual({ Variable: '$.bedrockEvaluation.polls', NumericLessThan: 144 });
    expect(states.BedrockEvaluationStatus.Default).toBe('NoBedrockFailureMessages');
    expect(states.StopBedrockEvaluation.Resource).toBe('arn:aws:states:::aws-sdk:bedrock:stopEvaluationJob');
    const custom = definitionOf(evaluationFixture({ bedrockEvaluation: { ...bedrockEvaluation, timeout: Duration.hours(1), taskType: 'Generation' } }).template, 'Evaluation').States;
    expect(custom.BedrockEvaluationStatus.Choices[1].And[1].NumericLessThan).toBe(12);
    expect(custom.CreateBedrockEvaluation.Parameters.EvaluationConfig.Automated.DatasetMetricConfigs[0].TaskType).toBe('Generation');
  });

  test('retries throttling, catches every error and goes on to the verdict whatever the job does', () => {
    for (const step of ['CreateBedrockEvaluation', 'GetBedrockEvaluation', 'StopBedrockEvaluation']) {
      expect(states[step].Retry).toEqual([expect.objectContaining({ ErrorEquals: ['Bedrock.ThrottlingException', 'Bedrock.InternalServerException'], JitterStrategy: 'FULL' })]);
      expect(states[step].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: expect.stringMatching(/^\$\.bedrock(Error|StopError)$/), Next: expect.stringMatching(/^BedrockEvaluation/) }]);
    }
    for (const outcome of ['Skipped', 'NotStarted', 'Unknown', 'Completed', 'Ended', 'TimedOut']) {
      expect(states[`BedrockEvaluation${outcome}`]).toEqual(expect.objectContaining({ Type: 'Pass', ResultPath: '$.bedrockEvaluation', Next: 'Verdict' }));
    }
  });

  test('puts the job ARN and outcome into the verdict event and the notification', () => {
    expect(states.PublishVerdict.Parameters.Entries[0].Detail['bedrockEvaluation.$']).toBe('$.bedrockEvaluation');
    expect(states.NotifyVerdict.Parameters['Message.$']).toMatch(/Bedrock evaluation job \(not part of the verdict\): \{\}', .*\$\.bedrockEvaluation\.summary\)$/);
  });

  test('changes nothing without a Bedrock evaluation', () => {
    const { pipeline: plain, template: plainTemplate } = evaluationFixture();
    const plainStates = definitionOf(plainTemplate, 'Evaluation').States;
    expect(plain.bedrockEvaluation).toBeUndefined();
    expect(plainStates.Score.Next).toBe('Verdict');
    expect(plainStates.Score.Parameters.bedrockDataset).toBeUndefined();
    expect(Object.keys(plainStates).filter((name) => /Bedrock/.test(name))).toEqual([]);
    expect(plainStates.PublishVerdict.Parameters.Entries[0].Detail).not.toHaveProperty('bedrockEvaluation.$');
    expect(JSON.stringify(plainTemplate.toJSON())).not.toMatch(/EvaluationJob|evaluation-job/);
  });
});

describe('workflow permissions', () => {
  test('creates, reads and stops only evaluation jobs, and names the evaluator model on creation', () => {
    expect(resourcesOf(workflow(), 'bedrock:CreateEvaluationJob')).toEqual([JOBS, FOUNDATION, PROFILE_ARN]);
    expect(resourcesOf(workflow(), 'bedrock:GetEvaluationJob')).toEqual([JOBS]);
    expect(resourcesOf(workflow(), 'bedrock:StopEvaluationJob')).toEqual([JOBS]);
    expect(JSON.stringify(workflow())).not.toMatch(/"bedrock:(Delete|BatchDelete|List)/);
  });

  test('passes only the job role, and only to Bedrock', () => {
    const passRole = withAction(workflow(), 'iam:PassRole').filter((statement) => JSON.stringify(statement).includes('bedrock'));
    expect(passRole).toEqual([
      { Action: 'iam:PassRole', Effect: 'Allow', Condition: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } }, Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EvaluationBedrockEvaluationRole/), 'Arn'] } },
    ]);
  });

  test('acknowledges the evaluation-job wildcard with its reason', () => {
    const [, policy] = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('EvaluationRoleDefaultPolicy')) ?? [];
    const rules = policy?.Metadata.cdk_nag.rules_to_suppress as Array<{ id: string; reason: string }>;
    expect(rules).toContainEqual({ id: `AwsSolutions-IAM5[Resource::${JOBS}]`, reason: expect.stringMatching(/id it assigns when the run creates it/) });
    expect(rules).toContainEqual({ id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0]', reason: expect.stringMatching(/cross-region inference profile/) });
  });
});

describe('job role', () => {
  test('is assumed by Bedrock only for evaluation jobs of this account and region', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: 'Runs the Bedrock evaluation jobs of Test/Evaluation',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'bedrock.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnEquals: { 'aws:SourceArn': JOBS } },
          },
        ],
      },
    });
    expect(pipeline.bedrockEvaluation?.role).toBeDefined();
  });

  test('reads only the runs\' job datasets and writes only under their output folders', () => {
    const dataset = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Artifacts/), 'Arn'] }, '/evaluations/*/bedrock/dataset.jsonl']] };
    const output = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Artifacts/), 'Arn'] }, '/evaluations/*/bedrock/output/*']] };
    expect(resourcesOf(jobRole(), 's3:GetObject')).toEqual([dataset, output]);
    expect(resourcesOf(jobRole(), 's3:PutObject')).toEqual([output]);
    expect(withAction(jobRole(), 's3:ListBucket')).toEqual([expect.objectContaining({ Condition: { StringLike: { 's3:prefix': ['evaluations/*/bedrock/*'] } } })]);
    expect(JSON.stringify(jobRole())).not.toMatch(/datasets-bucket|Datasets[0-9A-F]+/);
    expect(JSON.stringify(jobRole())).not.toMatch(/s3:DeleteObject|"s3:\*"/);
  });

  test('uses the key only through S3, and invokes only the evaluator model', () => {
    expect(withAction(jobRole(), 'kms:Decrypt')).toEqual([expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } })]);
    expect(resourcesOf(jobRole(), 'bedrock:InvokeModel')).toEqual([FOUNDATION, PROFILE_ARN]);
    // Bedrock documents batch inference of the evaluator among a judge job's actions.
    expect(resourcesOf(jobRole(), 'bedrock:CreateModelInvocationJob')).toEqual([FOUNDATION, PROFILE_ARN]);
    // Not the candidates the runs evaluate.
    expect(JSON.stringify(jobRole())).not.toMatch(/nova-micro|sagemaker/);
  });

  test('acknowledges every wildcard of its policies with a reason', () => {
    const managed = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).find(([id]) => id.startsWith('EvaluationBedrockEvaluationPolicy'))?.[1];
    expect(managed?.Metadata.cdk_nag.rules_to_suppress.map((rule: { id: string }) => rule.id)).toEqual([
      'AwsSolutions-IAM5[Resource::<Artifacts82DD59A1.Arn>/evaluations/*/bedrock/dataset.jsonl]',
      'AwsSolutions-IAM5[Resource::<Artifacts82DD59A1.Arn>/evaluations/*/bedrock/output/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0]',
    ]);
    const generated = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('EvaluationBedrockEvaluationRoleDefaultPolicy'))?.[1];
    expect(generated?.Metadata.cdk_nag.rules_to_suppress).toEqual([expect.objectContaining({ id: expect.stringMatching(/foundation-model/) })]);
  });

  test('lets Bedrock use the key for evaluation jobs of this account only, as its key policy must', () => {
    const jobs = { 'aws:SourceArn': JOBS };
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowBedrockEvaluationJobsOfThisAccount',
            Effect: 'Allow',
            Principal: { Service: 'bedrock.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnLike: { 'kms:EncryptionContext:evaluationJobArn': JOBS, ...jobs } },
          },
          Match.objectLike({ Sid: 'AllowBedrockEvaluationJobsToDescribeKey', Action: 'kms:DescribeKey', Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnLike: jobs } }),
        ]),
      },
    });
  });
});

describe('rejected props', () => {
  test.each([
    ['no metric', { metrics: [] }, /bedrockEvaluation\.metrics received \[\]; allowed: 1 to 10 different metrics of Builtin\.Correctness/],
    ['a metric of automatic jobs only', { metrics: ['Builtin.Accuracy'] }, /bedrockEvaluation\.metrics received \["Builtin\.Accuracy"\]; allowed: .*\(not Builtin\.Accuracy\)$/],
    ['a metric twice', { metrics: ['Builtin.Correctness', 'Builtin.Correctness'] }, /bedrockEvaluation\.metrics received .*; allowed: 1 to 10 different metrics/],
    ['an unknown task type', { taskType: 'General' }, /bedrockEvaluation\.taskType received "General"; allowed: Summarization \| Classification \| QuestionAndAnswer \| Generation \| Custom/],
    ['a timeout beyond the workflow', { timeout: Duration.days(6) }, /bedrockEvaluation\.timeout received "6 days"; allowed: from 5 minutes to 5 days/],
  ])('rejects %s', (_name, override, message) => {
    expect(() => evaluationFixture({ bedrockEvaluation: { ...bedrockEvaluation, ...(override as object) } })).toThrow(message);
  });
});
