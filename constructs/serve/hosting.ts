import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { WildcardReason } from '../../lib/compliance/wildcards';

/**
 * How a model is hosted on a SageMaker real-time endpoint: what another
 * endpoint serving a model of the same shape needs (the evaluation stage
 * deploys a model package with it, on a temporary endpoint).
 */
export interface ModelHosting {
  readonly instanceType: string;
  /** The serving image (Deep Learning Container) and where it lives. */
  readonly image: { readonly account: string; readonly repository: string; readonly uri: string };
  /** The server's container environment (model directory, tensor parallel degree, sequence length, batch). */
  readonly environment: Readonly<Record<string, string>>;
  readonly modelDataDownloadTimeoutInSeconds: number;
  readonly containerStartupHealthCheckTimeoutInSeconds: number;
  /**
   * Instances with local NVMe storage encrypt it in hardware: SageMaker
   * refuses a KmsKeyId and a volume size for them.
   */
  readonly localStorage: boolean;
  /** Size of the storage volume (instances without local storage). */
  readonly volumeSizeInGb?: number;
}

/** What hosting needs besides the model files: the image, logs, metrics and the private network. */
export interface HostingPermissions {
  readonly image: { readonly account: string; readonly repository: string };
  /** Log groups SageMaker writes the endpoint's logs to, `/aws/sagemaker/Endpoints/<name>`; a name may end with `*`. */
  readonly logGroups: readonly string[];
  readonly subnetIds: readonly string[];
  readonly securityGroups: readonly ec2.ISecurityGroup[];
}

/** The ec2:Describe* calls SageMaker makes to attach an endpoint to a VPC. */
export const EC2_DESCRIBE = ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'];

/**
 * The statements of an endpoint's execution role beyond its model files:
 * pull the image, write its logs and metrics, and place its network
 * interfaces in the given subnets and security groups.
 */
export function hostingStatements(scope: Construct, props: HostingPermissions): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const logGroupArn = (name: string) => stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const ec2Arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'ec2', resource, resourceName });
  return [
    new iam.PolicyStatement({
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      resources: [stack.formatArn({ service: 'ecr', account: props.image.account, resource: 'repository', resourceName: props.image.repository })],
    }),
    new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    new iam.PolicyStatement({ actions: ['logs:CreateLogGroup'], resources: props.logGroups.map(logGroupArn) }),
    new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: props.logGroups.map((name) => `${logGroupArn(name)}:*`) }),
    new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': ['/aws/sagemaker/Endpoints', '/aws/sagemaker/InferenceComponents'] } },
    }),
    new iam.PolicyStatement({ actions: [...EC2_DESCRIBE], resources: ['*'] }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface'],
      resources: [ec2Arn('network-interface', '*'), ...props.subnetIds.map((id) => ec2Arn('subnet', id)), ...props.securityGroups.map((group) => ec2Arn('security-group', group.securityGroupId))],
    }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
      resources: [ec2Arn('network-interface', '*')],
    }),
  ];
}

/** Why hostingStatements needs its wildcards (the log streams' reason depends on the endpoint, so it is the caller's). */
export const HOSTING_WILDCARD_REASONS: readonly WildcardReason[] = [
  {
    match: /^Resource::\*$/,
    actions: ['ecr:GetAuthorizationToken', 'cloudwatch:PutMetricData', ...EC2_DESCRIBE],
    reason: 'ecr:GetAuthorizationToken, the ec2:Describe* calls of VPC endpoints and cloudwatch:PutMetricData (limited by namespace) have no resource-level permissions',
  },
  {
    match: /:network-interface\/\*$/,
    actions: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
    reason: 'SageMaker creates the network interfaces of the endpoint in its subnets and security groups; their ids are generated',
  },
];
