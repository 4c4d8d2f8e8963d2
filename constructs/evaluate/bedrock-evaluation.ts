import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeWildcards, escapeRegExp, type WildcardReason } from '../../lib/compliance/wildcards';
import type { Task } from '../../lib/config/tasks';
import { KitError } from '../../lib/errors';
import { acknowledgeGeneratedPolicy } from '../adapt/state-machine-policy';
import { INFERENCE_PROFILE_WILDCARD, type BedrockModel } from '../serve/bedrock-model';
import { BEDROCK_MAX_RECORDS, BEDROCK_TASK_TYPE_OF, BEDROCK_TASK_TYPES, bedrockMetricsProblem, type BedrockTaskType } from './bedrock-evaluation-limits';

/** A Bedrock model evaluation job on the run's own predictions, besides the kit's metrics. */
export interface BedrockEvaluationOptions {
  /**
   * The judge: a Bedrock model or inference profile that Bedrock model
   * evaluation supports as evaluator model in the region.
   */
  readonly evaluatorModel: BedrockModel;
  /**
   * Built-in metrics of a model-as-judge job, 1 to 10 of
   * `Builtin.Correctness`, `Builtin.Completeness`, `Builtin.Faithfulness`,
   * `Builtin.Helpfulness`, `Builtin.Coherence`, `Builtin.Relevance`,
   * `Builtin.FollowingInstructions`, `Builtin.ProfessionalStyleAndTone`,
   * `Builtin.Harmfulness`, `Builtin.Stereotyping`, `Builtin.Refusal`.
   */
  readonly metrics: readonly string[];
  /**
   * The job's task type.
   * @default - the task's: Summarization, QuestionAndAnswer, Classification, Generation (generation, chat), Custom (entity extraction)
   */
  readonly taskType?: BedrockTaskType;
  /**
   * How long a run waits for the job before it stops waiting, asks Bedrock to
   * stop the job and reports it as timed out. The verdict is published after
   * the job ends or this time passes (5 minutes to 5 days).
   * @default Duration.hours(12)
   */
  readonly timeout?: Duration;
}

export interface BedrockEvaluationProps extends BedrockEvaluationOptions {
  readonly task: Task;
  /** Holds the runs' datasets and the jobs' results under `evaluations/<run id>/bedrock/`. */
  readonly artifacts: s3.IBucket;
  /** Encrypts the artifacts; the jobs' own data too (their customerEncryptionKeyId). */
  readonly encryptionKey: kms.IKey;
  /** Where runs keep their files in the artifacts bucket (`evaluations/`): a run's job data is under `<runsPrefix><run id>/bedrock/`. */
  readonly runsPrefix: string;
}

/** Where a run keeps its job's dataset and results, under `evaluations/<run id>/`. */
export const BEDROCK_DATASET_FILE = 'bedrock/dataset.jsonl';
export const BEDROCK_OUTPUT_FOLDER = 'bedrock/output/';
/** How often a run asks Bedrock whether its job ended. */
export const BEDROCK_EVALUATION_POLL = Duration.minutes(5);
/** Jobs are named `<prefix><run id>` (lower case, 45 characters; the service allows `[a-z0-9](-*[a-z0-9]){0,62}`). */
export const BEDROCK_JOB_NAME_PREFIX = 'kit-eval-';
const DEFAULT_TIMEOUT = Duration.hours(12);
const MAX_TIMEOUT = Duration.days(5);

/** Throws when the options are not a job Bedrock accepts; `prop` names them in the message. */
export function checkBedrockEvaluation(scope: IConstruct, prop: string, options: BedrockEvaluationOptions): void {
  if (!options.metrics.some((metric) => Token.isUnresolved(metric))) {
    const problem = bedrockMetricsProblem(options.metrics);
    if (problem !== undefined) throw KitError.invalidProp(scope, `${prop}.metrics`, options.metrics, problem);
  }
  if (options.taskType !== undefined && !Token.isUnresolved(options.taskType) && !(BEDROCK_TASK_TYPES as readonly string[]).includes(options.taskType)) {
    throw KitError.invalidProp(scope, `${prop}.taskType`, options.taskType, BEDROCK_TASK_TYPES.join(' | '));
  }
  const timeout = options.timeout;
  if (timeout !== undefined && !timeout.isUnresolved() && (timeout.toSeconds() < BEDROCK_EVALUATION_POLL.toSeconds() || timeout.toSeconds() > MAX_TIMEOUT.toSeconds())) {
    throw KitError.invalidProp(scope, `${prop}.timeout`, timeout.toHumanString(), `from ${BEDROCK_EVALUATION_POLL.toHumanString()} to ${MAX_TIMEOUT.toHumanString()}: the run waits that long for the job, within the workflow's 7 days`);
  }
}

