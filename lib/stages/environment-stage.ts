import { Stage, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { acknowledgeCdkProviders } from '../compliance/cdk-providers';
import { addCompliancePacks } from '../compliance/packs';
import { tagLifecycleStack, type EnvironmentTags } from '../compliance/tags';
import type { PromptTemplate } from '../adapt/prompt-template';
import type { KitConfig } from '../config/schema';
import { KitError } from '../errors';
import type { AnswerModel } from '../../constructs/augment';
import { AdaptStack } from '../stacks/adapt-stack';
import { AugmentStack } from '../stacks/augment-stack';
import { DataStack } from '../stacks/data-stack';
import { EvaluateStack } from '../stacks/evaluate-stack';
import { NetworkStack } from '../stacks/network-stack';
import { kitRevision } from '../stacks/revision';
import { ServeStack } from '../stacks/serve-stack';

export interface EnvironmentStageProps {
  /** The environment name; the stage id and the prefix of its stack names. */
  readonly environmentName: string;
  readonly config: KitConfig;
  /** The prompt library of every environment (loadPromptLibrary). */
  readonly prompts: readonly PromptTemplate[];
  /**
   * Kit revision recorded in the lineage of trained models.
   * @default - KIT_REVISION, else the git commit of the working directory
   */
  readonly revision?: string;
}

/**
 * One environment: a stack per lifecycle stage, the compliance packs of its
 * config gating synth, and the environment's tags on every resource.
 */
export class EnvironmentStage extends Stage {
  public readonly data: DataStack;
  public readonly network: NetworkStack;
  /** The Deploy stage; absent when a hosted model has no serve section. */
  public readonly serve?: ServeStack;
  /** The Adapt and Align stages: the prompt library, and the fine-tuning pipeline of an adapt section. */
  public readonly adapt: AdaptStack;
  /** The Evaluate stage; absent without an evaluate section. */
  public readonly evaluate?: EvaluateStack;
  /** The Augment stage; absent without an augment section. */
  public readonly augment?: AugmentStack;

  constructor(scope: Construct, props: EnvironmentStageProps) {
    const { config, environmentName } = props;
    super(scope, environmentName, {
      env: { account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: config.region },
    });
    addCompliancePacks(this, config.compliance.packs);

    const stackProps = (stage: string): StackProps => ({
      description: `${config.scope.useCase} ${environmentName}: ${stage} stage of the generative-AI lifecycle kit`,
      terminationProtection: config.protection.terminationProtection,
      analyticsReporting: false,
    });
    this.data = new DataStack(this, 'Data', { ...stackProps('data'), config });
    this.network = new NetworkStack(this, 'Network', { ...stackProps('network'), config, encryptionKey: this.data.dataLake.key });
    if (config.model.source === 'bedrock' || config.serve !== undefined) {
      this.serve = new ServeStack(this, 'Serve', {
        ...stackProps('serve'),
        config,
        environmentName,
        dataLake: this.data.dataLake,
        network: this.network.network,
      });
    }

    this.adapt = new AdaptStack(this, 'Adapt', {
      ...stackProps('adapt'),
      config,
      prompts: props.prompts,
      environmentName,
      dataLake: this.data.dataLake,
      network: this.network.network,
      revision: props.revision ?? kitRevision(),
      servedHosting: this.serve?.endpoint?.hosting,
    });
    if (config.evaluate !== undefined) {
      this.evaluate = new EvaluateStack(this, 'Evaluate', {
        ...stackProps('evaluate'),
        config,
        evaluate: config.evaluate,
        environmentName,
        dataLake: this.data.dataLake,
        network: this.network.network,
        model: this.serve?.model,
        servedEndpoint: this.serve?.endpoint,
        prompts: this.adapt.prompts,
        fineTuning: this.adapt.pipeline,
      });
    }

    if (config.augment !== undefined) {
      if (this.serve === undefined) throw new KitError(`${environmentName}: the augment section needs a served model (a serve section, or a Bedrock model)`);
      this.augment = new AugmentStack(this, 'Augment', {
        ...stackProps('augment'),
        config,
        augment: config.augment,
        environmentName,
        dataLake: this.data.dataLake,
        network: this.network.network,
        // The serve stack's model is a BedrockModel or an InferenceEndpoint.
        model: this.serve.model as AnswerModel,
        prompts: this.adapt.prompts,
      });
    }

    const tags: EnvironmentTags = {
      project: config.scope.useCase,
      environment: environmentName,
      dataClassification: config.scope.dataClassification,
      costCentre: config.costCentre,
    };
    tagLifecycleStack(this.data, 'data', tags);
    tagLifecycleStack(this.network, 'network', tags);
    if (this.serve !== undefined) tagLifecycleStack(this.serve, 'serve', tags);
    tagLifecycleStack(this.adapt, 'adapt', tags);
    if (this.evaluate !== undefined) tagLifecycleStack(this.evaluate, 'evaluate', tags);
    if (this.augment !== undefined) tagLifecycleStack(this.augment, 'augment', tags);
    acknowledgeCdkProviders(this);
  }
}
