import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { PrivateNetwork } from '../../constructs/network';
import type { InterfaceEndpointName, KitConfig } from '../config/schema';
import { removalPolicyOf } from './protection';

/** The AWS service of each interface endpoint name the config accepts. */
export const INTERFACE_ENDPOINT_SERVICES: Record<InterfaceEndpointName, ec2.InterfaceVpcEndpointAwsService> = {
  bedrock: ec2.InterfaceVpcEndpointAwsService.BEDROCK,
  'bedrock-runtime': ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
  'bedrock-agent': ec2.InterfaceVpcEndpointAwsService.BEDROCK_AGENT,
  'bedrock-agent-runtime': ec2.InterfaceVpcEndpointAwsService.BEDROCK_AGENT_RUNTIME,
  'sagemaker-api': ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API,
  'sagemaker-runtime': ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
  states: ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS,
  sns: ec2.InterfaceVpcEndpointAwsService.SNS,
  sts: ec2.InterfaceVpcEndpointAwsService.STS,
  kms: ec2.InterfaceVpcEndpointAwsService.KMS,
  logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  monitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
  'ecr-api': ec2.InterfaceVpcEndpointAwsService.ECR,
  'ecr-dkr': ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
};

export interface NetworkStackProps extends StackProps {
  readonly config: KitConfig;
  /** The environment's key; encrypts the flow logs of a new VPC. */
  readonly encryptionKey: kms.IKey;
}

/** The Network stage: the private network later stages run in. */
export class NetworkStack extends Stack {
  public readonly network: PrivateNetwork;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const network = props.config.network;
    if (network.mode === 'import') {
      const vpc = ec2.Vpc.fromVpcAttributes(this, 'ImportedVpc', {
        vpcId: network.vpcId,
        availabilityZones: network.availabilityZones,
        isolatedSubnetIds: network.subnetIds,
      });
      this.network = new PrivateNetwork(this, 'Network', { vpc });
    } else {
      this.network = new PrivateNetwork(this, 'Network', {
        cidr: network.cidr,
        maxAzs: network.maxAzs,
        interfaceEndpoints: network.interfaceEndpoints.map((name) => INTERFACE_ENDPOINT_SERVICES[name]),
        flowLogKey: props.encryptionKey,
        flowLogRetention: network.flowLogRetentionDays as logs.RetentionDays,
        removalPolicy: removalPolicyOf(props.config),
      });
    }
  }
}
