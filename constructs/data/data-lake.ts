import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeEach } from '../../lib/compliance/acknowledge';
import { KitError } from '../../lib/errors';
import { retentionProblems, type BucketRetention } from './retention';

/** The bucket classes of the data lake. */
export const BUCKET_CLASSES = ['raw', 'datasets', 'artifacts', 'feedback', 'accessLogs'] as const;
export type BucketClass = (typeof BUCKET_CLASSES)[number];

/** Prefixes of the datasets bucket, one per split. */
export const DATASET_SPLITS = ['train', 'validation', 'evaluation'] as const;
export type DatasetSplit = (typeof DATASET_SPLITS)[number];

/** Retention of a bucket class that the props leave out: noncurrent versions kept 90 days, nothing archived or expired. */
export const DEFAULT_RETENTION: BucketRetention = { noncurrentVersionExpirationDays: 90 };

/** Incomplete multipart uploads are aborted after this many days in every bucket. */
const ABORT_INCOMPLETE_UPLOADS_DAYS = 7;

export interface DataLakeProps {
  /**
   * Key that encrypts every bucket but the access-log bucket (S3 server access
   * logging delivers only to SSE-S3 buckets).
   * @default - a new customer-managed key with yearly rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Lifecycle of each bucket class.
   * @default - DEFAULT_RETENTION for every class
   */
  readonly retention?: Partial<Record<BucketClass, BucketRetention>>;
  /**
   * What happens to the buckets and the key when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Empty the buckets when they are deleted; only with `RemovalPolicy.DESTROY`.
   * @default false
   */
  readonly autoDeleteObjects?: boolean;
}

/**
 * The kit's data lake: raw data, datasets (train / validation / evaluation
 * prefixes), model artifacts and user feedback, each in a versioned,
 * KMS-encrypted, TLS-only, private bucket whose access is logged to a
 * fifth bucket. Later stages get access through the grant methods.
 */
export class DataLake extends Construct {
  /** The customer-managed key of the data lake. */
  public readonly key: kms.IKey;
  public readonly rawBucket: s3.IBucket;
  public readonly datasetsBucket: s3.IBucket;
  public readonly artifactsBucket: s3.IBucket;
  public readonly feedbackBucket: s3.IBucket;
  /** Receives the server access logs of the other four buckets. */
  public readonly accessLogsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: DataLakeProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const autoDeleteObjects = props.autoDeleteObjects ?? false;
    if (autoDeleteObjects && removalPolicy !== RemovalPolicy.DESTROY) {
      throw KitError.invalidProp(this, 'autoDeleteObjects', autoDeleteObjects, `false unless removalPolicy is DESTROY (received ${removalPolicy})`);
    }
    for (const [bucketClass, retention] of Object.entries(props.retention ?? {})) {
      if (!(BUCKET_CLASSES as readonly string[]).includes(bucketClass)) {
        throw KitError.invalidProp(this, 'retention', bucketClass, `the bucket classes ${BUCKET_CLASSES.join(', ')}`);
      }
      const problem = retentionProblems(retention)[0];
      if (problem !== undefined) {
        throw KitError.invalidProp(this, `retention.${bucketClass}.${problem.field}`, problem.received, problem.allowed);
      }
    }

