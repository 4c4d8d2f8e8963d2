import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DataLake } from '../../constructs/data';
import { PrivateNetwork } from '../../constructs/network';
import { BedrockModel, InferenceEndpoint, type InferenceEndpointProps } from '../../constructs/serve';
import { testStack } from '../helpers/app';

const LLAMA_8B = { parametersBillions: 8.03, precision: 'bf16' as const, contextLength: 8192, architecture: { layers: 32, kvHeads: 8, headDim: 128 } };

function endpointIn(scope: Construct, overrides: Partial<InferenceEndpointProps> = {}): InferenceEndpoint {
  const lake = new DataLake(scope, 'Lake');
  const network = new PrivateNetwork(scope, 'Net', { flowLogKey: lake.key });
  return new InferenceEndpoint(scope, 'Endpoint', {
    weights: { bucket: lake.artifactsBucket, key: 'models/llama-3.1-8b/' },
    model: LLAMA_8B,
    maxConcurrentRequests: 16,
    maxSequenceLength: 4096,
    scaling: { mode: 'instances', minInstances: 2, maxInstances: 4 },
    latencyObjective: Duration.millis(2500),
    vpc: network.vpc,
    encryptionKey: lake.key,
    dataCapture: { bucket: lake.feedbackBucket, samplingPercentage: 10 },
    ...overrides,
  });
}

describe('InferenceEndpoint with always-on instances', () => {
  let endpoint: InferenceEndpoint;
  let template: Template;
  beforeAll(() => {
    const stack = testStack();
    endpoint = endpointIn(stack);
    template = Template.fromStack(stack);
  });

  test('picks the cheapest instance the model fits and shards it over the accelerators it needs', () => {
    expect(endpoint.instanceType).toBe('ml.g6e.xlarge');
    expect(endpoint.tensorParallelDegree).toBe(1);
    // What a temporary endpoint of the evaluation stage copies: the same instance, image, environment and timeouts.
    expect(endpoint.hosting).toEqual(
      expect.objectContaining({ instanceType: endpoint.instanceType, environment: expect.objectContaining({ HF_MODEL_ID: '/opt/ml/model', OPTION_TENSOR_PARALLEL_DEGREE: '1' }), image: expect.objectContaining({ repository: expect.any(String) }) }),
    );
  });

  test('runs the pinned LMI image with the weights from S3, network isolation and the private subnets', () => {
    template.hasResourceProperties('AWS::SageMaker::Model', {
      EnableNetworkIsolation: true,
      VpcConfig: { Subnets: Match.anyValue(), SecurityGroupIds: [Match.anyValue()] },
      PrimaryContainer: {
        Image: Match.stringLikeRegexp('^763104351884\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/djl-inference:0\\.36\\.0-lmi18\\.0\\.0-cu128$'),
        Environment: {
          HF_MODEL_ID: '/opt/ml/model',
          OPTION_ROLLING_BATCH: 'vllm',
          OPTION_TENSOR_PARALLEL_DEGREE: '1',
          OPTION_MAX_MODEL_LEN: '4096',
          OPTION_MAX_ROLLING_BATCH_SIZE: '16',
          OPTION_DTYPE: 'bf16',
        },
        ModelDataSource: { S3DataSource: { S3DataType: 'S3Prefix', CompressionType: 'None', S3Uri: Match.anyValue() } },
      },
    });
  });

  test('captures requests and responses to the data lake, encrypted with its key; no volume key on local NVMe', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      KmsKeyId: Match.absent(),
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 10,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LakeKey'), 'Arn'] },
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
      },
      ProductionVariants: [
        Match.objectLike({
          InstanceType: 'ml.g6e.xlarge',
          InitialInstanceCount: 2,
          VolumeSizeInGB: Match.absent(),
          ModelDataDownloadTimeoutInSeconds: 922,
          ContainerStartupHealthCheckTimeoutInSeconds: 922,
          RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
        }),
      ],
    });
  });

  test('rolls updates one instance at a time and back on server errors or latency', () => {
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: {
        RollingUpdatePolicy: { MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: 1 }, WaitIntervalInSeconds: 300 },
        AutoRollbackConfiguration: { Alarms: [{ AlarmName: { Ref: Match.stringLikeRegexp('ServerErrorsAlarm') } }, { AlarmName: { Ref: Match.stringLikeRegexp('LatencyAlarm') } }] },
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Invocation5XXErrors', Namespace: 'AWS/SageMaker', Statistic: 'Sum', Threshold: 5 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', ExtendedStatistic: 'p95', Threshold: 2_500_000 });
  });

  test('tracks high-resolution concurrent requests per model between min and max, with the service-linked role', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'sagemaker',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      ResourceId: Match.stringLikeRegexp('^endpoint/.+/variant/AllTraffic$'),
      MinCapacity: 2,
      MaxCapacity: 4,
      RoleARN: Match.absent(),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantConcurrentRequestsPerModelHighResolution' },
        TargetValue: 11,
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    });
  });

  test('gives the role a managed policy scoped to its weights, capture prefix, image, logs and network; no SageMaker full access', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('AmazonSageMakerFullAccess');
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('inference endpoint') } }))[0];
    const statements: Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }> = policy.Properties.PolicyDocument.Statement;
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.filter((action) => action === '*' || action.endsWith(':*'))).toEqual([]);
    const byAction = (action: string) => statements.find((statement) => [statement.Action].flat().includes(action));
    expect(JSON.stringify(byAction('s3:GetObject')?.Resource)).toContain('/models/llama-3.1-8b/*');
    expect(byAction('s3:ListBucket')?.Condition).toEqual({ StringLike: { 's3:prefix': ['models/llama-3.1-8b/*'] } });
    expect(byAction('kms:Decrypt')).toBeDefined();
    expect(JSON.stringify(byAction('s3:PutObject')?.Resource)).toContain('/data-capture/*');
    expect(byAction('ecr:BatchGetImage')?.Resource).toBe('arn:aws:ecr:us-east-1:763104351884:repository/djl-inference');
    expect(JSON.stringify(byAction('logs:PutLogEvents')?.Resource)).toContain(`:log-group:/aws/sagemaker/Endpoints/${endpoint.endpointName}:*`);
    expect(actions).not.toContain('s3:PutObjectRetention');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } } })] },
    });
  });

  test('names the endpoint after its path and instance type, and keeps the scaled instance count across updates', () => {
    expect(endpoint.endpointName).toMatch(/^Test-Endpoint-[0-9A-F]{8}-g6e-xlarge$/);
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: endpoint.endpointName, RetainAllVariantProperties: true });
  });
});

