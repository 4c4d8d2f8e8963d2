import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

import { acknowledge } from './acknowledge';

/**
 * Findings on the Lambda-backed custom resource providers that aws-cdk-lib
 * itself adds to a stack (bucket auto-delete in destroyable environments,
 * default security group restriction in new VPCs). Their code, runtime and
 * role are owned by aws-cdk-lib and cannot be configured, so each finding is
 * acknowledged on that provider's Handler or Role resource only.
 */
const PROVIDERS: Record<string, { readonly purpose: string }> = {
  'Custom::S3AutoDeleteObjectsCustomResourceProvider': { purpose: 'empties data lake buckets when a destroyable environment is deleted' },
  'Custom::VpcRestrictDefaultSGCustomResourceProvider': { purpose: 'removes all rules of the default security group of the new VPC' },
};

const HANDLER_FINDINGS: Record<string, string> = {
  'NIST.800.53.R5-LambdaConcurrency': 'runs only during stack create, update and delete, one invocation at a time',
  'NIST.800.53.R5-LambdaDLQ': 'is invoked synchronously by CloudFormation, which reports its failure on the stack event',
  'NIST.800.53.R5-LambdaInsideVPC': 'calls only S3 and EC2 control-plane APIs during deployment; aws-cdk-lib offers no VPC placement for it',
  'HIPAA.Security-LambdaConcurrency': 'runs only during stack create, update and delete, one invocation at a time',
  'HIPAA.Security-LambdaDLQ': 'is invoked synchronously by CloudFormation, which reports its failure on the stack event',
  'HIPAA.Security-LambdaInsideVPC': 'calls only S3 and EC2 control-plane APIs during deployment; aws-cdk-lib offers no VPC placement for it',
};

const ROLE_FINDINGS: Record<string, string> = {
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
    'the managed policy only lets the provider write its own CloudWatch logs; aws-cdk-lib attaches it and offers no override',
};

/**
 * Acknowledges the listed findings on every aws-cdk-lib provider present in
 * the stacks below `scope`. Call it once the stacks are complete: a provider
 * exists only after the first construct that needs it.
 */
export function acknowledgeCdkProviders(scope: IConstruct): void {
  for (const stack of scope.node.findAll().filter(Stack.isStack)) acknowledgeInStack(stack);
}

function acknowledgeInStack(stack: Stack): void {
  for (const [id, { purpose }] of Object.entries(PROVIDERS)) {
    const provider = stack.node.tryFindChild(id);
    if (provider === undefined) continue;
    const handler = provider.node.findChild('Handler');
    const role = provider.node.findChild('Role');
    for (const [rule, why] of Object.entries(HANDLER_FINDINGS)) acknowledge(handler, rule, `aws-cdk-lib provider that ${purpose}; it ${why}`);
    for (const [rule, why] of Object.entries(ROLE_FINDINGS)) acknowledge(role, rule, `aws-cdk-lib provider that ${purpose}; ${why}`);
  }
}