    this.key =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: `Encrypts the data lake of ${this.node.path}`,
        enableKeyRotation: true,
        removalPolicy,
        pendingWindow: Duration.days(30),
      });

    const retentionOf = (bucketClass: BucketClass) => props.retention?.[bucketClass] ?? DEFAULT_RETENTION;
    const common: s3.BucketProps = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy,
      autoDeleteObjects,
    };

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: lifecycleRules(retentionOf('accessLogs')),
    });
    this.accessLogsBucket = accessLogs;
    acknowledge(accessLogs, 'AwsSolutions-S1', 'This bucket is the server access log target; logging it to itself would log its own log deliveries');
    acknowledge(accessLogs, 'NIST.800.53.R5-S3BucketLoggingEnabled', 'This bucket is the server access log target; logging it to itself would log its own log deliveries');
    acknowledge(accessLogs, 'HIPAA.Security-S3BucketLoggingEnabled', 'This bucket is the server access log target; logging it to itself would log its own log deliveries');
    acknowledge(accessLogs, 'NIST.800.53.R5-S3DefaultEncryptionKMS', 'S3 server access logging delivers only to buckets with SSE-S3 default encryption; the logs hold request metadata, not data');
    acknowledge(accessLogs, 'HIPAA.Security-S3DefaultEncryptionKMS', 'S3 server access logging delivers only to buckets with SSE-S3 default encryption; the logs hold request metadata, not data');

    const dataBucket = (id: string, bucketClass: Exclude<BucketClass, 'accessLogs'>) => {
      const bucket = new s3.Bucket(this, id, {
        ...common,
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.key,
        bucketKeyEnabled: true,
        lifecycleRules: lifecycleRules(retentionOf(bucketClass)),
      });
      logAccessTo(bucket, accessLogs, `${bucketClass}/`);
      return bucket;
    };
    this.rawBucket = dataBucket('Raw', 'raw');
    this.datasetsBucket = dataBucket('Datasets', 'datasets');
    this.artifactsBucket = dataBucket('Artifacts', 'artifacts');
    this.feedbackBucket = dataBucket('Feedback', 'feedback');

    const all = [this.rawBucket, this.datasetsBucket, this.artifactsBucket, this.feedbackBucket, accessLogs];
    const replication =
      'The data lake is regional by design (models, images and prices are regional); versioning with noncurrent-version retention protects against loss instead of cross-region replication';
    acknowledgeEach(all, 'NIST.800.53.R5-S3BucketReplicationEnabled', replication);
    acknowledgeEach(all, 'HIPAA.Security-S3BucketReplicationEnabled', replication);
  }

  /** Read raw data. */
  public grantReadRaw(grantee: iam.IGrantable): iam.Grant {
    return this.rawBucket.grantRead(grantee);
  }

  /** Write raw data (no delete). */
  public grantWriteRaw(grantee: iam.IGrantable): iam.Grant {
    return this.rawBucket.grantPut(grantee);
  }

  /** Read datasets: one split's prefix, or every split when none is given. */
  public grantReadDatasets(grantee: iam.IGrantable, split?: DatasetSplit): iam.Grant {
    return this.datasetsBucket.grantRead(grantee, this.splitPattern(split));
  }

  /** Write datasets (no delete): one split's prefix, or every split when none is given. */
  public grantWriteDatasets(grantee: iam.IGrantable, split?: DatasetSplit): iam.Grant {
    return this.datasetsBucket.grantPut(grantee, this.splitPattern(split));
  }

  /** Read model artifacts, optionally under one prefix (`models/my-model/`). */
  public grantReadArtifacts(grantee: iam.IGrantable, prefix?: string): iam.Grant {
    return this.artifactsBucket.grantRead(grantee, this.prefixPattern('prefix', prefix));
  }

  /** Write model artifacts (no delete), optionally under one prefix. */
  public grantWriteArtifacts(grantee: iam.IGrantable, prefix?: string): iam.Grant {
    return this.artifactsBucket.grantPut(grantee, this.prefixPattern('prefix', prefix));
  }

  /** Read user feedback. */
  public grantReadFeedback(grantee: iam.IGrantable): iam.Grant {
    return this.feedbackBucket.grantRead(grantee);
  }

  /** Write user feedback (no read, no delete). */
  public grantWriteFeedback(grantee: iam.IGrantable): iam.Grant {
    return this.feedbackBucket.grantPut(grantee);
  }

  /** S3 URI of one dataset split, e.g. `s3://bucket/train/`. */
  public datasetUri(split: DatasetSplit): string {
    return this.datasetsBucket.s3UrlForObject(`${split}/`);
  }

  private splitPattern(split: DatasetSplit | undefined): string {
    if (split === undefined) return '*';
    if (!(DATASET_SPLITS as readonly string[]).includes(split)) {
      throw KitError.invalidProp(this, 'split', split, DATASET_SPLITS.join(' | '));
    }
    return `${split}/*`;
  }

  private prefixPattern(prop: string, prefix: string | undefined): string {
    if (prefix === undefined || Token.isUnresolved(prefix)) return prefix === undefined ? '*' : `${prefix}*`;
    if (!/^[\w!.'()-]+(\/[\w!.'()-]+)*\/$/.test(prefix)) {
      throw KitError.invalidProp(this, prop, prefix, `a key prefix of letters, digits and ! - _ . ' ( ) ending with "/", such as models/my-model/`);
    }
    return `${prefix}*`;
  }
}

function lifecycleRules(retention: BucketRetention): s3.LifecycleRule[] {
  return [
    {
      id: 'retention',
      abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOADS_DAYS),
      noncurrentVersionExpiration: Duration.days(retention.noncurrentVersionExpirationDays),
      expiration: retention.expirationDays === undefined ? undefined : Duration.days(retention.expirationDays),
      transitions: (retention.transitions ?? []).map((transition) => ({
        storageClass: new s3.StorageClass(transition.storageClass),
        transitionAfter: Duration.days(transition.afterDays),
      })),
    },
  ];
}

/**
 * Server access logging of `bucket` into `target` under `prefix`, granted by
 * a bucket policy statement for the S3 logging service scoped to the source
 * bucket and account. Done here rather than with the Bucket's
 * `serverAccessLogsBucket` prop, whose grant (ACL or policy) depends on the
 * consuming app's feature flags.
 */
function logAccessTo(bucket: s3.Bucket, target: s3.Bucket, prefix: string): void {
  target.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: `ServerAccessLogsFrom${prefix.replace(/\W/g, '')}`,
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [target.arnForObjects(`${prefix}*`)],
      conditions: {
        ArnLike: { 'aws:SourceArn': bucket.bucketArn },
        StringEquals: { 'aws:SourceAccount': Stack.of(bucket).account },
      },
    }),
  );
  (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: target.bucketName, logFilePrefix: prefix };
}
