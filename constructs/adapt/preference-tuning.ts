import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { kitWorkflow } from '../workflow';
import { acknowledgeWildcards, escapeRegExp } from '../../lib/compliance/wildcards';
import { KitError } from '../../lib/errors';
import { handlerEntry } from '../kit-files';
import { PrivateFunction, WORKFLOW_TASK } from '../network/private-function';
import type { FineTuningPipeline } from './fine-tuning-pipeline';
import { acknowledgeGeneratedPolicy } from './state-machine-policy';

export interface PreferenceTuningProps {
  /** The fine-tuning pipeline that runs DPO; it must accept mode `dpo`. */
  readonly pipeline: FineTuningPipeline;
  /** Holds the feedback records (lib/align/feedback-record.ts), one JSON object per line. */
  readonly feedback: s3.IBucket;
  /** @default 'feedback/' */
  readonly feedbackPrefix?: string;
  /** Receives the preference datasets; must be the pipeline's datasets bucket. */
  readonly datasets: s3.IBucket;
  /** @default 'preference/' */
  readonly datasetPrefix?: string;
  /** New pairs (not in the previous dataset) that start a DPO run. */
  readonly minNewPairs: number;
  /** @default 0.1 */
  readonly validationFraction?: number;
  /** @default events.Schedule.rate(Duration.days(1)) */
  readonly schedule?: events.Schedule;
  readonly encryptionKey: kms.IKey;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN (log groups) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Align stage: on a schedule (or an execution started by hand), a
 * Lambda joins the feedback records into prompt / chosen / rejected pairs,
 * drops duplicates and contradicted pairs, writes a new versioned dataset
 * when enough new pairs exist, and the workflow then starts the fine-tuning
 * pipeline in DPO mode on it. Failures notify the pipeline's topic.
 */
export class PreferenceTuning extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly buildFunction: PrivateFunction;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: PreferenceTuningProps) {
    super(scope, id);
    if (!props.pipeline.modes.includes('dpo')) throw KitError.invalidProp(this, 'pipeline', props.pipeline.node.path, `a pipeline that runs mode dpo (this one runs ${props.pipeline.modes.join(', ')})`);
    if (!Number.isInteger(props.minNewPairs) || props.minNewPairs < 1) throw KitError.invalidProp(this, 'minNewPairs', props.minNewPairs, 'a whole number of pairs >= 1');
    const fraction = props.validationFraction;
    if (fraction !== undefined && !(fraction > 0 && fraction < 0.5)) throw KitError.invalidProp(this, 'validationFraction', fraction, 'a fraction above 0 and below 0.5');
    const feedbackPrefix = props.feedbackPrefix ?? 'feedback/';
    const datasetPrefix = props.datasetPrefix ?? 'preference/';
    for (const [name, prefix] of [['feedbackPrefix', feedbackPrefix], ['datasetPrefix', datasetPrefix]] as const) {
      if (!/^[\w!.'()-]+(\/[\w!.'()-]+)*\/$/.test(prefix)) throw KitError.invalidProp(this, name, prefix, 'a key prefix ending with "/", such as feedback/');
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.buildFunction = new PrivateFunction(this, 'BuildDataset', {
      entry: handlerEntry('build-preferences'),
      invocation: WORKFLOW_TASK,
      description: `Turns feedback into preference datasets for ${props.pipeline.node.path}`,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      encryptionKey: props.encryptionKey,
      timeout: Duration.minutes(15),
      memorySize: 2048,
      logRetention: props.logRetention,
      removalPolicy,
    });
    this.grantBuilder(props, feedbackPrefix, datasetPrefix);

