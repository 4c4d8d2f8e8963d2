import { Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../../lib/compliance/wildcards';
import { ARTIFACT_PREFIXES } from './training-job';

const DESCRIBE_ACTIONS = ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'];

export interface BedrockCustomizationTaskProps {
  /** Foundation model to fine-tune, such as `amazon.nova-micro-v1:0:128k`. */
  readonly baseModelId: string;
  readonly datasets: s3.IBucket;
  readonly artifacts: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  readonly subnets: ec2.ISubnet[];
  readonly securityGroups: ec2.ISecurityGroup[];
}

/**
 * Bedrock model customization (fine-tuning) of a run, waiting for the job
 * with the `.sync` integration Step Functions offers for
 * CreateModelCustomizationJob. CDK's BedrockCreateModelCustomizationJob task
 * renders the Resource without `.sync` even when asked to run the job (it
 * would return as soon as the job is created), so the state is written out
 * here.
 *
 * The state reads `$.job.name`, `$.validation.hyperparameters` and
 * `$.input.dataset.{trainKey,validationKey}` and writes `$.training`.
 */
export class BedrockCustomizationTask extends Construct {
  /** The Task state, for a CustomState named as the workflow wants. */
  public readonly stateJson: Record<string, unknown>;
  /** The role Bedrock runs the job as. */
  public readonly role: iam.Role;
  public readonly baseModelArn: string;
  /** Every customization job of the account and region: Bedrock assigns a job's id, unknown before it starts. */
  private readonly jobArns: string;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: BedrockCustomizationTaskProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.baseModelArn = stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: props.baseModelId });
    this.jobArns = stack.formatArn({ service: 'bedrock', resource: 'model-customization-job', resourceName: '*' });
    this.encryptionKey = props.encryptionKey;
    this.role = this.createRole(props);
    const datasetUri = (field: string) => `States.Format('s3://{}/{}', '${props.datasets.bucketName}', $.input.dataset.${field})`;
    this.stateJson = {
        Type: 'Task',
        Resource: `arn:${stack.partition}:states:::bedrock:createModelCustomizationJob.sync`,
        Parameters: {
          BaseModelIdentifier: this.baseModelArn,
          CustomizationType: 'FINE_TUNING',
          'JobName.$': '$.job.name',
          'CustomModelName.$': '$.job.name',
          CustomModelKmsKeyId: props.encryptionKey.keyArn,
          RoleArn: this.role.roleArn,
          'HyperParameters.$': '$.validation.hyperparameters',
          TrainingDataConfig: { 'S3Uri.$': datasetUri('trainKey') },
          ValidationDataConfig: { Validators: [{ 'S3Uri.$': datasetUri('validationKey') }] },
          OutputDataConfig: { S3Uri: `s3://${props.artifacts.bucketName}/${ARTIFACT_PREFIXES.output}` },
          VpcConfig: { SecurityGroupIds: props.securityGroups.map((group) => group.securityGroupId), SubnetIds: props.subnets.map((subnet) => subnet.subnetId) },
        },
        ResultPath: '$.training',
    };
  }

  /**
   * What the state machine's role needs to start the job, wait for it and
   * have Bedrock encrypt the custom model with the key. Bedrock custom model
   * and job ARNs carry ids it assigns, not the names a run gives, so they
   * cannot be narrowed to this pipeline's.
   */
  public grantStart(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    const models = stack.formatArn({ service: 'bedrock', resource: 'custom-model', resourceName: '*' });
    const principal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:CreateModelCustomizationJob'], resources: [this.baseModelArn, this.jobArns, models] }));
    principal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:GetModelCustomizationJob', 'bedrock:StopModelCustomizationJob'], resources: [this.jobArns] }));
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.role.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } } }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `bedrock.${stack.region}.amazonaws.com` } },
      }),
    );
  }

  /**
   * The job's role, as Bedrock documents it for customization in a VPC: read
   * the datasets, write under the output prefix, use the key, and manage the
   * network interfaces it tags as its own.
   */
  private createRole(props: BedrockCustomizationTaskProps): iam.Role {
    const stack = Stack.of(this);
    const jobArns = this.jobArns;
    const role = new iam.Role(this, 'Role', {
      description: `Runs the Bedrock customization jobs of ${this.node.path}`,
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnEquals: { 'aws:SourceArn': jobArns } } }),
    });
    const policy = new iam.ManagedPolicy(this, 'Policy', { description: `Permissions of the Bedrock customization jobs of ${this.node.path}`, roles: [role] });
    const subnetArns = props.subnets.map((subnet) => stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: subnet.subnetId }));
    const eniArns = stack.formatArn({ service: 'ec2', resource: 'network-interface', resourceName: '*' });
    policy.addStatements(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.datasets.arnForObjects('*')] }),
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.datasets.bucketArn] }),
      new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [props.artifacts.arnForObjects(`${ARTIFACT_PREFIXES.output}*`)] }),
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.artifacts.bucketArn], conditions: { StringLike: { 's3:prefix': [`${ARTIFACT_PREFIXES.output}*`] } } }),
      new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: [props.encryptionKey.keyArn] }),
      new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: [props.encryptionKey.keyArn], conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }),
      new iam.PolicyStatement({ actions: DESCRIBE_ACTIONS, resources: ['*'] }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [eniArns],
        conditions: { StringEquals: { 'aws:RequestTag/BedrockManaged': ['true'] }, ArnEquals: { 'aws:RequestTag/BedrockModelCustomizationJobArn': [jobArns] } },
      }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [
          ...props.securityGroups.map((group) => stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: group.securityGroupId })),
          ...subnetArns,
        ],
      }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
        resources: ['*'],
        conditions: { ArnEquals: { 'ec2:Subnet': subnetArns, 'ec2:ResourceTag/BedrockModelCustomizationJobArn': [jobArns] }, StringEquals: { 'ec2:ResourceTag/BedrockManaged': 'true' } },
      }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateTags'],
        resources: [eniArns],
        conditions: { StringEquals: { 'ec2:CreateAction': ['CreateNetworkInterface'] }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['BedrockManaged', 'BedrockModelCustomizationJobArn'] } },
      }),
    );
    acknowledgeWildcards(policy.node.defaultChild as iam.CfnManagedPolicy, [
      { match: /^Resource::<[^>]*Arn>\/\*$/, reason: 'Dataset splits are named per run in the execution input, any key of the datasets bucket; the bucket holds training data only', actions: ['s3:GetObject'] },
      { match: /\/training\/\*$/, reason: 'Bedrock names its output files itself, under the training/ prefix of the artifacts bucket', actions: ['s3:PutObject', 's3:GetObject'] },
      { match: /network-interface\/\*$/, reason: 'Bedrock creates the job\'s network interfaces before their ids exist; the statements require its BedrockManaged and job tags', actions: ['ec2:CreateNetworkInterface', 'ec2:CreateTags'] },
      {
        match: /^Resource::\*$/,
        reason: 'EC2 describe calls take no resource ARN; interface permission and deletion are narrowed to this network\'s subnets and Bedrock-tagged interfaces by condition',
        actions: [...DESCRIBE_ACTIONS, 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
      },
    ]);
    return role;
  }
}
