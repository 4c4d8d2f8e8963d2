import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { definitionOf, pipelineFixture } from '../helpers/pipeline';

const { template } = pipelineFixture();
const definition = definitionOf(template, 'Pipeline');

describe('SageMaker training', () => {
  test('runs the training job with createTrainingJob.sync, spot with checkpoints, in the VPC with isolation, encrypted', () => {
    const train = definition.States.Train;
    expect(train.Resource).toBe('arn:aws:states:::sagemaker:createTrainingJob.sync');
    expect(train.Parameters).toEqual(
      expect.objectContaining({
        EnableManagedSpotTraining: true,
        EnableNetworkIsolation: true,
        EnableInterContainerTrafficEncryption: true,
        StoppingCondition: { MaxRuntimeInSeconds: 86400, MaxWaitTimeInSeconds: 172800 },
        CheckpointConfig: { 'S3Uri.$': "States.Format('s3://{}/checkpoints/{}/', 'artifacts-bucket', $.runId)", LocalPath: '/opt/ml/checkpoints' },
        OutputDataConfig: expect.objectContaining({ S3OutputPath: 's3://artifacts-bucket/training/', CompressionType: 'NONE', KmsKeyId: expect.stringMatching(/^att-Key/) }),
        VpcConfig: { SecurityGroupIds: [expect.stringMatching(/^att-Group/)], Subnets: [expect.stringMatching(/^ref-VpcisolatedSubnet1/), expect.stringMatching(/^ref-VpcisolatedSubnet2/)] },
      }),
    );
    expect(train.Parameters.AlgorithmSpecification.TrainingImage).toBe('763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04');
    expect(train.Parameters.ResourceConfig).toEqual({ InstanceType: 'ml.g6e.2xlarge', InstanceCount: 1, VolumeSizeInGB: 200 });
    expect(train.Parameters.InputDataConfig.map((channel: { ChannelName: string }) => channel.ChannelName)).toEqual(['train', 'validation', 'code', 'model']);
  });

  test('puts the volume under the key only on instances without local NVMe storage (which refuse one)', () => {
    const nvme = definitionOf(pipelineFixture({ training: { instanceType: 'ml.g6e.2xlarge' } }).template, 'Pipeline');
    expect(nvme.States.Train.Parameters.ResourceConfig.VolumeKmsKeyId).toBeUndefined();
  });

  test('registers into a model package group, pending manual approval', () => {
    template.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 1);
    expect(definition.States.RegisterModel.Resource).toBe('arn:aws:states:::aws-sdk:sagemaker:createModelPackage');
    expect(definition.States.RegisterModel.Parameters.ModelApprovalStatus).toBe('PendingManualApproval');
    expect(definition.States.RegisterModel.Parameters.InferenceSpecification.Containers[0].Environment).toBeUndefined();
  });

  test('registers packages with the serving environment when given, so that they deploy as they are', () => {
    const environment = { HF_MODEL_ID: '/opt/ml/model', OPTION_ROLLING_BATCH: 'vllm', OPTION_TENSOR_PARALLEL_DEGREE: '1' };
    const registered = definitionOf(pipelineFixture({ servingEnvironment: environment }).template, 'Pipeline');
    expect(registered.States.RegisterModel.Parameters.InferenceSpecification.Containers).toEqual([expect.objectContaining({ Environment: environment })]);
  });

  test('lets the state machine start only its own jobs and pass only the job role', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['sagemaker:AddTags', 'sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:ListTags', 'sagemaker:StopTrainingJob'],
            Resource: Match.stringLikeRegexp('^arn:aws:sagemaker:us-east-1:111122223333:training-job/ft-[0-9a-f]{8}-\\*$'),
          }),
          Match.objectLike({ Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } }, Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineTrainRole'), 'Arn'] } }),
          Match.objectLike({ Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'], Resource: 'arn:aws:events:us-east-1:111122223333:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule' }),
        ]),
      },
    });
  });

  test('scopes the job role to the datasets, the staged model, the code and its own output prefixes', () => {
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).find((resource) => /training jobs/.test(resource.Properties.Description));
    const statements = policy!.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>;
    const resources = (action: string) => statements.filter((statement) => [statement.Action].flat().includes(action)).flatMap((statement) => [statement.Resource].flat()).map((resource) => JSON.stringify(resource));
    expect(resources('s3:PutObject')).toEqual([expect.stringMatching(/\/checkpoints\/\*"\]\]\}$/), expect.stringMatching(/\/training\/\*"\]\]\}$/)]);
    expect(resources('s3:GetObject')).toEqual(
      expect.arrayContaining([expect.stringMatching(/cdk-[a-z0-9]+-assets-111122223333-us-east-1\/[0-9a-f]{64}\.gz"$/), expect.stringMatching(/\/models\/llama\/\*"\]\]\}$/), expect.stringMatching(/Datasets.*\/\*"\]\]\}$/)]),
    );
    expect(statements.flatMap((statement) => [statement.Action].flat())).not.toContain('s3:DeleteObject');
  });

  test('checks the dataset in a Lambda inside the VPC before training, and fails the run with its cause', () => {
    expect(definition.States.ValidateDataset.Next).toBe('NameJob');
    expect(definition.States.ValidateDataset.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'NotifyFailure' }]);
    template.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }), Runtime: 'nodejs24.x' });
    expect(definition.States.NotifyFailure.Next).toBe('Failed');
  });

  test('logs every execution to an encrypted log group and traces it', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true }, LoggingConfiguration: Match.objectLike({ Level: 'ALL' }) });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });
});

