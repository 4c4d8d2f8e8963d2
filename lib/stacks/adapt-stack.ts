import { Duration, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { FineTuningPipeline, PreferenceTuning, PromptLibrary, type FineTuningBase } from '../../constructs/adapt';
import type { DataLake } from '../../constructs/data';
import type { PrivateNetwork } from '../../constructs/network';
import type { ModelHosting } from '../../constructs/serve';
import { servingImage } from '../catalog/containers';
import type { PromptTemplate } from '../adapt/prompt-template';
import type { AdaptConfig, KitConfig } from '../config/schema';
import { KitError } from '../errors';
import { removalPolicyOf } from './protection';
import { defaultWeightsKey } from './serve-stack';

export interface AdaptStackProps extends StackProps {
  readonly config: KitConfig;
  /** The versioned prompt templates (prompts/*.json, checked against their lock). */
  readonly prompts: readonly PromptTemplate[];
  readonly environmentName: string;
  readonly dataLake: DataLake;
  readonly network: PrivateNetwork;
  /** Kit revision recorded in the lineage of every model. */
  readonly revision: string;
  /** How the served endpoint hosts the model: registered packages carry its container environment. */
  readonly servedHosting?: ModelHosting;
}

/** Config hyperparameters as SageMaker and Bedrock take them: strings. */
function hyperparameterStrings(values: AdaptConfig['hyperparameters']): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([name, value]) => [name, String(value)]));
}

/**
 * The Adapt and Align stages: the prompt library (in-context learning, in
 * Bedrock Prompt Management); with an adapt section, the fine-tuning
 * pipeline of the environment's model and, when configured, the preference
 * builder that feeds it DPO runs.
 */
export class AdaptStack extends Stack {
  public readonly prompts: PromptLibrary;
  public readonly pipeline?: FineTuningPipeline;
  public readonly preference?: PreferenceTuning;

  constructor(scope: Construct, id: string, props: AdaptStackProps) {
    super(scope, id, props);
    const { config, dataLake } = props;
    this.prompts = new PromptLibrary(this, 'Prompts', { prompts: props.prompts, encryptionKey: dataLake.key, removalPolicy: removalPolicyOf(config) });
    if (config.adapt !== undefined) [this.pipeline, this.preference] = this.addFineTuning(props, config.adapt);
  }

  private addFineTuning(props: AdaptStackProps, adapt: AdaptConfig): [FineTuningPipeline, PreferenceTuning | undefined] {
    const { config, dataLake, network } = props;
    const model = config.model;
    let base: FineTuningBase;
    if (model.source === 'bedrock') base = { kind: 'bedrock', modelId: model.modelId };
    else if (model.source === 'huggingface') base = { kind: 'hugging-face', modelId: model.modelId, weights: { bucket: dataLake.artifactsBucket, key: config.serve?.weightsKey ?? defaultWeightsKey(model) } };
    else if (model.source === 'pretraining') base = { kind: 'from-scratch', tokenizer: { bucket: dataLake.artifactsBucket, key: adapt.tokenizerKey as string } };
    else throw new KitError(`adapt stack of ${props.environmentName}: model.source ${model.source} cannot be fine-tuned by the kit`);

    const removalPolicy = removalPolicyOf(config);
    const securityGroups = [network.createSecurityGroup(this, 'TrainingSecurityGroup', `Fine-tuning jobs and dataset checks of ${props.environmentName}`)];
    const training = adapt.training;
    const pipeline = new FineTuningPipeline(this, 'FineTuning', {
      base,
      // A Bedrock model's config carries no context length; Bedrock checks record lengths against its own limits.
      contextLength: model.source === 'bedrock' ? Number.MAX_SAFE_INTEGER : model.contextLength,
      datasets: dataLake.datasetsBucket,
      artifacts: dataLake.artifactsBucket,
      encryptionKey: dataLake.key,
      training:
        training === undefined
          ? undefined
          : {
              instanceType: training.instanceType,
              instanceCount: training.instanceCount,
              volumeSize: training.volumeSizeGb === undefined ? undefined : Size.gibibytes(training.volumeSizeGb),
              maxRuntime: training.maxRuntimeHours === undefined ? undefined : Duration.minutes(Math.round(training.maxRuntimeHours * 60)),
              spot: training.spot,
              maxWait: training.maxWaitHours === undefined ? undefined : Duration.minutes(Math.round(training.maxWaitHours * 60)),
            },
      hyperparameters: hyperparameterStrings(adapt.hyperparameters),
      capacityRetries: adapt.capacityRetries,
      vpc: network.vpc,
      vpcSubnets: network.vpcSubnets,
      securityGroups,
      revision: props.revision,
      servingImageUri: model.source === 'bedrock' ? undefined : (props.servedHosting?.image.uri ?? servingImage(config.serve?.server ?? 'lmi', config.region).uri),
      servingEnvironment: props.servedHosting?.environment,
      removalPolicy,
    });

    if (adapt.preference === undefined) return [pipeline, undefined];
    const preference = new PreferenceTuning(this, 'Preference', {
        pipeline,
        feedback: dataLake.feedbackBucket,
        datasets: dataLake.datasetsBucket,
        minNewPairs: adapt.preference.minNewPairs,
        validationFraction: adapt.preference.validationFraction,
        schedule: events.Schedule.expression(adapt.preference.schedule),
        encryptionKey: dataLake.key,
        vpc: network.vpc,
        vpcSubnets: network.vpcSubnets,
        securityGroups,
        removalPolicy,
      });
    return [pipeline, preference];
  }
}
