import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FineTuningPipeline, PromptLibrary } from '../../constructs/adapt';
import type { DataLake } from '../../constructs/data';
import { EvaluationPipeline } from '../../constructs/evaluate';
import type { PrivateNetwork } from '../../constructs/network';
import { BedrockModel, type IInvokableModel, type InferenceEndpoint } from '../../constructs/serve';
import { KitError } from '../errors';
import type { EvaluateConfig, KitConfig } from '../config/schema';
import { removalPolicyOf } from './protection';

export interface EvaluateStackProps extends StackProps {
  readonly config: KitConfig;
  readonly evaluate: EvaluateConfig;
  readonly environmentName: string;
  readonly dataLake: DataLake;
  readonly network: PrivateNetwork;
  /** The served model: the candidate and baseline runs may invoke it. */
  readonly model?: IInvokableModel;
  /** The served SageMaker endpoint: registered packages are hosted like it for their run, and compared with it. */
  readonly servedEndpoint?: InferenceEndpoint;
  /** Prompt versions the runs may evaluate. */
  readonly prompts: PromptLibrary;
  /** Its model package group: the runs approve or reject its packages. */
  readonly fineTuning?: FineTuningPipeline;
}

/** The Evaluate stage: the evaluation pipeline that gates the environment's models. */
export class EvaluateStack extends Stack {
  public readonly pipeline: EvaluationPipeline;

  constructor(scope: Construct, id: string, props: EvaluateStackProps) {
    super(scope, id, props);
    const { config, evaluate, dataLake, network } = props;
    const fineTuning = props.fineTuning;
    const groups = fineTuning?.modelPackageGroupName === undefined ? [] : [fineTuning.modelPackageGroupName];
    const served = props.servedEndpoint;
    const packageDeployment =
      groups.length === 0 || served === undefined || fineTuning === undefined ? undefined : { hosting: served.hosting, modelData: { bucket: dataLake.artifactsBucket, prefix: fineTuning.modelArtifactsPrefix } };
    this.pipeline = new EvaluationPipeline(this, 'Evaluation', {
      task: config.scope.task,
      datasets: dataLake.datasetsBucket,
      artifacts: dataLake.artifactsBucket,
      encryptionKey: dataLake.key,
      thresholds: evaluate.thresholds,
      tolerance: evaluate.tolerance,
      batchSize: evaluate.batchSize,
      maxConcurrency: evaluate.maxConcurrency,
      toleratedFailurePercentage: evaluate.toleratedFailurePercentage,
      inference: evaluate.inference,
      models: [
        ...(props.model === undefined ? [] : [props.model]),
        ...(evaluate.bedrockModelIds ?? []).map((modelId) => new BedrockModel(this, `Bedrock${modelId.replace(/[^A-Za-z0-9]/g, '')}`, { modelId })),
      ],
      prompts: props.prompts,
      modelPackageGroupNames: groups,
      packageDeployment,
      judge: evaluate.judge === undefined ? undefined : { model: new BedrockModel(this, 'JudgeModel', { modelId: evaluate.judge.modelId }), rubric: evaluate.judge.rubric },
      bedrockEvaluation:
        evaluate.bedrockEvaluation === undefined
          ? undefined
          : {
              evaluatorModel: new BedrockModel(this, 'BedrockEvaluatorModel', { modelId: evaluate.bedrockEvaluation.evaluatorModelId }),
              metrics: evaluate.bedrockEvaluation.metrics,
              taskType: evaluate.bedrockEvaluation.taskType,
            },
      vpc: network.vpc,
      vpcSubnets: network.vpcSubnets,
      securityGroups: [network.createSecurityGroup(this, 'EvaluationSecurityGroup', `Evaluation workers of ${props.environmentName}`)],
      removalPolicy: removalPolicyOf(config),
    });
    if (evaluate.dataset !== undefined) {
      if (packageDeployment === undefined || served === undefined) {
        throw new KitError(`evaluate stack of ${props.environmentName}: evaluate.dataset needs a fine-tuning pipeline and a served SageMaker endpoint to host its packages like`);
      }
      const baseline =
        evaluate.baseline === 'served-model'
          ? { candidate: { kind: 'endpoint', endpointName: served.endpointName, ...(served.inferenceComponentName === undefined ? {} : { inferenceComponentName: served.inferenceComponentName }) } }
          : undefined;
      this.pipeline.evaluateRegisteredModels({ datasetKey: evaluate.dataset, baseline });
    }
  }
}