describe('Bedrock customization', () => {
  const bedrock = pipelineFixture({ base: { kind: 'bedrock', modelId: 'amazon.nova-micro-v1:0:128k' }, training: undefined, servingImageUri: undefined });
  const states = definitionOf(bedrock.template, 'Pipeline').States;

  test('waits for the job with createModelCustomizationJob.sync, with the key and the VPC', () => {
    expect(states.Train.Resource).toBe('arn:aws:states:::bedrock:createModelCustomizationJob.sync');
    expect(states.Train.Parameters).toEqual(
      expect.objectContaining({ CustomizationType: 'FINE_TUNING', CustomModelKmsKeyId: expect.stringMatching(/^att-Key/), VpcConfig: expect.objectContaining({ SubnetIds: expect.any(Array) }) }),
    );
    expect(states.Train.Parameters.BaseModelIdentifier).toBe('arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k');
  });

  test('registers no SageMaker package and hands the custom model to the event', () => {
    expect(states.RegisterModel).toBeUndefined();
    bedrock.template.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 0);
    expect(states.WriteLineage.Next).toBe('PublishModelEvent');
  });

  test('the job role trusts Bedrock only for this account\'s customization jobs', () => {
    bedrock.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'bedrock.amazonaws.com' }, Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '111122223333' } }) })] },
    });
  });
});

describe('pre-training', () => {
  test('runs pretrain.py on several instances with a tokenizer channel and no base model', () => {
    const fixture = pipelineFixture(({ artifacts }) => ({ base: { kind: 'from-scratch', tokenizer: { bucket: artifacts, key: 'tokenizers/llama/' } }, training: { instanceType: 'ml.p4d.24xlarge', instanceCount: 4 } }));
    const states = definitionOf(fixture.template, 'Pipeline').States;
    expect(fixture.pipeline.modes).toEqual(['pretrain']);
    expect(states.ModePretrain.Result.reserved).toEqual(expect.objectContaining({ sagemaker_program: 'pretrain.py', sagemaker_torch_distributed_enabled: 'true' }));
    expect(states.Train.Parameters.ResourceConfig.InstanceCount).toBe(4);
    expect(states.Train.Parameters.InputDataConfig.map((channel: { ChannelName: string }) => channel.ChannelName)).toEqual(['train', 'validation', 'code', 'tokenizer']);
  });
});

describe('rejected props', () => {
  test.each([
    [{ training: { instanceType: 'ml.inf2.xlarge' } }, /training\.instanceType received "ml\.inf2\.xlarge"; allowed: a GPU instance of the catalog/],
    [{ training: { instanceType: 'ml.m5.xlarge' } }, /training\.instanceType received "ml\.m5\.xlarge"/],
    [{ training: { instanceType: 'ml.g5.2xlarge', maxRuntime: Duration.days(30) } }, /training\.maxRuntime received "30 days"; allowed: from 1 minute to 28 days/],
    [{ training: { instanceType: 'ml.g5.2xlarge', maxRuntime: Duration.hours(10), maxWait: Duration.hours(5) } }, /training\.maxWait received "5 hours"; allowed: at least maxRuntime/],
    [{ training: { instanceType: 'ml.g5.2xlarge', spot: false, maxWait: Duration.hours(5) } }, /maxWait .*allowed: nothing without spot/],
    [{ training: undefined }, /training received nothing; allowed: the instance type/],
    [{ hyperparameters: { sagemaker_program: 'x.py' } }, /hyperparameters received "sagemaker_program"/],
    [{ base: { kind: 'bedrock' as const, modelId: 'us.amazon.nova-micro-v1:0' }, training: undefined }, /base\.modelId received "us\.amazon\.nova-micro-v1:0"; allowed: a foundation model id/],
    [{ contextLength: 0 }, /contextLength received 0/],
  ])('rejects %j', (overrides, message) => {
    expect(() => pipelineFixture(overrides as never)).toThrow(message);
  });
});

test('tells the topic when Step Functions ends a run where no Catch runs (a timeout, an abort)', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: Match.objectLike({ detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: Match.stringLikeRegexp('^Pipeline') }] } }),
  });
});
