import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { kitWorkflow } from '../workflow';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { acknowledgeWildcards } from '../../lib/compliance/wildcards';
import type { Task } from '../../lib/config/tasks';
import { JUDGE_METRIC } from '../../lib/evaluate/record';
import { KitError } from '../../lib/errors';
import type { PromptLibrary } from '../adapt/prompt-library';
import { acknowledgeGeneratedPolicy } from '../adapt/state-machine-policy';
import { handlerEntry } from '../kit-files';
import { PrivateFunction, WORKFLOW_TASK } from '../network/private-function';
import { INFERENCE_PROFILE_WILDCARD, type BedrockModel } from '../serve/bedrock-model';
import type { IInvokableModel } from '../serve/invokable-model';
import { BedrockEvaluation, checkBedrockEvaluation, type BedrockEvaluationOptions } from './bedrock-evaluation';
import { buildEvaluationDefinition, CANDIDATE_KINDS, EVALUATION_SETS_PREFIX, EVALUATIONS_PREFIX, type CandidateKind } from './evaluation-definition';
import { PackageCleanup } from './package-cleanup';
import { PackageEndpoints, type PackageDeploymentProps } from './package-endpoints';
import { RegisteredModelRuns, type RegisteredModelRunsOptions } from './registered-model-runs';
import { TASK_METRICS } from './task-metrics';

export type { BedrockEvaluationOptions } from './bedrock-evaluation';
export { BEDROCK_JUDGE_METRICS, BEDROCK_MAX_RECORDS, BEDROCK_TASK_TYPES, type BedrockJudgeMetric, type BedrockTaskType } from './bedrock-evaluation-limits';

export interface InferenceSettings {
  /** @default 512 */
  readonly maxTokens?: number;
  /** @default 0 (deterministic answers, comparable runs) */
  readonly temperature?: number;
  /**
   * Not sent unless set: some Bedrock models (Claude 4.5 and later) refuse temperature and topP together.
   * @default - the model's own
   */
  readonly topP?: number;
}

/** The LLM judge of an evaluation pipeline. */
export interface EvaluationJudge {
  readonly model: BedrockModel;
  /** What a 5 and a 1 answer look like for this use case (20 to 4000 characters). */
  readonly rubric: string;
}

