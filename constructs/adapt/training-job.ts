import { ArnFormat, Stack, type Duration, type Size } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcards, escapeRegExp } from '../../lib/compliance/wildcards';
import type { ModelWeights } from '../serve/inference-endpoint';
import type { TrainingCode } from './training-code';

/** Where the checkpoints of a run are kept, so a restarted spot job resumes. */
export const CHECKPOINT_LOCAL_PATH = '/opt/ml/checkpoints';
/** Training outputs, checkpoints and lineage records under the artifacts bucket. */
export const ARTIFACT_PREFIXES = { output: 'training/', checkpoints: 'checkpoints/', lineage: 'lineage/' } as const;

export interface TrainingJobTaskProps {
  /** Lower-case prefix of every job name, which scopes the permissions. */
  readonly jobPrefix: string;
  readonly image: { readonly account: string; readonly repository: string; readonly uri: string };
  readonly code: TrainingCode;
  readonly datasets: s3.IBucket;
  readonly artifacts: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  /** Base model files, read through the `model` channel; absent in pre-training. */
  readonly baseModel?: ModelWeights;
  /** Tokenizer files, read through the `tokenizer` channel in pre-training. */
  readonly tokenizer?: ModelWeights;
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly volumeSize: Size;
  /** Whether the volume can take a KMS key: instances with local NVMe storage refuse one. */
  readonly volumeKmsKey: boolean;
  readonly maxRuntime: Duration;
  /** Managed spot training waits up to this long in all (runtime included); absent: on-demand. */
  readonly maxWait?: Duration;
  readonly subnets: ec2.ISubnet[];
  readonly securityGroups: ec2.ISecurityGroup[];
}

/** What SageMaker does in the VPC on the job's behalf (SageMaker's documented VPC training permissions). */
const VPC_ACTIONS = [
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeVpcs',
  'ec2:DescribeDhcpOptions',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
  'ec2:CreateNetworkInterface',
  'ec2:CreateNetworkInterfacePermission',
  'ec2:DeleteNetworkInterface',
  'ec2:DeleteNetworkInterfacePermission',
];

const channel = (name: string, s3Uri: Record<string, string>) => ({
  ChannelName: name,
  DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated', ...s3Uri } },
});

/**
 * The SageMaker training job of a fine-tuning run, with the `.sync`
 * integration (Step Functions waits for the job), and the role the job runs
 * as. CDK's SageMakerCreateTrainingJob task cannot render managed spot
 * training, checkpoints or inter-container traffic encryption, so the state
 * is written out here, with the permissions Step Functions documents for it.
 *
 * The state reads `$.job.name`, `$.runId`, `$.validation.hyperparameters` and
 * `$.input.dataset.{trainKey,validationKey}` and writes `$.training`.
 */
export class TrainingJobTask extends Construct {
  /** The Task state, for a CustomState named as the workflow wants. */
  public readonly stateJson: Record<string, unknown>;
  /** The role SageMaker runs the job as. */
  public readonly role: iam.Role;
  private readonly jobPrefix: string;

  constructor(scope: Construct, id: string, props: TrainingJobTaskProps) {
    super(scope, id);
    this.jobPrefix = props.jobPrefix;
    this.role = this.createRole(props);
    const bucketUri = (bucket: s3.IBucket, key: string) => `s3://${bucket.bucketName}/${key}`;
    const channels = [
      channel('train', { 'S3Uri.$': `States.Format('s3://{}/{}', '${props.datasets.bucketName}', $.input.dataset.trainKey)` }),
      channel('validation', { 'S3Uri.$': `States.Format('s3://{}/{}', '${props.datasets.bucketName}', $.input.dataset.validationKey)` }),
      // With network isolation the container cannot fetch its code from S3 itself: it arrives as a channel (see sagemaker_submit_directory).
      channel('code', { S3Uri: props.code.asset.s3ObjectUrl }),
      ...(props.baseModel ? [channel('model', { S3Uri: bucketUri(props.baseModel.bucket, props.baseModel.key) })] : []),
      ...(props.tokenizer ? [channel('tokenizer', { S3Uri: bucketUri(props.tokenizer.bucket, props.tokenizer.key) })] : []),
    ];
    this.stateJson = {
        Type: 'Task',
        Resource: `arn:${Stack.of(this).partition}:states:::sagemaker:createTrainingJob.sync`,
        Parameters: {
          'TrainingJobName.$': '$.job.name',
          RoleArn: this.role.roleArn,
          AlgorithmSpecification: { TrainingImage: props.image.uri, TrainingInputMode: 'File' },
          'HyperParameters.$': '$.validation.hyperparameters',
          InputDataConfig: channels,
          // Uncompressed output: the deploy stage serves the S3 prefix as is, without unpacking a multi-GB archive.
          OutputDataConfig: { S3OutputPath: bucketUri(props.artifacts, ARTIFACT_PREFIXES.output), KmsKeyId: props.encryptionKey.keyArn, CompressionType: 'NONE' },
          ResourceConfig: {
            InstanceType: props.instanceType,
            InstanceCount: props.instanceCount,
            VolumeSizeInGB: props.volumeSize.toGibibytes(),
            ...(props.volumeKmsKey ? { VolumeKmsKeyId: props.encryptionKey.keyArn } : {}),
          },
          StoppingCondition: {
            MaxRuntimeInSeconds: props.maxRuntime.toSeconds(),
            ...(props.maxWait ? { MaxWaitTimeInSeconds: props.maxWait.toSeconds() } : {}),
          },
          EnableManagedSpotTraining: props.maxWait !== undefined,
          CheckpointConfig: {
            'S3Uri.$': `States.Format('s3://{}/${ARTIFACT_PREFIXES.checkpoints}{}/', '${props.artifacts.bucketName}', $.runId)`,
            LocalPath: CHECKPOINT_LOCAL_PATH,
          },
          EnableNetworkIsolation: true,
          EnableInterContainerTrafficEncryption: true,
          VpcConfig: { SecurityGroupIds: props.securityGroups.map((group) => group.securityGroupId), Subnets: props.subnets.map((subnet) => subnet.subnetId) },
        },
        ResultPath: '$.training',
    };
  }

