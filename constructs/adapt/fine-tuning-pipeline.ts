import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { kitWorkflow } from '../workflow';
import { findInstance, INSTANCES } from '../../lib/catalog/instances';
import { trainingImage } from '../../lib/catalog/containers';
import { acknowledgeWildcards } from '../../lib/compliance/wildcards';
import { KitError } from '../../lib/errors';
import { handlerEntry, trainingDirectory } from '../kit-files';
import { PrivateFunction, WORKFLOW_TASK } from '../network/private-function';
import type { ModelWeights } from '../serve/inference-endpoint';
import { BedrockCustomizationTask } from './bedrock-customization';
import { buildDefinition, CAPACITY_WAIT, TRANSIENT_RESTARTS, TRANSIENT_WAIT, type DefinitionProps, type ModeSettings } from './pipeline-definition';
import { hyperparameterNameProblem, MAX_HYPERPARAMETER_VALUE, MAX_RUNTIME_HOURS, TRAINING_DEFAULTS } from './limits';
import type { DatasetFormat } from '../../lib/adapt/dataset-format';
import { TrainingCode } from './training-code';
import { ARTIFACT_PREFIXES, TrainingJobTask } from './training-job';

/** What a run trains: supervised fine-tuning, preference tuning, or pre-training from scratch. */
export type FineTuningMode = 'sft' | 'dpo' | 'pretrain';

/** The model a pipeline starts from, which decides the modes it runs. */
export type FineTuningBase =
  /** An open model staged in S3: runs `sft` (sft_lora.py) and `dpo` (dpo.py) on SageMaker. */
  | { readonly kind: 'hugging-face'; readonly modelId: string; readonly weights: ModelWeights }
  /** No weights, a tokenizer: runs `pretrain` (pretrain.py) on SageMaker. */
  | { readonly kind: 'from-scratch'; readonly tokenizer: ModelWeights }
  /** A Bedrock foundation model: runs `sft` as a Bedrock customization job. */
  | { readonly kind: 'bedrock'; readonly modelId: string };

export interface SageMakerTrainingProps {
  /** A GPU instance of the catalog, such as ml.g5.2xlarge. */
  readonly instanceType: string;
  /**
   * More than one runs data-parallel with torchrun across the instances.
   * @default 1
   */
  readonly instanceCount?: number;
  /** @default Size.gibibytes(200) */
  readonly volumeSize?: Size;
  /** @default Duration.hours(24) */
  readonly maxRuntime?: Duration;
  /**
   * Managed spot training; a run interrupted resumes from its checkpoints.
   * @default true
   */
  readonly spot?: boolean;
  /**
   * Spot only: the longest a run may take, waiting for capacity included.
   * @default twice maxRuntime
   */
  readonly maxWait?: Duration;
}

export interface FineTuningPipelineProps {
  readonly base: FineTuningBase;
  /** Longest sequence, in tokens, the model is trained on; the dataset check refuses longer records. */
  readonly contextLength: number;
  /** Holds the dataset splits the executions name. */
  readonly datasets: s3.IBucket;
  /** Receives training outputs, checkpoints and lineage records. */
  readonly artifacts: s3.IBucket;
  /** Encrypts job volumes and outputs, the custom model, the topic and the logs. */
  readonly encryptionKey: kms.IKey;
  /** SageMaker bases only. */
  readonly training?: SageMakerTrainingProps;
  /**
   * Hyperparameters of every run; an execution's `hyperparameters` override them.
   * @default - the entry scripts' defaults
   */
  readonly hyperparameters?: Readonly<Record<string, string>>;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  /**
   * Receives a message for every run that ends, with the cause of a failure.
   * The workflow is granted `sns:Publish` (and the use of the topic's key
   * when the topic is one of this app's; grant an imported topic's key).
   * @default - a topic encrypted with encryptionKey
   */
  readonly topic?: sns.ITopic;
  /**
   * Receives the "Fine-tuned model registered" event the evaluation stage subscribes to.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /** Kit revision written into the lineage of every model (a git commit). */
  readonly revision: string;
  /**
   * Image the registered model packages are served with.
   * @default - none: packages of SageMaker runs need it, so it is required for them
   */
  readonly servingImageUri?: string;
  /**
   * Container environment the registered model packages are served with
   * (for instance an InferenceEndpoint's `hosting.environment`), so that a
   * package deploys as is: the evaluation stage hosts it on a temporary endpoint.
   * @default - none: whoever deploys a package gives the server its settings
   */
  readonly servingEnvironment?: Readonly<Record<string, string>>;
  /**
   * Times a job that failed for lack of capacity is started again, 15 minutes apart.
   * @default 3
   */
  readonly capacityRetries?: number;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN (model package group, log groups) */
  readonly removalPolicy?: RemovalPolicy;
}

