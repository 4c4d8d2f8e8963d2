import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcards, escapeRegExp } from '../../lib/compliance/wildcards';
import { KitError } from '../../lib/errors';
import { handlerEntry } from '../kit-files';
import { API_ROUTE, PrivateFunction } from '../network/private-function';
import { functionOptionsOf, type AugmentFunctionOptions } from './answer-model';

export interface FeedbackFunctionProps extends AugmentFunctionOptions {
  /** The data lake's feedback bucket, encrypted with `encryptionKey`. */
  readonly bucket: s3.IBucket;
  /**
   * Where feedback records go; the API's are written under `<prefix>api/`.
   * @default 'feedback/' (what the align stage reads)
   */
  readonly prefix?: string;
}

/**
 * The feedback Lambda (lambda/feedback, POST /feedback): writes each rating
 * or preference pair as one record of the shared feedback format to
 * `<prefix>api/<request id>.jsonl`, only if that object does not exist yet
 * (PutObject with If-None-Match), so a retried request is stored once. Its
 * role may put objects under `<prefix>api/` only (no read, no delete), with
 * the bucket's key through S3 only.
 */
export class FeedbackFunction extends Construct implements iam.IGrantable {
  public readonly function: PrivateFunction;
  public readonly grantPrincipal: iam.IPrincipal;
  /** The prefix the records are written under: `<prefix>api/`. */
  public readonly recordsPrefix: string;

  constructor(scope: Construct, id: string, props: FeedbackFunctionProps) {
    super(scope, id);
    const prefix = props.prefix ?? 'feedback/';
    if (!/^[\w!.'()-]+(\/[\w!.'()-]+)*\/$/.test(prefix)) throw KitError.invalidProp(this, 'prefix', prefix, 'a key prefix ending with "/", such as feedback/');
    this.recordsPrefix = `${prefix}api/`;
    this.function = new PrivateFunction(this, 'Function', {
      ...functionOptionsOf(props),
      entry: handlerEntry('feedback'),
      invocation: API_ROUTE,
      description: `Stores ratings and preference pairs under ${this.recordsPrefix} (POST /feedback)`,
      timeout: Duration.seconds(10),
      memorySize: 256,
    });
    this.grantPrincipal = this.function.grantPrincipal;
    this.function.function.addEnvironment('FEEDBACK_BUCKET', props.bucket.bucketName);
    this.function.function.addEnvironment('FEEDBACK_PREFIX', prefix);
    this.function.function.addEnvironment('POWERTOOLS_SERVICE_NAME', 'feedback');

    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Feedback writes of ${this.node.path}`,
      roles: [this.function.role],
      statements: [
        new iam.PolicyStatement({ sid: 'PutFeedback', actions: ['s3:PutObject'], resources: [props.bucket.arnForObjects(`${this.recordsPrefix}*`)] }),
        new iam.PolicyStatement({
          sid: 'EncryptThroughS3',
          actions: ['kms:GenerateDataKey'],
          resources: [props.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.${Aws.URL_SUFFIX}` } },
        }),
      ],
    });
    acknowledgeWildcards(policy.node.defaultChild as iam.CfnManagedPolicy, [
      { match: new RegExp(`/${escapeRegExp(this.recordsPrefix)}\\*$`), reason: `Each request writes one record named after its request id under ${this.recordsPrefix}`, actions: ['s3:PutObject'] },
    ]);
  }
}