describe('InferenceEndpoint scaling to zero', () => {
  let endpoint: InferenceEndpoint;
  let template: Template;
  beforeAll(() => {
    const stack = testStack();
    endpoint = endpointIn(stack, { scaling: { mode: 'scale-to-zero', maxInstances: 2 }, maxConcurrentRequests: 4, dataCapture: undefined });
    template = Template.fromStack(stack);
  });

  test('hosts the model as an inference component on managed instances that scale to zero', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ExecutionRoleArn: Match.anyValue(),
      ProductionVariants: [Match.objectLike({ ModelName: Match.absent(), ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 2 } })],
    });
    template.hasResourceProperties('AWS::SageMaker::InferenceComponent', {
      InferenceComponentName: endpoint.inferenceComponentName,
      VariantName: 'AllTraffic',
      Specification: { ComputeResourceRequirements: { NumberOfAcceleratorDevicesRequired: 1, MinMemoryRequiredInMb: 1024 } },
      RuntimeConfig: { CopyCount: 1 },
      // A rolling batch must be 5-50 % of the copies; one copy (or none) leaves no room.
      DeploymentConfig: Match.absent(),
    });
    expect(endpoint.rollbackAlarms).toEqual([]);
  });

  test('puts the private network and network isolation on the endpoint config, where inference components take them', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      EnableNetworkIsolation: true,
      VpcConfig: { Subnets: Match.anyValue(), SecurityGroupIds: [Match.anyValue()] },
    });
    template.hasResourceProperties('AWS::SageMaker::Model', { VpcConfig: Match.absent() });
    const config = Object.values(template.findResources('AWS::SageMaker::EndpointConfig'))[0];
    expect(config.DependsOn).toEqual([expect.stringMatching(/^EndpointPolicy/)]);
  });

  test('tracks invocations per copy down to zero copies', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
      ResourceId: `inference-component/${endpoint.inferenceComponentName}`,
      MinCapacity: 0,
      MaxCapacity: 2,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerInferenceComponentInvocationsPerCopy' }, TargetValue: 67 }),
    });
  });

  test('wakes from zero: a step policy adds a copy when NoCapacityInvocationFailures fires', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', MetricAggregationType: 'Maximum', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'NoCapacityInvocationFailures',
      Namespace: 'AWS/SageMaker',
      Dimensions: [{ Name: 'InferenceComponentName', Value: endpoint.inferenceComponentName }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('WakeFromZero') }],
    });
  });

});