export interface EvaluationPipelineProps {
  /** The use case's task: it selects the metrics. */
  readonly task: Task;
  /** Holds the evaluation sets the executions name (JSONL, lib/evaluate/record.ts). */
  readonly datasets: s3.IBucket;
  /** Receives predictions and reports under `evaluations/<run id>/`. */
  readonly artifacts: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  /** Lowest acceptable value of each metric, 0..1, such as `{ rougeL: 0.35 }`; a metric the task does not compute is refused. */
  readonly thresholds: Readonly<Record<string, number>>;
  /**
   * Largest drop of any metric below the baseline that still passes (0..1).
   * @default 0.01
   */
  readonly tolerance?: number;
  /**
   * Records per Lambda invocation.
   * @default 20
   */
  readonly batchSize?: number;
  /**
   * Batches in flight at once: bounds the load on the candidate.
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * Share of records whose batch may fail (after the handler's retries) before the run fails and approves nothing.
   * Records of failed batches are not scored; the scorer rejects a run missing more than this share of the set.
   * @default 0
   */
  readonly toleratedFailurePercentage?: number;
  /** @default - 512 tokens, temperature 0 */
  readonly inference?: InferenceSettings;
  /**
   * An LLM judge: a Bedrock model scores every answer from 1 to 5 against the
   * rubric, given the question and the references. Its mean, mapped to 0..1,
   * is metric `judge`, which thresholds may name.
   * @default - no judge
   */
  readonly judge?: EvaluationJudge;
  /**
   * A Bedrock model evaluation job on each run's own predictions ("bring your
   * own inference responses"), graded by an evaluator model on Bedrock's
   * built-in judge metrics. After scoring, the run writes the job's dataset
   * to `evaluations/<run id>/bedrock/dataset.jsonl` (at most 1000 records,
   * the service's limit: above it a sample fixed by the record ids), creates
   * the job (results under `evaluations/<run id>/bedrock/output/`) and waits
   * for it before the verdict. The verdict does not depend on the job: its
   * ARN and outcome go into the verdict event (`bedrockEvaluation`) and the
   * notification, and a job that fails, cannot start or does not end in
   * time is reported there, not as a failure of the run.
   * @default - no Bedrock evaluation job
   */
  readonly bedrockEvaluation?: BedrockEvaluationOptions;
  /**
   * Models the executions may name as candidate or baseline; each is granted
   * to the worker. A SageMaker endpoint admits `endpoint` candidates; a
   * Bedrock model admits `bedrock` candidates (and `prompt` ones with prompts).
   */
  readonly models: readonly IInvokableModel[];
  /** Prompt versions the executions may name (`kind: prompt`, rendered for a Bedrock model). @default - none */
  readonly prompts?: PromptLibrary;
  /** Model package groups whose packages the pipeline evaluates, then approves or rejects (with packageDeployment). @default - none */
  readonly modelPackageGroupNames?: readonly string[];
  /**
   * How a `model-package` candidate is hosted: each such run creates a model
   * from the package itself, an endpoint config and an endpoint in the
   * private network, runs the set through it, and deletes all three whatever
   * the outcome (a deletion that fails is notified). A package is approved
   * only on predictions of an endpoint the run made from it.
   * @default - model-package candidates are refused
   */
  readonly packageDeployment?: PackageDeploymentProps;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  /**
   * Receives the verdict of every run, and the cause of a failure.
   * @default - a topic encrypted with encryptionKey
   */
  readonly topic?: sns.ITopic;
  /**
   * Receives the "Model evaluated" event.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN (log groups) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Evaluate stage: a Step Functions standard workflow that runs a
 * candidate over an evaluation set with a Distributed Map (the set is read
 * from S3 by Step Functions itself, in batches, so 50 records and 100,000
 * differ only in the input), scores the predictions on the task's metrics,
 * compares them with the thresholds and the baseline, approves or rejects a
 * model package, writes a report (JSON and Markdown) and notifies.
 *
 * Start an execution with
 * `{"candidate": {"kind": "bedrock" | "endpoint" | "prompt" | "model-package", ...}, "dataset": {"key": "evaluation/..."}, "baseline": {...}}`.
 */
export class EvaluationPipeline extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly topic: sns.ITopic;
  public readonly invokeFunction: PrivateFunction;
  public readonly scoreFunction: PrivateFunction;
  /** The temporary endpoints of model-package runs; absent without packageDeployment. */
  public readonly packageEndpoints?: PackageEndpoints;
  /** Deletes the temporary endpoints left by runs whose execution ended FAILED, TIMED_OUT or ABORTED; absent without packageDeployment. */
  public readonly packageCleanup?: PackageCleanup;
  /** The service role and settings of the Bedrock evaluation jobs; absent without bedrockEvaluation. */
  public readonly bedrockEvaluation?: BedrockEvaluation;
  private readonly modelPackageGroupNames: readonly string[];

