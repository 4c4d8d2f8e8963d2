import { RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { PrivateNetwork } from '../../constructs/network';
import { testStack } from '../helpers/app';

describe('PrivateNetwork creating a VPC', () => {
  let template: Template;
  let network: PrivateNetwork;
  beforeAll(() => {
    const stack = testStack();
    network = new PrivateNetwork(stack, 'Net', {
      cidr: '10.42.0.0/16',
      maxAzs: 3,
      interfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.STS, ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME],
      flowLogRetention: logs.RetentionDays.THREE_MONTHS,
    });
    network.createSecurityGroup(stack, 'WorkloadSg', 'A workload of a later stage');
    template = Template.fromStack(stack);
  });

  test('has isolated subnets only, in as many zones as asked, resolved at deploy time', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 3);
    template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false }, 3);
    template.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: { 'Fn::Select': [2, { 'Fn::GetAZs': '' }] } });
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.42.0.0/16' });
  });

  test('has no internet gateway, no NAT and no route to the internet', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::EgressOnlyInternetGateway', 0);
    template.resourceCountIs('AWS::EC2::Route', 0);
  });

  test('logs all traffic to a log group encrypted with a rotated key', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetFlowLogKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'logs.us-east-1.amazonaws.com' },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  test('delivers flow logs with a role only this account\'s flow logs service assumes, through a managed policy', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() }, ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ],
      },
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } }],
      },
    });
  });

  test('has an S3 gateway endpoint and the interface endpoints asked for, with private DNS', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({}) });
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true }, 2);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.us-east-1.sagemaker.runtime' });
    expect([...network.interfaceEndpoints.keys()]).toEqual(['sts', 'sagemaker.runtime']);
  });

  test('lets HTTPS reach the endpoints from the VPC range only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Interface VPC endpoints: HTTPS from inside the VPC only',
      SecurityGroupIngress: [{ CidrIp: '10.42.0.0/16', FromPort: 443, ToPort: 443, IpProtocol: 'tcp', Description: 'HTTPS from the VPC' }],
    });
  });

  test('gives workloads a security group with no inbound rule and HTTPS out only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'A workload of a later stage',
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })],
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('adds an interface endpoint once however often it is asked for', () => {
    const stack = testStack();
    const net = new PrivateNetwork(stack, 'Net');
    const first = net.addInterfaceEndpoint(ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME);
    expect(net.addInterfaceEndpoint(ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME)).toBe(first);
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' }, 1);
  });
});

describe('PrivateNetwork options', () => {
  test('encrypts flow logs with a given key and adds the CloudWatch Logs statement to its policy', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'EnvKey');
    new PrivateNetwork(stack, 'Net', { flowLogKey: key, removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EnvKey'), 'Arn'] } });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });

  test('warns that an imported key needs the CloudWatch Logs statement', () => {
    const stack = testStack();
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new PrivateNetwork(stack, 'Net', { flowLogKey: key });
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined); // synth prints the warning too
    try {
      Annotations.fromStack(stack).hasWarning('/Test/Net', Match.stringLikeRegexp('allow CloudWatch Logs'));
    } finally {
      printed.mockRestore();
    }
  });

  test('uses an existing VPC as is: no network resource, only security groups', () => {
    const stack = testStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      isolatedSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      isolatedSubnetRouteTableIds: ['rtb-0123456789abcdef0', 'rtb-0123456789abcdef1'],
    });
    const network = new PrivateNetwork(stack, 'Net', { vpc });
    network.createSecurityGroup(stack, 'Sg', 'Workload');
    const template = Template.fromStack(stack);
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::FlowLog', 'AWS::EC2::VPCEndpoint', 'AWS::Logs::LogGroup', 'AWS::KMS::Key']) {
      template.resourceCountIs(type, 0);
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0123456789abcdef0' });
    expect(network.vpc.selectSubnets(network.vpcSubnets).subnetIds).toEqual(['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1']);
    expect(network.flowLogGroup).toBeUndefined();
  });

  test('rejects new-VPC props together with an existing VPC', () => {
    const stack = testStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Existing', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-0123456789abcdef0'] });
    expect(() => new PrivateNetwork(stack, 'Net', { vpc, maxAzs: 2 })).toThrow(/Test\/Net: maxAzs received 2; allowed: nothing when an existing vpc is given/);
  });

  test('rejects interface endpoints in an existing VPC', () => {
    const stack = testStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Existing', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-0123456789abcdef0'] });
    const network = new PrivateNetwork(stack, 'Net', { vpc });
    expect(() => network.addInterfaceEndpoint(ec2.InterfaceVpcEndpointAwsService.STS)).toThrow(/Test\/Net: addInterfaceEndpoint received "sts"; allowed: endpoints of a new VPC only/);
  });

  test('rejects a zone count and a CIDR it cannot build', () => {
    expect(() => new PrivateNetwork(testStack(), 'Net', { maxAzs: 7 })).toThrow(/Test\/Net: maxAzs received 7; allowed: a whole number from 1 to 6/);
    expect(() => new PrivateNetwork(testStack(), 'Net', { cidr: '10.0.0.0/8' })).toThrow(/Test\/Net: cidr received "10\.0\.0\.0\/8"; allowed: an IPv4 CIDR block from \/16 to \/24/);
  });
});