  /** What the state machine's role needs to run the job and wait for it (Step Functions' documented policy for createTrainingJob.sync). */
  public grantStart(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    const jobs = stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${this.jobPrefix}-*` });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags', 'sagemaker:ListTags'], resources: [jobs] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.role.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule' })],
      }),
    );
  }

  /**
   * The job's role: read the two dataset splits' bucket, the base model and
   * the code; write outputs and checkpoints under their prefixes; logs and
   * metrics of training jobs; the VPC network interfaces. One managed policy,
   * each wildcard acknowledged with why.
   */
  private createRole(props: TrainingJobTaskProps): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'Role', {
      description: `Runs the training jobs of ${this.node.path}`,
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    });
    const policy = new iam.ManagedPolicy(this, 'Policy', { description: `Permissions of the training jobs of ${this.node.path}`, roles: [role] });
    const { datasets, artifacts, encryptionKey } = props;
    const readable: Array<[s3.IBucket, string]> = [[datasets, '*']];
    for (const weights of [props.baseModel, props.tokenizer]) if (weights) readable.push([weights.bucket, `${weights.key}*`]);
    for (const [bucket, pattern] of readable) {
      policy.addStatements(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(pattern)] }));
      policy.addStatements(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [pattern] } } }));
    }
    const { asset } = props.code;
    policy.addStatements(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] }),
      // The code channel is an S3Prefix channel: SageMaker lists the prefix (the object's own key) before it downloads.
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [asset.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [asset.s3ObjectKey] } } }),
    );
    const writable = [`${ARTIFACT_PREFIXES.output}*`, `${ARTIFACT_PREFIXES.checkpoints}*`];
    policy.addStatements(
      new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'], resources: writable.map((pattern) => artifacts.arnForObjects(pattern)) }),
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [artifacts.bucketArn], conditions: { StringLike: { 's3:prefix': writable } } }),
      new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: [encryptionKey.keyArn] }),
      new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: [encryptionKey.keyArn], conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }),
      new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [stack.formatArn({ service: 'ecr', account: props.image.account, resource: 'repository', resourceName: props.image.repository })],
      }),
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
      new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } } }),
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [
          stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/TrainingJobs', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/TrainingJobs:log-stream:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ],
      }),
      new iam.PolicyStatement({ actions: VPC_ACTIONS, resources: ['*'] }),
    );
    acknowledgeWildcards(policy.node.defaultChild as iam.CfnManagedPolicy, [
      { match: /Datasets[^/]*\/\*$/, reason: 'Dataset splits are named per run in the execution input, any key of the datasets bucket; the bucket holds training data only', actions: ['s3:GetObject'] },
      ...[props.baseModel, props.tokenizer].flatMap((weights) =>
        weights === undefined ? [] : [{ match: new RegExp(`/${escapeRegExp(weights.key)}\\*$`), reason: 'The base model (or tokenizer) is a folder of files under one staged prefix; the job reads all of them', actions: ['s3:GetObject'] }],
      ),
      { match: /\/(training|checkpoints)\/\*$/, reason: 'SageMaker names each output and checkpoint file itself, under the run\'s training/ and checkpoints/ prefixes', actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'] },
      {
        match: /^Resource::\*$/,
        reason: 'ecr:GetAuthorizationToken and cloudwatch:PutMetricData (narrowed by namespace) take no resource ARN; SageMaker creates and deletes the job\'s network interfaces, whose ids are unknown in advance, as its VPC training documentation grants',
        actions: ['ecr:GetAuthorizationToken', 'cloudwatch:PutMetricData', ...VPC_ACTIONS],
      },
      { match: /log-stream:\*$/, reason: 'SageMaker names one log stream per training host itself, in the /aws/sagemaker/TrainingJobs group', actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'] },
    ]);
    return role;
  }
}