  constructor(scope: Construct, id: string, props: EvaluationPipelineProps) {
    super(scope, id);
    this.checkProps(props);
    this.modelPackageGroupNames = props.modelPackageGroupNames ?? [];
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.topic = props.topic ?? new sns.Topic(this, 'Topic', { displayName: `Evaluation runs of ${this.node.path}`, masterKey: props.encryptionKey, enforceSSL: true });
    const functionProps = {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      removalPolicy,
    };
    this.invokeFunction = new PrivateFunction(this, 'InvokeCandidate', {
      ...functionProps,
      entry: handlerEntry('invoke-candidate'),
      invocation: {
        deadLetterQueue: 'Invoked synchronously by the Distributed Map\'s child executions, which retry a failed batch and count it against the tolerated failures; a dead-letter queue only receives failed asynchronous invocations',
        concurrency: `Bounded by the Distributed Map's maxConcurrency (${props.maxConcurrency ?? 10} batches in flight)`,
      },
      description: `Runs one batch of an evaluation set through the candidate, for ${this.node.path}`,
      timeout: Duration.minutes(15),
      memorySize: 1024,
    });
    this.scoreFunction = new PrivateFunction(this, 'Score', {
      ...functionProps,
      entry: handlerEntry('score-evaluation'),
      invocation: WORKFLOW_TASK,
      description: `Scores the predictions of an evaluation run and writes its report, for ${this.node.path}`,
      timeout: Duration.minutes(15),
      memorySize: 3008,
    });
    if (props.packageDeployment !== undefined) {
      this.packageEndpoints = new PackageEndpoints(this, 'PackageEndpoint', {
        ...props.packageDeployment,
        encryptionKey: props.encryptionKey,
        subnetIds: props.vpc.selectSubnets(props.vpcSubnets).subnetIds,
        securityGroups: props.securityGroups,
      });
    }
    if (props.bedrockEvaluation !== undefined) {
      this.bedrockEvaluation = new BedrockEvaluation(this, 'BedrockEvaluation', {
        ...props.bedrockEvaluation,
        task: props.task,
        artifacts: props.artifacts,
        encryptionKey: props.encryptionKey,
        runsPrefix: EVALUATIONS_PREFIX,
      });
    }
    for (const model of props.models) model.grantInvoke(this.invokeFunction);
    props.judge?.model.grantInvoke(this.invokeFunction);
    if (props.prompts !== undefined && props.models.some((model) => model.kind === 'bedrock')) props.prompts.grantGet(this.invokeFunction);
    // The models' and prompts' own grants land in the role's default policy.
    acknowledgeGeneratedPolicy(this.invokeFunction.role, 'grantInvoke of each model (and of the judge) and grantGet of the prompt library');
    const grants = this.invokeFunction.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
    if (grants !== undefined) acknowledgeWildcards(grants as iam.CfnPolicy, [INFERENCE_PROFILE_WILDCARD]);
    this.grantData(props);

    const definition = buildEvaluationDefinition(new Construct(this, 'States'), {
      task: props.task,
      datasets: props.datasets,
      artifacts: props.artifacts,
      thresholds: props.thresholds,
      tolerance: props.tolerance ?? 0.01,
      batchSize: props.batchSize ?? 20,
      maxConcurrency: props.maxConcurrency ?? 10,
      toleratedFailurePercentage: props.toleratedFailurePercentage ?? 0,
      inference: { maxTokens: props.inference?.maxTokens ?? 512, temperature: props.inference?.temperature ?? 0, ...(props.inference?.topP === undefined ? {} : { topP: props.inference.topP }) },
      judge: props.judge === undefined ? undefined : { modelId: props.judge.model.modelId, rubric: props.judge.rubric },
      kinds: candidateKinds(props),
      packageEndpoints: this.packageEndpoints,
      bedrockEvaluation: this.bedrockEvaluation,
      invoke: this.invokeFunction.function,
      score: this.scoreFunction.function,
      packageArns: (props.modelPackageGroupNames ?? []).map((group) => stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${group}/*` })),
      topic: this.topic,
      eventBus: props.eventBus,
    });
    this.stateMachine = kitWorkflow(this, {
      comment: `Evaluation runs (${props.task}) of ${this.node.path}`,
      definition,
      timeout: Duration.days(7),
      encryptionKey: props.encryptionKey,
      topic: this.topic,
      what: 'Evaluation run',
      logRetention: props.logRetention,
      removalPolicy,
      wildcardReasons: [
      { match: /\/evaluation\/\*$/, reason: 'The Distributed Map reads the evaluation set each execution names, a key under the evaluation/ prefix of the datasets bucket', actions: ['s3:GetObject'] },
      { match: /\/evaluations\/map-results\/\*$/, reason: 'The Distributed Map writes its result manifest and files under evaluations/map-results/, names it chooses', actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'] },
      { match: /model-package\/[^/]+\/\*$/, reason: 'SageMaker numbers the packages of a group; the run hosts, then approves or rejects the one it evaluated, in the named groups only', actions: ['sagemaker:UpdateModelPackage', 'sagemaker:DescribeModelPackage'] },
      ...(this.packageEndpoints?.wildcardReasons() ?? []),
      ...(this.bedrockEvaluation?.wildcardReasons() ?? []),
      ],
    });
    this.grantWorkflow(props);
    this.acknowledgeMapPolicy();
    if (this.packageEndpoints !== undefined) {
      this.packageCleanup = new PackageCleanup(this, 'PackageCleanup', {
        endpoints: this.packageEndpoints,
        evaluation: this.stateMachine,
        topic: this.topic,
        encryptionKey: props.encryptionKey,
        logRetention: props.logRetention,
        removalPolicy,
      });
    }
  }

  /** Lets the grantee start evaluations (a CI role, an operator). */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /**
   * Evaluates every package the fine-tuning pipeline registers in this
   * pipeline's groups, as soon as it is registered: the run hosts it on a
   * temporary endpoint, so packageDeployment is required.
   */
  public evaluateRegisteredModels(options: RegisteredModelRunsOptions): RegisteredModelRuns {
    if (this.packageEndpoints === undefined) {
      throw KitError.invalidProp(this, 'packageDeployment', undefined, 'set, to evaluate registered models: a new package has no endpoint until the run hosts it');
    }
    return new RegisteredModelRuns(this, 'RegisteredModels', { ...options, stateMachine: this.stateMachine, modelPackageGroupNames: this.modelPackageGroupNames });
  }

  /**
   * The worker writes predictions (the Distributed Map hands it the records);
   * the scorer reads the sets, the predictions and earlier reports, and
   * writes reports. Nothing else of the data lake.
   */
  private grantData(props: EvaluationPipelineProps): void {
    const runs = props.artifacts.arnForObjects('evaluations/*');
    const workerPolicy = new iam.ManagedPolicy(this, 'InvokePolicy', {
      description: `Data access of ${this.invokeFunction.node.path}`,
      roles: [this.invokeFunction.role],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [runs] }),
        new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.encryptionKey.keyArn] }),
        ...(this.packageEndpoints === undefined ? [] : [this.packageEndpoints.invokeStatement()]),
      ],
    });
    const scorePolicy = new iam.ManagedPolicy(this, 'ScorePolicy', {
      description: `Data access of ${this.scoreFunction.node.path}`,
      roles: [this.scoreFunction.role],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.datasets.arnForObjects(`${EVALUATION_SETS_PREFIX}*`), runs] }),
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [runs] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.artifacts.bucketArn], conditions: { StringLike: { 's3:prefix': ['evaluations/*'] } } }),
        new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.encryptionKey.keyArn] }),
      ],
    });
    const reasons = [
      { match: /\/evaluations\/\*$/, reason: 'Runs write their predictions and reports under evaluations/<run id>/ (names chosen per batch and per run), and the scorer reads them back', actions: ['s3:PutObject', 's3:GetObject'] },
      { match: /\/evaluation\/\*$/, reason: 'Each execution names its evaluation set, a key under the evaluation/ prefix of the datasets bucket', actions: ['s3:GetObject'] },
    ];
    acknowledgeWildcards(workerPolicy.node.defaultChild as iam.CfnManagedPolicy, [...reasons, ...(this.packageEndpoints?.wildcardReasons() ?? [])]);
    acknowledgeWildcards(scorePolicy.node.defaultChild as iam.CfnManagedPolicy, reasons);
  }

  /**
   * What the workflow does itself beyond what aws-cdk-lib grants its states
   * (the Distributed Map's child executions, reading the set, writing map
   * results, updating packages): the environment key of those objects.
   */
  private grantWorkflow(props: EvaluationPipelineProps): void {
    props.encryptionKey.grant(this.stateMachine, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  /** The inline policy aws-cdk-lib writes for the Distributed Map's child executions. */
  private acknowledgeMapPolicy(): void {
    const mapPolicy = this.stateMachine.node.tryFindChild('DistributedMapPolicy');
    if (mapPolicy !== undefined) {
      const reason = 'aws-cdk-lib writes this policy for the Distributed Map: it starts, describes and stops child executions of this state machine only';
      acknowledge(mapPolicy, 'NIST.800.53.R5-IAMNoInlinePolicy', reason);
      acknowledge(mapPolicy, 'HIPAA.Security-IAMNoInlinePolicy', reason);
      acknowledgeWildcards(mapPolicy.node.defaultChild as iam.CfnPolicy, [
        { match: /execution/, reason: 'Child executions of a Distributed Map are named by Step Functions under this state machine (and its map run label)', actions: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution', 'states:StartExecution'] },
      ]);
    }
  }

  private checkProps(props: EvaluationPipelineProps): void {
    const computed = [...TASK_METRICS[props.task], ...(props.judge === undefined ? [] : [JUDGE_METRIC])];
    const rubric = props.judge?.rubric;
    if (rubric !== undefined && !Token.isUnresolved(rubric) && (rubric.trim().length < 20 || rubric.length > 4000)) {
      throw KitError.invalidProp(this, 'judge.rubric', rubric.length > 80 ? `${rubric.slice(0, 80)}...` : rubric, 'a rubric of 20 to 4000 characters: what a 5 and a 1 answer look like');
    }
    for (const [metric, value] of Object.entries(props.thresholds)) {
      if (!computed.includes(metric)) throw KitError.invalidProp(this, `thresholds.${metric}`, value, `a metric of task ${props.task}: ${computed.join(', ')}`);
      if (typeof value !== 'number' || value < 0 || value > 1) throw KitError.invalidProp(this, `thresholds.${metric}`, value, 'a number from 0 to 1');
    }
    if (Object.keys(props.thresholds).length === 0) throw KitError.invalidProp(this, 'thresholds', props.thresholds, `at least one of ${computed.join(', ')}: a run with no threshold would approve anything`);
    const tolerance = props.tolerance ?? 0.01;
    if (tolerance < 0 || tolerance > 1) throw KitError.invalidProp(this, 'tolerance', tolerance, 'a number from 0 to 1');
    const batchSize = props.batchSize ?? 20;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100) throw KitError.invalidProp(this, 'batchSize', batchSize, 'a whole number of records from 1 to 100');
    const maxConcurrency = props.maxConcurrency ?? 10;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 10000) throw KitError.invalidProp(this, 'maxConcurrency', maxConcurrency, 'a whole number from 1 to 10000');
    const tolerated = props.toleratedFailurePercentage ?? 0;
    if (tolerated < 0 || tolerated > 100) throw KitError.invalidProp(this, 'toleratedFailurePercentage', tolerated, 'a percentage from 0 to 100');
    if (props.packageDeployment !== undefined && (props.modelPackageGroupNames ?? []).length === 0) {
      throw KitError.invalidProp(this, 'packageDeployment', props.packageDeployment.hosting.instanceType, 'given with modelPackageGroupNames: without a group, no package may be hosted');
    }
    if (props.bedrockEvaluation !== undefined) checkBedrockEvaluation(this, 'bedrockEvaluation', props.bedrockEvaluation);
    if (candidateKinds(props).length === 0) {
      throw KitError.invalidProp(this, 'models', props.models.map((model) => model.kind), 'at least one model the executions may evaluate: a SageMaker endpoint, or a Bedrock model (which prompt templates are rendered for)');
    }
  }
}

/** The candidate kinds the worker can call with what it is granted. */
function candidateKinds(props: EvaluationPipelineProps): CandidateKind[] {
  const bedrock = props.models.some((model) => model.kind === 'bedrock');
  const endpoint = props.models.some((model) => model.kind === 'sagemaker-endpoint');
  return CANDIDATE_KINDS.filter(
    (kind) =>
      (kind === 'bedrock' && bedrock) ||
      (kind === 'prompt' && bedrock && props.prompts !== undefined) ||
      (kind === 'endpoint' && endpoint) ||
      (kind === 'model-package' && props.packageDeployment !== undefined && (props.modelPackageGroupNames ?? []).length > 0),
  );
}
