import { Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { KitError } from '../../lib/errors';
import { MAX_AZS_RANGE, VPC_CIDR_PATTERN } from './limits';
import { workloadSecurityGroup } from './security-group';
import { allowCloudWatchLogs } from '../data/log-encryption';

export interface PrivateNetworkProps {
  /**
   * The platform team's existing VPC. When given, the construct creates no
   * network resources: only security groups for the workloads of later stages.
   * @default - a new VPC with isolated subnets only
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets the workloads of later stages run in.
   * @default - the VPC's isolated subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * IPv4 range of a new VPC.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * Availability zones of a new VPC (one isolated subnet in each).
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * Interface endpoints of a new VPC, with private DNS. Later stages add the
   * ones they call with `addInterfaceEndpoint`.
   * @default - none (an S3 gateway endpoint is always created)
   */
  readonly interfaceEndpoints?: ec2.InterfaceVpcEndpointAwsService[];
  /**
   * Key that encrypts the flow log group of a new VPC. Its key policy gets a
   * statement allowing CloudWatch Logs of this account and region to use it.
   * @default - a new customer-managed key with yearly rotation
   */
  readonly flowLogKey?: kms.IKey;
  /**
   * How long flow logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * What happens to the flow log group (and a key the construct creates) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The private network of the kit: training jobs, endpoints and Lambdas of
 * later stages run in its subnets, with no route to the internet. A new VPC
 * has isolated subnets only (no NAT, no internet gateway), flow logs of all
 * traffic to a KMS-encrypted log group, an S3 gateway endpoint and the
 * interface endpoints asked for; or the platform team's VPC is used as is.
 */
export class PrivateNetwork extends Construct {
  public readonly vpc: ec2.IVpc;
  /** Where the workloads of later stages run. */
  public readonly vpcSubnets: ec2.SubnetSelection;
  /** The flow log group of a new VPC; undefined for an existing VPC. */
  public readonly flowLogGroup?: logs.ILogGroup;
  /** Shared by the interface endpoints of a new VPC: HTTPS in from the VPC's range only. */
  public readonly endpointSecurityGroup?: ec2.SecurityGroup;
  private readonly endpoints = new Map<string, ec2.InterfaceVpcEndpoint>();
  private readonly createsVpc: boolean;

  constructor(scope: Construct, id: string, props: PrivateNetworkProps = {}) {
    super(scope, id);
    this.createsVpc = props.vpc === undefined;
    this.vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

    if (props.vpc !== undefined) {
      const newVpcOnly = { cidr: props.cidr, maxAzs: props.maxAzs, interfaceEndpoints: props.interfaceEndpoints, flowLogKey: props.flowLogKey, flowLogRetention: props.flowLogRetention };
      for (const [prop, value] of Object.entries(newVpcOnly)) {
        if (value !== undefined) {
          throw KitError.invalidProp(this, prop, value, 'nothing when an existing vpc is given (it configures a new VPC only)');
        }
      }
      this.vpc = props.vpc;
      return;
    }

    const maxAzs = props.maxAzs ?? 2;
    if (!Token.isUnresolved(maxAzs) && (!Number.isInteger(maxAzs) || maxAzs < MAX_AZS_RANGE.min || maxAzs > MAX_AZS_RANGE.max)) {
      throw KitError.invalidProp(this, 'maxAzs', maxAzs, `a whole number from ${MAX_AZS_RANGE.min} to ${MAX_AZS_RANGE.max}`);
    }
    const cidr = props.cidr ?? '10.0.0.0/16';
    if (!Token.isUnresolved(cidr) && !VPC_CIDR_PATTERN.test(cidr)) {
      throw KitError.invalidProp(this, 'cidr', cidr, 'an IPv4 CIDR block from /16 to /24, such as 10.0.0.0/16');
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const key =
      props.flowLogKey ??
      new kms.Key(this, 'FlowLogKey', { description: `Encrypts the flow logs of ${this.node.path}`, enableKeyRotation: true, removalPolicy });
    allowCloudWatchLogs(this, key);

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      // The region's first zones, resolved at deploy time: no lookup at synth, and
      // more than the two zones CDK assumes when the account is not known.
      availabilityZones: Array.from({ length: maxAzs }, (_, index) => Fn.select(index, Fn.getAzs())),
      natGateways: 0,
      createInternetGateway: false,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      restrictDefaultSecurityGroup: true,
    });
    this.vpc = vpc;
    this.flowLogGroup = this.addFlowLog(vpc, key, props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR, removalPolicy);
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      description: 'Interface VPC endpoints: HTTPS from inside the VPC only',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
    for (const service of props.interfaceEndpoints ?? []) this.addInterfaceEndpoint(service);
  }

  /**
   * Adds an interface endpoint with private DNS in the workload subnets of a
   * new VPC, once per service; later stages call it for the services they use.
   */
  public addInterfaceEndpoint(service: ec2.InterfaceVpcEndpointAwsService): ec2.InterfaceVpcEndpoint {
    if (!this.createsVpc) {
      throw KitError.invalidProp(this, 'addInterfaceEndpoint', service.shortName, 'endpoints of a new VPC only; an existing VPC keeps the endpoints its platform team manages');
    }
    const existing = this.endpoints.get(service.shortName);
    if (existing !== undefined) return existing;
    const id = `Endpoint-${service.shortName}`;
    const endpoint = new ec2.InterfaceVpcEndpoint(this, id, {
      vpc: this.vpc,
      service,
      subnets: this.vpcSubnets,
      privateDnsEnabled: true,
      securityGroups: this.endpointSecurityGroup === undefined ? [] : [this.endpointSecurityGroup],
      open: false,
    });
    this.endpoints.set(service.shortName, endpoint);
    return endpoint;
  }

  /**
   * Flow logs of all traffic into a KMS-encrypted log group, delivered by a
   * role that only the flow logs service of this account can assume and that
   * may only write to that group (a managed policy: no inline policy).
   */
  private addFlowLog(vpc: ec2.Vpc, key: kms.IKey, retention: logs.RetentionDays, removalPolicy: RemovalPolicy): logs.LogGroup {
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'FlowLogs', { encryptionKey: key, retention, removalPolicy });
    const role = new iam.Role(this, 'FlowLogRole', {
      description: `Delivers the flow logs of ${vpc.node.path}`,
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ec2', resource: 'vpc-flow-log', resourceName: '*' }) },
        },
      }),
    });
    new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      description: `Writes the flow logs of ${vpc.node.path} to their log group`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [logGroup.logGroupArn],
        }),
      ],
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(logGroup, role.withoutPolicyUpdates()),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    return logGroup;
  }

  /** The interface endpoints created so far, by service short name (`sts`, `sagemaker.runtime`, ...). */
  public get interfaceEndpoints(): ReadonlyMap<string, ec2.InterfaceVpcEndpoint> {
    return this.endpoints;
  }

  /** A security group for one workload in this network: no inbound rule, outbound HTTPS only (see workloadSecurityGroup). */
  public createSecurityGroup(scope: Construct, id: string, description: string): ec2.SecurityGroup {
    return workloadSecurityGroup(scope, id, this.vpc, description);
  }
}
