import { Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcards, escapeRegExp, type WildcardReason } from '../../lib/compliance/wildcards';
import { HOSTING_WILDCARD_REASONS, hostingStatements, type ModelHosting } from '../serve/hosting';

/** How the evaluation stage hosts a model package for its run. */
export interface PackageDeploymentProps {
  /**
   * Instance, image, timeouts and storage of the temporary endpoint (an
   * InferenceEndpoint's `hosting`). The container environment is the package's own.
   */
  readonly hosting: ModelHosting;
  /** Where the packages' model files are (the fine-tuning pipeline's output): the temporary model's role reads them. */
  readonly modelData: { readonly bucket: s3.IBucket; readonly prefix: string };
}

export interface PackageEndpointsProps extends PackageDeploymentProps {
  /** Encrypts the model files, and the endpoint's volume on instances without local storage. */
  readonly encryptionKey: kms.IKey;
  readonly subnetIds: readonly string[];
  readonly securityGroups: readonly ec2.ISecurityGroup[];
}

/**
 * What the temporary endpoints of model-package runs share: a name prefix
 * of their own (which scopes every permission on them), and the execution
 * role of their models.
 */
export class PackageEndpoints extends Construct {
  /** Lower-case: SageMaker writes names into ARNs in lower case. Runs name their model, config and endpoint `<prefix>-<run id>`. */
  public readonly namePrefix: string;
  public readonly role: iam.Role;
  public readonly hosting: ModelHosting;
  public readonly subnetIds: readonly string[];
  public readonly securityGroupIds: readonly string[];
  /** The key of the endpoint's volume; absent on instances with local storage (SageMaker refuses one there). */
  public readonly volumeKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: PackageEndpointsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.namePrefix = `kit-eval-${this.node.addr.slice(0, 8)}`;
    this.hosting = props.hosting;
    this.subnetIds = props.subnetIds;
    this.securityGroupIds = props.securityGroups.map((group) => group.securityGroupId);
    this.volumeKey = props.hosting.localStorage ? undefined : props.encryptionKey;

    this.role = new iam.Role(this, 'ModelRole', {
      description: `Execution role of the temporary models of ${this.node.path}`,
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    });
    const files = `${props.modelData.prefix}*`;
    const policy = new iam.ManagedPolicy(this, 'ModelPolicy', {
      description: `Permissions of the temporary models of ${this.node.path}`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.modelData.bucket.arnForObjects(files)] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.modelData.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [files] } } }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.encryptionKey.keyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } } }),
        ...hostingStatements(this, { image: props.hosting.image, logGroups: [`/aws/sagemaker/Endpoints/${this.namePrefix}-*`], subnetIds: props.subnetIds, securityGroups: props.securityGroups }),
      ],
    });
    acknowledgeWildcards(policy.node.defaultChild as iam.CfnManagedPolicy, [
      { match: new RegExp(`/${escapeRegExp(files)}$`), actions: ['s3:GetObject'], reason: 'the files of the fine-tuned models, under the pipeline output prefix: a package points to one run\'s output, named per run' },
      HOSTING_WILDCARD_REASONS[0],
      {
        match: new RegExp(`:log-group:/aws/sagemaker/Endpoints/${escapeRegExp(this.namePrefix)}-\\*`),
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        reason: 'each run names its temporary endpoint <prefix>-<run id>, and SageMaker its log streams after the instances',
      },
      HOSTING_WILDCARD_REASONS[1],
    ]);
  }

  /** ARN pattern of the runs' models, endpoint configs or endpoints. */
  public arns(resource: 'model' | 'endpoint-config' | 'endpoint'): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource, resourceName: `${this.namePrefix}-*` });
  }

  /** Lets the grantee invoke the temporary endpoints (the evaluation worker). */
  public invokeStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({ actions: ['sagemaker:InvokeEndpoint'], resources: [this.arns('endpoint')] });
  }

  /** Reasons for the wildcards of the runs' own permissions (the workflow's and the worker's). */
  public wildcardReasons(): WildcardReason[] {
    const prefix = escapeRegExp(this.namePrefix);
    return [
      {
        match: new RegExp(`:(model|endpoint-config|endpoint)/${prefix}-\\*$`),
        actions: ['sagemaker:CreateModel', 'sagemaker:CreateEndpointConfig', 'sagemaker:CreateEndpoint', 'sagemaker:DescribeEndpoint', 'sagemaker:DeleteModel', 'sagemaker:DeleteEndpointConfig', 'sagemaker:DeleteEndpoint', 'sagemaker:AddTags', 'sagemaker:InvokeEndpoint'],
        reason: 'each run of a model package creates, uses and deletes a model, endpoint config and endpoint named <prefix>-<run id>; the prefix is this pipeline\'s own',
      },
    ];
  }
}
