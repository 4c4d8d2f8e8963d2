import { App, Stack, Stage } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { addCompliancePacks } from '../../lib/compliance/packs';
import { acknowledgeWildcards, wildcardFindings } from '../../lib/compliance/wildcards';
import { kitContext } from '../helpers/app';

function policyWith(statements: iam.PolicyStatement[]): { app: App; policy: iam.CfnManagedPolicy } {
  const app = new App({ context: kitContext() });
  const stage = new Stage(app, 'dev', { env: { region: 'us-east-1' } });
  addCompliancePacks(stage, ['AwsSolutions']);
  const stack = new Stack(stage, 'Iam');
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const policy = new iam.ManagedPolicy(stack, 'Policy', { roles: [role], statements });
  return { app, policy: policy.node.defaultChild as iam.CfnManagedPolicy };
}

const describeStatement = () => new iam.PolicyStatement({ actions: ['ec2:DescribeSubnets'], resources: ['*'] });

test('names findings as cdk-nag does', () => {
  expect(wildcardFindings({ Statement: [{ Effect: 'Allow', Action: ['s3:Get*'], Resource: ['arn:aws:s3:::b/*'] }, { Effect: 'Deny', Action: '*', Resource: '*' }] })).toEqual([
    'Action::s3:Get*',
    'Resource::arn:aws:s3:::b/*',
  ]);
});

test('acknowledges each explained wildcard and writes the reason into the template', () => {
  const { app, policy } = policyWith([describeStatement()]);
  acknowledgeWildcards(policy, [{ match: /^Resource::\*$/, actions: ['ec2:DescribeSubnets'], reason: 'ec2:Describe* has no resource-level permissions' }]);
  const template = app.synth().getNestedAssembly('assembly-dev').stacks[0].template;
  const resource = Object.values(template.Resources as Record<string, any>).find((r) => r.Type === 'AWS::IAM::ManagedPolicy');
  expect(resource.Metadata.cdk_nag.rules_to_suppress).toEqual([{ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ec2:Describe* has no resource-level permissions' }]);
});

test('fails synth on a wildcard no reason explains', () => {
  const { app, policy } = policyWith([describeStatement(), new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] })]);
  acknowledgeWildcards(policy, [{ match: /^Resource::\*$/, reason: 'ec2:Describe* has no resource-level permissions' }]);
  expect(() => app.synth()).toThrow(/wildcard permission Resource::arn:aws:s3:::bucket\/\* has no reason/);
});

test('fails synth when a statement under an explained wildcard grants an action the reason does not cover', () => {
  const { app, policy } = policyWith([new iam.PolicyStatement({ actions: ['ec2:DescribeSubnets', 'ec2:TerminateInstances'], resources: ['*'] })]);
  acknowledgeWildcards(policy, [{ match: /^Resource::\*$/, actions: ['ec2:DescribeSubnets'], reason: 'ec2:Describe* has no resource-level permissions' }]);
  expect(() => app.synth()).toThrow(/wildcard permission Resource::\* with ec2:TerminateInstances has no reason/);
});