describe('InferenceEndpoint grants and metrics', () => {
  function invokeStatement(overrides: Partial<InferenceEndpointProps> = {}): { endpoint: InferenceEndpoint; resources: string } {
    const stack = testStack();
    const endpoint = endpointIn(stack, overrides);
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    endpoint.grantInvoke(caller);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0];
    const statement = policy.Properties.PolicyDocument.Statement[0];
    expect(statement.Action).toEqual(['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream']);
    return { endpoint, resources: JSON.stringify(statement.Resource) };
  }

  test('grants invoke and streaming on the endpoint', () => {
    const { resources } = invokeStatement();
    expect(resources).toMatch(/"Ref":"Endpoint/);
  });

  test('grants invoke on the endpoint and its inference component when scaling to zero', () => {
    const { endpoint, resources } = invokeStatement({ scaling: { mode: 'scale-to-zero', maxInstances: 1 }, dataCapture: undefined });
    expect(resources).toContain(`:inference-component/${endpoint.inferenceComponentName}`);
  });

  test('exposes latency, invocations and server errors of the variant', () => {
    const stack = testStack();
    const endpoint = endpointIn(stack);
    expect(stack.resolve(endpoint.metricLatency().dimensions)).toEqual({ EndpointName: endpoint.endpointName, VariantName: 'AllTraffic' });
    expect(endpoint.metricLatency().statistic).toBe('p95');
    expect(endpoint.metricServerErrors().metricName).toBe('Invocation5XXErrors');
    expect(endpoint.metricInvocations().statistic).toBe('Sum');
  });
});

describe('InferenceEndpoint on TGI', () => {
  test('caps the batch in tokens and leaves the request queue at its default', () => {
    const stack = testStack();
    endpointIn(stack, { server: 'tgi' });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: {
        Image: Match.stringLikeRegexp('/huggingface-pytorch-tgi-inference:'),
        Environment: { HF_MODEL_ID: '/opt/ml/model', SM_NUM_GPUS: '1', MAX_TOTAL_TOKENS: '4096', MAX_INPUT_TOKENS: '4095', MAX_BATCH_TOTAL_TOKENS: String(4096 * 16), DTYPE: 'bfloat16' },
      },
    });
  });
});

