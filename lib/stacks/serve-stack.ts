import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { DataLake } from '../../constructs/data';
import type { PrivateNetwork } from '../../constructs/network';
import { BedrockModel, InferenceEndpoint, type IInvokableModel, type ModelWeights } from '../../constructs/serve';
import type { KitConfig, ModelConfig } from '../config/schema';
import { KitError } from '../errors';
import type { Precision } from '../sizing/memory';

export interface ServeStackProps extends StackProps {
  readonly config: KitConfig;
  readonly environmentName: string;
  readonly dataLake: DataLake;
  readonly network: PrivateNetwork;
}

/** Where the files of a Hugging Face model are staged in the artifacts bucket when the config does not say. */
export function defaultWeightsKey(model: Extract<ModelConfig, { source: 'huggingface' }>): string {
  return `models/${model.modelId}/${model.revision ?? 'main'}/`;
}

/** Bucket and key of an `s3://bucket/key` URI. */
function weightsFromUri(scope: Construct, uri: string): ModelWeights {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (match === null) throw new KitError(`model.artifactUri received ${JSON.stringify(uri)}; allowed: s3://bucket/prefix/ or s3://bucket/model.tar.gz`);
  return { bucket: s3.Bucket.fromBucketName(scope, 'WeightsBucket', match[1]), key: match[2] };
}

/**
 * The Deploy stage: the model later stages invoke. A hosted model gets a
 * SageMaker endpoint in the private network; a Bedrock model gets no
 * endpoint. Either way an SSM parameter names it for other apps.
 */
export class ServeStack extends Stack {
  public readonly model: IInvokableModel;
  /** The SageMaker endpoint of a hosted model; absent for a Bedrock model. */
  public readonly endpoint?: InferenceEndpoint;

  constructor(scope: Construct, id: string, props: ServeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const model = config.model;
    let description: Record<string, string>;
    if (model.source === 'bedrock') {
      const bedrock = new BedrockModel(this, 'BedrockModel', { modelId: model.modelId });
      this.model = bedrock;
      description = { kind: bedrock.kind, modelId: bedrock.modelId, modelArn: bedrock.modelArn };
    } else if (model.source === 'pretraining' || config.serve === undefined) {
      throw new KitError(`serve stack of ${props.environmentName}: model.source ${model.source} needs a serve section (only huggingface and s3-artifacts models are served)`);
    } else {
      const serve = config.serve;
      const weights = model.source === 'huggingface' ? { bucket: props.dataLake.artifactsBucket, key: serve.weightsKey ?? defaultWeightsKey(model) } : weightsFromUri(this, model.artifactUri);
      const endpoint = new InferenceEndpoint(this, 'Endpoint', {
        weights,
        model: { parametersBillions: model.parametersBillions, precision: model.precision as Precision, contextLength: model.contextLength, architecture: model.architecture },
        server: serve.server,
        instanceType: serve.instanceType === 'auto' ? undefined : serve.instanceType,
        maxConcurrentRequests: serve.maxConcurrentRequests,
        maxSequenceLength: serve.maxSequenceLength,
        scaling: serve.scaling,
        latencyObjective: Duration.millis(config.scope.latencySloP95Ms),
        peakRequestsPerSecond: config.scope.peakRequestsPerSecond,
        vpc: props.network.vpc,
        vpcSubnets: props.network.vpcSubnets,
        securityGroups: [props.network.createSecurityGroup(this, 'EndpointSecurityGroup', `Inference endpoint of ${props.environmentName}`)],
        encryptionKey: props.dataLake.key,
        dataCapture: serve.dataCapture === undefined ? undefined : { bucket: props.dataLake.feedbackBucket, prefix: 'data-capture', samplingPercentage: serve.dataCapture.samplingPercentage },
        deployment: serve.deployment,
      });
      this.model = endpoint;
      this.endpoint = endpoint;
      description = { kind: endpoint.kind, endpointName: endpoint.endpointName, instanceType: endpoint.instanceType, ...(endpoint.inferenceComponentName ? { inferenceComponentName: endpoint.inferenceComponentName } : {}) };
    }
    new ssm.StringParameter(this, 'ModelParameter', {
      parameterName: `/${config.scope.useCase}/${props.environmentName}/serve/model`,
      description: `The model later stages of ${props.environmentName} invoke`,
      stringValue: this.toJsonString(description),
    });
  }
}
