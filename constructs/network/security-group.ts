import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

/**
 * A security group for one workload of the private network: no inbound
 * rule, outbound HTTPS only. The subnets have no route to the internet, so
 * HTTPS reaches the VPC endpoints and S3 through its gateway endpoint.
 */
export function workloadSecurityGroup(scope: Construct, id: string, vpc: ec2.IVpc, description: string): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, id, { vpc, description, allowAllOutbound: false });
  group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to VPC endpoints and the S3 gateway endpoint (no internet route)');
  return group;
}