describe('InferenceEndpoint names', () => {
  test('stay within 63 characters under a long construct path', () => {
    const stack = testStack('production-eu-ServeStackForTheAssistantOfTheSupportTeam');
    const scope = new Construct(stack, 'SupportAssistantInferenceEndpointGroup');
    const endpoint = endpointIn(scope, { scaling: { mode: 'scale-to-zero', maxInstances: 1 }, dataCapture: undefined });
    expect(endpoint.endpointName.length).toBeLessThanOrEqual(63);
    expect(endpoint.inferenceComponentName?.length).toBeLessThanOrEqual(63);
    expect(endpoint.endpointName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
  });
});

describe('InferenceEndpoint rejects', () => {
  test('a model that does not fit the instance, with the estimate and the cheapest instance that fits', () => {
    expect(() => endpointIn(testStack(), { instanceType: 'ml.g5.xlarge' })).toThrow(
      /Test\/Endpoint: instanceType received "ml\.g5\.xlarge"; allowed: an instance the model fits: it needs 27\.\d GiB \(15\.0 GiB weights \+ 8\.0 GiB KV cache \+ 20 %\); ml\.g5\.xlarge: needs 27\.\d GiB, has 20\.2 GiB usable; the cheapest instance that fits is ml\.g6e\.xlarge \(2\.61 USD\/h, tensor parallel 1\)/,
    );
  });

  test('an instance without accelerators', () => {
    expect(() => endpointIn(testStack(), { instanceType: 'ml.m5.xlarge' })).toThrow(/instanceType received "ml\.m5\.xlarge"; allowed: an instance with accelerators from the catalog \(.*\); ml\.m5\.xlarge has none/);
  });

  test('a model no instance holds', () => {
    expect(() => endpointIn(testStack(), { model: { ...LLAMA_8B, parametersBillions: 405, precision: 'fp32' } })).toThrow(/Test\/Endpoint: model received .*; allowed: no catalogued instance fits/);
  });

  test('max below min, and min above zero when scaling to zero', () => {
    expect(() => endpointIn(testStack(), { scaling: { mode: 'instances', minInstances: 3, maxInstances: 2 } })).toThrow(/scaling\.maxInstances received 2; allowed: at least minInstances \(3\)/);
    expect(() => endpointIn(testStack(), { scaling: { mode: 'scale-to-zero', minInstances: 1, maxInstances: 2 } })).toThrow(/scaling\.minInstances received 1; allowed: 0 in mode 'scale-to-zero'/);
    expect(() => endpointIn(testStack(), { scaling: { mode: 'instances', minInstances: 0, maxInstances: 2 } })).toThrow(/scaling\.minInstances received 0; allowed: a whole number >= 1 \(to scale to zero, use mode 'scale-to-zero'\)/);
  });

  test('a metric the endpoint type never emits', () => {
    expect(() => endpointIn(testStack(), { scaling: { mode: 'instances', minInstances: 1, maxInstances: 2, metric: 'InvocationsPerCopy' } })).toThrow(
      /scaling\.metric received "InvocationsPerCopy"; allowed: ConcurrentRequestsPerModel \| InvocationsPerInstance: an endpoint without inference components never emits InvocationsPerCopy/,
    );
    expect(() => endpointIn(testStack(), { scaling: { mode: 'scale-to-zero', maxInstances: 1, metric: 'ConcurrentRequestsPerModel' } })).toThrow(
      /scaling\.metric received "ConcurrentRequestsPerModel"; allowed: InvocationsPerCopy \| ConcurrentRequestsPerCopy/,
    );
  });

  test('a rolling update with a single instance', () => {
    expect(() => endpointIn(testStack(), { scaling: { mode: 'instances', minInstances: 1, maxInstances: 2 }, deployment: 'rolling' })).toThrow(
      /deployment received "rolling"; allowed: 'blue-green' with fewer than two instances/,
    );
  });

  test('fp32 on TGI, a weights key that is neither a prefix nor an archive, a sequence longer than the context', () => {
    expect(() => endpointIn(testStack(), { server: 'tgi', model: { ...LLAMA_8B, precision: 'fp32' } })).toThrow(/model\.precision received "fp32"; allowed: bf16 \| fp16 \| int8 \| fp8 \| int4 with server tgi/);
    const stack = testStack();
    expect(() => endpointIn(stack, { weights: { bucket: new DataLake(stack, 'Other').artifactsBucket, key: 'models/llama' } })).toThrow(/weights\.key received "models\/llama"; allowed: a prefix ending with "\/"/);
    expect(() => endpointIn(testStack(), { maxSequenceLength: 9000 })).toThrow(/maxSequenceLength received 9000; allowed: a whole number from 2 to the model's context length \(8192\)/);
  });
});

describe('BedrockModel', () => {
  test('grants invoke on a foundation model of the stack region', () => {
    const stack = testStack();
    const model = new BedrockModel(stack, 'Model', { modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' });
    expect(stack.resolve(model.modelArn)).toBe('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0');
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    model.grantInvoke(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'] })] },
    });
  });

  test('grants an inference profile and its model in every region it routes to', () => {
    const stack = testStack();
    const model = new BedrockModel(stack, 'Model', { modelId: 'us.amazon.nova-pro-v1:0' });
    expect(JSON.stringify(stack.resolve(model.modelArn))).toContain(':inference-profile/us.amazon.nova-pro-v1:0');
    expect(JSON.stringify(stack.resolve(model.foundationModelArns))).toContain(':bedrock:*::foundation-model/amazon.nova-pro-v1:0');
  });

  test('rejects a model id Bedrock cannot have', () => {
    expect(() => new BedrockModel(testStack(), 'Model', { modelId: 'gpt-4o' })).toThrow(/Test\/Model: modelId received "gpt-4o"; allowed: a Bedrock model id/);
  });
});