export { MODEL_REGISTERED_EVENT } from './pipeline-definition';

/**
 * The Adapt (and Align) stage: a Step Functions standard workflow that
 * checks a run's input, hyperparameters and dataset, trains with `.sync`
 * (SageMaker training job, or Bedrock customization for a Bedrock model),
 * writes the run's lineage, registers the model package (SageMaker runs,
 * PendingManualApproval), emits the event the evaluation stage subscribes
 * to and notifies the topic. A failed step notifies the topic with its error
 * and cause, then fails the execution; the execution timeout outlasts every
 * attempt the workflow can make.
 *
 * Start an execution with
 * `{"mode": "sft" | "dpo" | "pretrain", "dataset": {"trainKey": "...", "validationKey": "..."}, "hyperparameters": {...}}`.
 */
export class FineTuningPipeline extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly topic: sns.ITopic;
  public readonly modes: readonly FineTuningMode[];
  /** Where SageMaker runs register their models; absent for Bedrock. */
  public readonly modelPackageGroupName?: string;
  /** Key prefix of the trained models in the artifacts bucket: the files the registered packages point to. */
  public readonly modelArtifactsPrefix: string = ARTIFACT_PREFIXES.output;
  /** The SageMaker training job or Bedrock customization task. */
  public readonly trainer: TrainingJobTask | BedrockCustomizationTask;
  public readonly validateFunction: PrivateFunction;

  constructor(scope: Construct, id: string, props: FineTuningPipelineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.checkProps(props);
    const jobPrefix = this.jobPrefix();
    const vpcSubnets = props.vpc.selectSubnets(props.vpcSubnets).subnets;

    this.topic = props.topic ?? new sns.Topic(this, 'Topic', { displayName: `Fine-tuning runs of ${this.node.path}`, masterKey: props.encryptionKey, enforceSSL: true });
    this.validateFunction = new PrivateFunction(this, 'ValidateDataset', {
      entry: handlerEntry('validate-dataset'),
      invocation: WORKFLOW_TASK,
      description: `Checks the dataset of each run of ${this.node.path} before training`,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      encryptionKey: props.encryptionKey,
      timeout: Duration.minutes(15),
      memorySize: 1024,
      logRetention: props.logRetention,
      removalPolicy,
    });
    const readDatasets = new iam.ManagedPolicy(this, 'ValidatePolicy', {
      description: `Dataset reads of ${this.validateFunction.node.path}`,
      roles: [this.validateFunction.role],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.datasets.arnForObjects('*')] }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.encryptionKey.keyArn] }),
      ],
    });
    acknowledgeWildcards(readDatasets.node.defaultChild as iam.CfnManagedPolicy, [
      { match: /^Resource::.*\/\*$/, reason: 'Dataset splits are named per run in the execution input, any key of the datasets bucket; the bucket holds training data only', actions: ['s3:GetObject'] },
    ]);

    let modes: ModeSettings[];
    if (props.base.kind === 'bedrock') {
      this.trainer = new BedrockCustomizationTask(this, 'Customize', {
        baseModelId: props.base.modelId,
        datasets: props.datasets,
        artifacts: props.artifacts,
        encryptionKey: props.encryptionKey,
        subnets: vpcSubnets,
        securityGroups: props.securityGroups,
      });
      modes = [{ mode: 'sft', format: bedrockDatasetFormat(props.base.modelId), reserved: {} }];
    } else {
      const training = props.training as SageMakerTrainingProps;
      const instance = findInstance(training.instanceType);
      const image = trainingImage(stack.region);
      const code = new TrainingCode(this, 'Code', { directory: trainingDirectory() });
      const { spot, maxRuntime, maxWait, instanceCount, volumeSize } = trainingSettings(training);
      this.trainer = new TrainingJobTask(this, 'Train', {
        jobPrefix,
        image,
        code,
        datasets: props.datasets,
        artifacts: props.artifacts,
        encryptionKey: props.encryptionKey,
        baseModel: props.base.kind === 'hugging-face' ? props.base.weights : undefined,
        tokenizer: props.base.kind === 'from-scratch' ? props.base.tokenizer : undefined,
        instanceType: training.instanceType,
        instanceCount,
        volumeSize,
        volumeKmsKey: instance?.localNvme !== true,
        maxRuntime,
        maxWait: spot ? maxWait : undefined,
        subnets: vpcSubnets,
        securityGroups: props.securityGroups,
      });
      if (instanceCount > 1) {
        // torchrun's rendezvous and NCCL between the instances, and the IPsec of inter-container encryption (UDP 500, ESP).
        for (const group of props.securityGroups) group.connections.allowInternally(ec2.Port.allTraffic(), 'Traffic between the instances of one distributed training job');
      }
      for (const entry of ['sft_lora.py', 'dpo.py', 'pretrain.py']) {
        if (!code.files.includes(entry)) throw KitError.invalidProp(this, 'training code', code.files, `a folder with ${entry}`);
      }
      const reserved = (program: string): Record<string, string> => ({
        sagemaker_program: program,
        sagemaker_submit_directory: code.containerPath,
        sagemaker_region: stack.region,
        // torchrun on every GPU of every instance (the SDK's distribution={"torch_distributed": {"enabled": True}}).
        sagemaker_torch_distributed_enabled: 'true',
      });
      modes =
        props.base.kind === 'hugging-face'
          ? [
              { mode: 'sft', format: 'sft', reserved: reserved('sft_lora.py') },
              { mode: 'dpo', format: 'dpo', reserved: reserved('dpo.py') },
            ]
          : [{ mode: 'pretrain', format: 'pretrain', reserved: reserved('pretrain.py') }];
      this.modelPackageGroupName = jobPrefix;
    }
    this.modes = modes.map((settings) => settings.mode);

    let register: DefinitionProps['register'];
    if (this.modelPackageGroupName !== undefined) {
      const group = new sagemaker.CfnModelPackageGroup(this, 'ModelPackageGroup', {
        modelPackageGroupName: this.modelPackageGroupName,
        modelPackageGroupDescription: `Models trained by ${this.node.path}`,
      });
      group.applyRemovalPolicy(removalPolicy);
      register = {
        groupName: this.modelPackageGroupName,
        groupArn: group.attrModelPackageGroupArn,
        packageArns: stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${this.modelPackageGroupName}/*` }),
        servingImageUri: props.servingImageUri as string,
        servingEnvironment: props.servingEnvironment,
      };
    }

    const definition = buildDefinition(new Construct(this, 'States'), {
      modes,
      defaults: props.hyperparameters ?? {},
      jobPrefix,
      contextLength: props.contextLength,
      datasets: props.datasets,
      artifacts: props.artifacts,
      validate: this.validateFunction.function,
      train: this.trainer.stateJson,
      capacityRetries: props.capacityRetries ?? 3,
      baseModel: props.base.kind === 'from-scratch' ? 'from-scratch' : props.base.modelId,
      revision: props.revision,
      register,
      eventBus: props.eventBus,
      topic: this.topic,
    });
    this.stateMachine = kitWorkflow(this, {
      comment: `Fine-tuning runs (${this.modes.join(', ')}) of ${this.node.path}`,
      definition,
      timeout: executionTimeout(props),
      encryptionKey: props.encryptionKey,
      topic: this.topic,
      what: 'Fine-tuning run',
      logRetention: props.logRetention,
      removalPolicy,
    });
    this.trainer.grantStart(this.stateMachine);
    // The lineage record is written under the artifacts bucket's default encryption, the environment key.
    props.encryptionKey.grant(this.stateMachine, 'kms:GenerateDataKey');
  }

  /** The state machine's role. */
  public get grantPrincipal(): iam.IPrincipal {
    return this.stateMachine.role;
  }

  /** Lets the grantee start runs (the preference builder does). */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** A short lower-case name, unique in the account, that prefixes job names and scopes permissions. */
  private jobPrefix(): string {
    // node.addr is "c8" and 40 hex digits; the digits after the constant prefix carry the uniqueness.
    return `ft-${this.node.addr.slice(2, 10)}`;
  }

  private checkProps(props: FineTuningPipelineProps): void {
    if (!Number.isInteger(props.contextLength) || props.contextLength < 1) throw KitError.invalidProp(this, 'contextLength', props.contextLength, 'a whole number of tokens >= 1');
    const capacityRetries = props.capacityRetries ?? TRAINING_DEFAULTS.capacityRetries;
    if (!Number.isInteger(capacityRetries) || capacityRetries < 0 || capacityRetries > 10) throw KitError.invalidProp(this, 'capacityRetries', capacityRetries, 'a whole number from 0 to 10');
    for (const [name, value] of Object.entries(props.hyperparameters ?? {})) {
      const problem = hyperparameterNameProblem(name);
      if (problem !== undefined) throw KitError.invalidProp(this, 'hyperparameters', name, problem);
      if (typeof value !== 'string' || value.length > MAX_HYPERPARAMETER_VALUE) throw KitError.invalidProp(this, `hyperparameters.${name}`, value, `a string of at most ${MAX_HYPERPARAMETER_VALUE} characters`);
    }
    if (props.base.kind === 'bedrock') {
      if (props.training !== undefined) throw KitError.invalidProp(this, 'training', props.training, 'nothing with a Bedrock base: Bedrock chooses the hardware of a customization job');
      if (/^(us|us-gov|eu|apac|jp|au|ca|global)\./.test(props.base.modelId)) {
        throw KitError.invalidProp(this, 'base.modelId', props.base.modelId, 'a foundation model id (customization takes no cross-region inference profile), such as amazon.nova-micro-v1:0:128k');
      }
      return;
    }
    const training = props.training;
    if (training === undefined) throw KitError.invalidProp(this, 'training', training, 'the instance type, count and limits of the SageMaker training job');
    if (props.servingImageUri === undefined) throw KitError.invalidProp(this, 'servingImageUri', undefined, 'the image the registered model packages are served with (lib/catalog servingImage)');
    const instance = findInstance(training.instanceType);
    if (instance === undefined || instance.accelerator.kind !== 'nvidia') {
      const gpus = INSTANCES.filter((row) => row.accelerator.kind === 'nvidia').map((row) => row.instanceType);
      throw KitError.invalidProp(this, 'training.instanceType', training.instanceType, `a GPU instance of the catalog that the PyTorch training container runs on: ${gpus.join(', ')}`);
    }
    const { instanceCount: count, maxRuntime, volumeSize: volume } = trainingSettings(training);
    if (!Number.isInteger(count) || count < 1 || count > 64) throw KitError.invalidProp(this, 'training.instanceCount', count, 'a whole number from 1 to 64');
    if (maxRuntime.toSeconds() < 60 || maxRuntime.toSeconds() > MAX_RUNTIME_HOURS * 3600) {
      throw KitError.invalidProp(this, 'training.maxRuntime', maxRuntime.toHumanString(), 'from 1 minute to 28 days (SageMaker\'s limit)');
    }
    if (training.maxWait !== undefined) {
      if (training.spot === false) throw KitError.invalidProp(this, 'training.maxWait', training.maxWait.toHumanString(), 'nothing without spot: maxWait bounds the wait for spot capacity');
      if (training.maxWait.toSeconds() < maxRuntime.toSeconds()) throw KitError.invalidProp(this, 'training.maxWait', training.maxWait.toHumanString(), `at least maxRuntime (${maxRuntime.toHumanString()})`);
    }
    if (volume.toGibibytes() < 1 || volume.toGibibytes() > 16384) throw KitError.invalidProp(this, 'training.volumeSize', `${volume.toGibibytes()} GiB`, 'from 1 to 16384 GiB');
    if (props.base.kind === 'hugging-face' && !props.base.weights.key.endsWith('/')) {
      throw KitError.invalidProp(this, 'base.weights.key', props.base.weights.key, 'a prefix ending with "/" where the model\'s Hugging Face files are staged');
    }
  }
}

/** The training settings with the kit's defaults filled in. */
function trainingSettings(training: SageMakerTrainingProps): { spot: boolean; maxRuntime: Duration; maxWait: Duration; instanceCount: number; volumeSize: Size } {
  const maxRuntime = training.maxRuntime ?? Duration.hours(TRAINING_DEFAULTS.maxRuntimeHours);
  return {
    spot: training.spot ?? TRAINING_DEFAULTS.spot,
    maxRuntime,
    maxWait: training.maxWait ?? Duration.seconds(maxRuntime.toSeconds() * TRAINING_DEFAULTS.maxWaitFactor),
    instanceCount: training.instanceCount ?? TRAINING_DEFAULTS.instanceCount,
    volumeSize: training.volumeSize ?? Size.gibibytes(TRAINING_DEFAULTS.volumeSizeGiB),
  };
}

/**
 * Long enough for every attempt the workflow may make (each up to the job's
 * own limit, spot waiting included, plus the waits between restarts) and a
 * day to spare; Step Functions ends a standard execution after a year.
 */
function executionTimeout(props: FineTuningPipelineProps): Duration {
  const job = props.training === undefined ? Duration.days(30) : (() => {
    const settings = trainingSettings(props.training);
    return settings.spot ? settings.maxWait : settings.maxRuntime;
  })();
  const attempts = 1 + (props.capacityRetries ?? TRAINING_DEFAULTS.capacityRetries) + TRANSIENT_RESTARTS;
  const seconds = attempts * job.toSeconds() + attempts * Math.max(CAPACITY_WAIT.toSeconds(), TRANSIENT_WAIT.toSeconds()) + Duration.days(1).toSeconds();
  return Duration.seconds(Math.min(seconds, Duration.days(365).toSeconds()));
}

/**
 * The record format a Bedrock base model is fine-tuned on: Amazon Nova
 * models take the bedrock-conversation-2024 schema, the others prompt and
 * completion pairs.
 */
export function bedrockDatasetFormat(modelId: string): DatasetFormat {
  return /^amazon\.nova-/.test(modelId) ? 'bedrock-conversation' : 'prompt-completion';
}