    const failed = new sfn.Fail(this, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const notifyFailure = new tasks.SnsPublish(this, 'NotifyFailure', {
      topic: props.pipeline.topic,
      subject: 'Preference dataset build failed',
      message: sfn.TaskInput.fromJsonPathAt("States.Format('Preference dataset build failed: {}: {}', $.error.Error, $.error.Cause)"),
      resultPath: sfn.JsonPath.DISCARD,
    })
      .addRetry({ errors: ['SNS.ThrottledException', 'SNS.InternalErrorException'], interval: Duration.seconds(10), backoffRate: 2, maxAttempts: 5 })
      .next(failed);
    const build = new tasks.LambdaInvoke(this, 'Build', {
      lambdaFunction: this.buildFunction.function,
      payload: sfn.TaskInput.fromObject({
        feedbackBucket: props.feedback.bucketName,
        feedbackPrefix,
        datasetsBucket: props.datasets.bucketName,
        datasetPrefix,
        minNewPairs: props.minNewPairs,
        ...(fraction !== undefined ? { validationFraction: fraction } : {}),
      }),
      payloadResponseOnly: true,
      resultPath: '$.dataset',
      retryOnServiceExceptions: true,
    }).addCatch(notifyFailure, { resultPath: '$.error', errors: [sfn.Errors.ALL] });
    const startRun = new tasks.StepFunctionsStartExecution(this, 'StartDpoRun', {
      stateMachine: props.pipeline.stateMachine,
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      input: sfn.TaskInput.fromObject({
        mode: 'dpo',
        dataset: { 'trainKey.$': '$.dataset.trainKey', 'validationKey.$': '$.dataset.validationKey' },
      }),
      resultSelector: { 'executionArn.$': '$.ExecutionArn' },
      resultPath: '$.run',
    })
      .addRetry({ errors: ['StepFunctions.ExecutionLimitExceededException', 'StepFunctions.SfnException'], interval: Duration.seconds(10), backoffRate: 2, maxAttempts: 5 })
      .addCatch(notifyFailure, { resultPath: '$.error', errors: [sfn.Errors.ALL] });
    const enough = new sfn.Choice(this, 'EnoughNewPairs')
      .when(sfn.Condition.booleanEquals('$.dataset.ready', true), startRun.next(new sfn.Succeed(this, 'RunStarted')))
      .otherwise(new sfn.Succeed(this, 'NotEnoughNewPairs', { comment: 'Fewer new pairs than minNewPairs: nothing written, no run' }));

    this.stateMachine = kitWorkflow(this, {
      comment: `Builds preference datasets and starts DPO runs of ${props.pipeline.node.path}`,
      definition: build.next(enough),
      timeout: Duration.hours(1),
      encryptionKey: props.encryptionKey,
      topic: props.pipeline.topic,
      what: 'Preference dataset build',
      logRetention: props.logRetention,
      removalPolicy,
    });
    this.rule = new events.Rule(this, 'Schedule', {
      description: `Builds the preference dataset of ${props.pipeline.node.path}`,
      schedule: props.schedule ?? events.Schedule.rate(Duration.days(1)),
      targets: [new targets.SfnStateMachine(this.stateMachine, { input: events.RuleTargetInput.fromObject({ trigger: 'schedule' }) })],
    });
    acknowledgeGeneratedPolicy(this.stateMachine.node.tryFindChild('EventsRole'), 'schedule target (states:StartExecution of this workflow)');
  }

  /**
   * Read the feedback prefix, read the previous manifest, write new datasets
   * under the dataset prefix. ListBucket is narrowed to the two prefixes; the
   * builder lists the manifest's key before reading it, so a first run sees
   * no manifest rather than an AccessDenied.
   */
  private grantBuilder(props: PreferenceTuningProps, feedbackPrefix: string, datasetPrefix: string): void {
    const policy = new iam.ManagedPolicy(this, 'BuildPolicy', {
      description: `Data access of ${this.buildFunction.node.path}`,
      roles: [this.buildFunction.role],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.feedback.bucketArn], conditions: { StringLike: { 's3:prefix': [`${feedbackPrefix}*`] } } }),
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.feedback.arnForObjects(`${feedbackPrefix}*`)] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.datasets.bucketArn], conditions: { StringLike: { 's3:prefix': [`${datasetPrefix}*`] } } }),
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [props.datasets.arnForObjects(`${datasetPrefix}*`)] }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [props.encryptionKey.keyArn] }),
      ],
    });
    acknowledgeWildcards(policy.node.defaultChild as iam.CfnManagedPolicy, [
      { match: new RegExp(`/${escapeRegExp(feedbackPrefix)}\\*$`), reason: 'Feedback arrives as many objects written by the feedback API under one prefix; the builder reads them all', actions: ['s3:GetObject'] },
      { match: new RegExp(`/${escapeRegExp(datasetPrefix)}\\*$`), reason: 'Each dataset is a new folder named by the builder (and its manifest), under the preference prefix only', actions: ['s3:GetObject', 's3:PutObject'] },
    ]);
  }
}
