import { Annotations, Duration, type RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { KitError } from '../../lib/errors';
import { acknowledgeGeneratedPolicy } from '../adapt/state-machine-policy';
import { handlerEntry } from '../kit-files';
import { PrivateFunction } from '../network/private-function';
import type { KnowledgeBase, KnowledgeBaseDocuments } from './knowledge-base';
import { MAX_BATCHING_WINDOW_SECONDS } from './limits';

/** How a knowledge base follows its documents. */
export interface DocumentIngestionOptions {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  /**
   * A full ingestion besides the one changes start (it also retries what a
   * busy moment left behind).
   * @default events.Schedule.rate(Duration.days(1))
   */
  readonly schedule?: events.Schedule;
  /**
   * How long changes are collected before one ingestion job starts for all
   * of them (at most 5 minutes).
   * @default Duration.minutes(5)
   */
  readonly batchingWindow?: Duration;
  /**
   * How long a request waits before it is tried again while a job of the
   * data source is still running.
   * @default Duration.minutes(15)
   */
  readonly retryInterval?: Duration;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

export interface DocumentIngestionProps extends DocumentIngestionOptions {
  readonly knowledgeBase: KnowledgeBase;
  readonly documents: KnowledgeBaseDocuments;
  /** Encrypts the queues and the function's log group. */
  readonly encryptionKey: kms.IKey;
  /** @default RemovalPolicy.RETAIN (the log group) */
  readonly removalPolicy?: RemovalPolicy;
}

/** Times a request is received before it goes to the dead-letter queue: with the default retry interval, four hours of running jobs. */
const MAX_RECEIVES = 16;

/**
 * Keeps a knowledge base in sync with its documents. The documents
 * bucket's EventBridge notifications of objects created or deleted under
 * the prefix, and a schedule, put requests on an encrypted SQS queue; a
 * Lambda in the private network reads them in batches (a burst of uploads
 * becomes one batch within the batching window) and starts one ingestion
 * job of the data source, unless one is still starting or running: then it
 * hands the whole batch back, and SQS delivers it again after the retry
 * interval. Requests that failed every time land in a dead-letter queue;
 * the next scheduled run ingests their documents anyway.
 *
 * The documents bucket must send its events to EventBridge
 * (`EventBridgeConfiguration` on the bucket): the construct turns this on
 * for a bucket it can reach, and warns for an imported one.
 */
export class DocumentIngestion extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly function: PrivateFunction;
  public readonly changeRule: events.Rule;
  public readonly scheduleRule: events.Rule;

  constructor(scope: Construct, id: string, props: DocumentIngestionProps) {
    super(scope, id);
    const batchingWindow = props.batchingWindow ?? Duration.minutes(5);
    if (!Token.isUnresolved(batchingWindow.toSeconds()) && batchingWindow.toSeconds() > MAX_BATCHING_WINDOW_SECONDS) {
      throw KitError.invalidProp(this, 'batchingWindow', `${batchingWindow.toSeconds()} seconds`, `at most ${MAX_BATCHING_WINDOW_SECONDS} seconds (Lambda's longest batching window)`);
    }
    const timeout = Duration.minutes(1);
    const retryInterval = props.retryInterval ?? Duration.minutes(15);
    if (retryInterval.toSeconds() < timeout.toSeconds()) {
      throw KitError.invalidProp(this, 'retryInterval', `${retryInterval.toSeconds()} seconds`, `at least the function's timeout (${timeout.toSeconds()} seconds)`);
    }
    const queueProps = { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey, enforceSSL: true };
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', { ...queueProps, retentionPeriod: Duration.days(14) });
    const dlqReason = 'This queue is the dead-letter queue of the ingestion requests; a queue for its own failures would only move them again';
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', dlqReason);
    this.queue = new sqs.Queue(this, 'Requests', {
      ...queueProps,
      visibilityTimeout: retryInterval,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVES },
    });

    this.function = new PrivateFunction(this, 'StartIngestion', {
      entry: handlerEntry('start-ingestion'),
      invocation: {
        deadLetterQueue: 'Invoked synchronously by the SQS event source; a batch it cannot handle returns to the queue, whose redrive policy moves it to the queue\'s own dead-letter queue',
        concurrency: 'Bounded by the event source mapping\'s maximum concurrency (2), and one ingestion job per data source runs at a time anyway',
      },
      description: `Starts an ingestion job of ${props.knowledgeBase.node.path} unless one is running`,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      encryptionKey: props.encryptionKey,
      timeout,
      memorySize: 256,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.function.function.addEnvironment('KNOWLEDGE_BASE_ID', props.knowledgeBase.knowledgeBaseId);
    this.function.function.addEnvironment('DATA_SOURCE_ID', props.knowledgeBase.dataSourceId);
    this.function.function.addEnvironment('POWERTOOLS_SERVICE_NAME', 'start-ingestion');
    props.knowledgeBase.grantStartIngestion(this.function);
    this.function.function.addEventSource(
      new sources.SqsEventSource(this.queue, { batchSize: 1000, maxBatchingWindow: batchingWindow, reportBatchItemFailures: true, maxConcurrency: 2 }),
    );
    acknowledgeGeneratedPolicy(this.function.role, 'queue it consumes and the knowledge base whose ingestion it starts');

    const { bucket, prefix } = props.documents;
    const cfnBucket = bucket.node.defaultChild;
    if (cfnBucket instanceof s3.CfnBucket) {
      const current = cfnBucket.notificationConfiguration as s3.CfnBucket.NotificationConfigurationProperty | undefined;
      cfnBucket.notificationConfiguration = { ...current, eventBridgeConfiguration: { eventBridgeEnabled: true } };
    } else {
      Annotations.of(this).addWarningV2('genai-kit:documentEvents', 'The documents bucket is imported: turn on its EventBridge notifications, or only the schedule starts ingestion.');
    }
    this.changeRule = new events.Rule(this, 'DocumentChanges', {
      description: `Documents created or deleted under ${prefix}: request an ingestion of ${props.knowledgeBase.node.path}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created', 'Object Deleted'],
        detail: { bucket: { name: [bucket.bucketName] }, object: { key: [{ prefix }] } },
      },
      targets: [new targets.SqsQueue(this.queue)],
    });
    this.scheduleRule = new events.Rule(this, 'Schedule', {
      description: `Scheduled ingestion of ${props.knowledgeBase.node.path}`,
      schedule: props.schedule ?? events.Schedule.rate(Duration.days(1)),
      targets: [new targets.SqsQueue(this.queue, { message: events.RuleTargetInput.fromObject({ reason: 'schedule' }) })],
    });
  }
}