/**
 * What the Bedrock evaluation jobs of an evaluation pipeline share: their
 * service role, which Bedrock assumes only for evaluation jobs of this
 * account and region, reads only the runs' job datasets, writes only under
 * their output folders, uses the key only through S3 and invokes only the
 * evaluator model; and the key policy statement that lets Bedrock encrypt a
 * job's data with the environment key.
 */
export class BedrockEvaluation extends Construct {
  /** The role Bedrock runs the jobs as. */
  public readonly role: iam.Role;
  public readonly evaluatorModel: BedrockModel;
  public readonly metrics: readonly string[];
  public readonly taskType: BedrockTaskType;
  public readonly timeout: Duration;
  /** Polls of a job before the run stops waiting. */
  public readonly maxPolls: number;
  /** Records a job's dataset may hold: the service's limit. */
  public readonly maxRecords = BEDROCK_MAX_RECORDS;
  public readonly encryptionKey: kms.IKey;
  public readonly runsPrefix: string;
  /** Every evaluation job of the account and region: Bedrock names a job by an id it assigns. */
  public readonly jobArns: string;

  constructor(scope: Construct, id: string, props: BedrockEvaluationProps) {
    super(scope, id);
    checkBedrockEvaluation(this, 'props', props);
    const stack = Stack.of(this);
    this.evaluatorModel = props.evaluatorModel;
    this.metrics = props.metrics;
    this.taskType = props.taskType ?? BEDROCK_TASK_TYPE_OF[props.task];
    this.timeout = props.timeout ?? DEFAULT_TIMEOUT;
    this.maxPolls = Math.ceil(this.timeout.toSeconds() / BEDROCK_EVALUATION_POLL.toSeconds());
    this.encryptionKey = props.encryptionKey;
    this.runsPrefix = props.runsPrefix;
    this.jobArns = stack.formatArn({ service: 'bedrock', resource: 'evaluation-job', resourceName: '*' });

    this.role = new iam.Role(this, 'Role', {
      description: `Runs the Bedrock evaluation jobs of ${scope.node.path}`,
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnEquals: { 'aws:SourceArn': this.jobArns } } }),
    });
    this.grantJobData(props);
    props.evaluatorModel.grantInvoke(this.role);
    acknowledgeGeneratedPolicy(this.role, 'grantInvoke of the evaluator model');
    const invoke = this.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
    if (invoke !== undefined) acknowledgeWildcards(invoke as iam.CfnPolicy, [INFERENCE_PROFILE_WILDCARD]);
    this.allowBedrockToUseKey(props.encryptionKey);
  }

  /** ARNs a run's CreateEvaluationJob names: the job's, and the evaluator model's (Bedrock checks the models of the request too). */
  public createResources(): string[] {
    return [this.jobArns, ...this.evaluatorArns()];
  }

  /** What creating a job needs besides CreateEvaluationJob: passing the role to Bedrock, and describing the key. */
  public createStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.role.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } } }),
      // A statement of its own (a sid is never merged): merged into grantPublish's key statement it would widen that one's acknowledged wildcard.
      new iam.PolicyStatement({ sid: 'DescribeBedrockEvaluationKey', actions: ['kms:DescribeKey'], resources: [this.encryptionKey.keyArn] }),
    ];
  }

  /** Reasons for the wildcards of the workflow's own permissions on the jobs. */
  public wildcardReasons(): WildcardReason[] {
    return [
      {
        match: /:evaluation-job\/\*$/,
        actions: ['bedrock:CreateEvaluationJob', 'bedrock:GetEvaluationJob', 'bedrock:StopEvaluationJob'],
        reason: 'Bedrock names an evaluation job by an id it assigns when the run creates it (evaluation-job/<id>); the run reads and stops only the job it created',
      },
      {
        match: /:bedrock:\*::foundation-model\//,
        actions: ['bedrock:CreateEvaluationJob'],
        reason: 'the evaluator model is a cross-region inference profile, which routes to its one foundation model in any region of its geography; only that model is named',
      },
    ];
  }

  private evaluatorArns(): string[] {
    const model = this.evaluatorModel;
    return [model.modelArn, ...model.foundationModelArns.filter((arn) => arn !== model.modelArn)];
  }

  /**
   * The data of the jobs, as Bedrock documents it for model-as-judge jobs:
   * read the dataset, write the results (multipart), list and locate the
   * bucket; the key only through S3, where Bedrock also keeps its
   * temporary copy of the data. Bedrock may run the judge's calls as a
   * batch inference job of the evaluator model.
   */
  private grantJobData(props: BedrockEvaluationProps): void {
    const stack = Stack.of(this);
    const dataset = props.artifacts.arnForObjects(`${props.runsPrefix}*/${BEDROCK_DATASET_FILE}`);
    const output = props.artifacts.arnForObjects(`${props.runsPrefix}*/${BEDROCK_OUTPUT_FOLDER}*`);
    const runs = escapeRegExp(props.runsPrefix);
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Permissions of the Bedrock evaluation jobs of ${this.node.scope?.node.path}`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [dataset, output] }),
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [output] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.artifacts.bucketArn], conditions: { StringLike: { 's3:prefix': [`${props.runsPrefix}*/bedrock/*`] } } }),
        new iam.PolicyStatement({ actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], resources: [props.artifacts.bucketArn] }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [props.encryptionKey.keyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } } }),
        new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: [props.encryptionKey.keyArn] }),
        new iam.PolicyStatement({ actions: ['bedrock:CreateModelInvocationJob', 'bedrock:StopModelInvocationJob'], resources: this.evaluatorArns() }),
      ],
    });
    acknowledgeWildcards(policy.node.defaultChild as iam.CfnManagedPolicy, [
      { match: new RegExp(`/${runs}\\*/${escapeRegExp(BEDROCK_DATASET_FILE)}$`), actions: ['s3:GetObject'], reason: 'each run writes the dataset of its job to evaluations/<run id>/bedrock/dataset.jsonl; the job reads that file of a run and no other object' },
      {
        match: new RegExp(`/${runs}\\*/${escapeRegExp(BEDROCK_OUTPUT_FOLDER)}\\*$`),
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        reason: 'Bedrock writes the results of each run\'s job under evaluations/<run id>/bedrock/output/, in folders and files it names after the job',
      },
      {
        match: /:bedrock:\*::foundation-model\//,
        actions: ['bedrock:CreateModelInvocationJob', 'bedrock:StopModelInvocationJob'],
        reason: 'the evaluator model is a cross-region inference profile, which routes to its one foundation model in any region of its geography; only that model is named',
      },
    ]);
  }

  /**
   * The key policy statements Bedrock documents for jobs encrypted with a
   * customer managed key: Bedrock itself, for evaluation jobs of this
   * account and region only. An imported key's policy is not the kit's: a
   * warning says what to add.
   */
  private allowBedrockToUseKey(key: kms.IKey): void {
    const stack = Stack.of(this);
    const jobs = { 'aws:SourceArn': this.jobArns };
    const principals = [new iam.ServicePrincipal('bedrock.amazonaws.com')];
    const added = [
      new iam.PolicyStatement({
        sid: 'AllowBedrockEvaluationJobsOfThisAccount',
        principals,
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'kms:EncryptionContext:evaluationJobArn': this.jobArns, ...jobs } },
      }),
      new iam.PolicyStatement({
        sid: 'AllowBedrockEvaluationJobsToDescribeKey',
        principals,
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: jobs },
      }),
    ].map((statement) => key.addToResourcePolicy(statement, true).statementAdded);
    if (added.includes(false)) {
      Annotations.of(this).addWarningV2(
        'genai-kit:bedrockEvaluationKeyPolicy',
        'The encryption key is imported: allow bedrock.amazonaws.com kms:GenerateDataKey, kms:Decrypt and kms:DescribeKey for evaluation jobs of this account (aws:SourceArn evaluation-job/*) in its key policy, or the Bedrock evaluation jobs fail.',
      );
    }
  }
}
