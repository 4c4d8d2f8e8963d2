import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { acknowledgeWildcards, type WildcardReason } from '../../lib/compliance/wildcards';

/**
 * Acknowledges the inline policy aws-cdk-lib generates for a role it owns
 * (a state machine's, a rule target's): the statements follow the workflow
 * definition or target, and the role serves nothing else.
 */
export function acknowledgeGeneratedPolicy(role: IConstruct | undefined, owner: string): void {
  const policy = role?.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
  if (policy === undefined) return;
  const reason = `aws-cdk-lib writes this policy from the ${owner} it serves, statement by statement; the role has no other use, so a managed policy would add nothing`;
  acknowledge(policy, 'NIST.800.53.R5-IAMNoInlinePolicy', reason);
  acknowledge(policy, 'HIPAA.Security-IAMNoInlinePolicy', reason);
}

/**
 * Actions of a workflow's own states that take no resource ARN, and why the
 * workflow needs them. They share the role policy's one `Resource::*`
 * finding with Step Functions' log delivery and X-Ray, so one reason names all.
 */
export interface UnscopedActions {
  readonly actions: readonly string[];
  readonly reason: string;
}

/**
 * Acknowledges the wildcards of a state machine role's policy that Step
 * Functions itself needs: log delivery and X-Ray take no resource ARN, and
 * jobs, packages and lineage records are named per run; `more` adds the
 * reasons of one workflow (a policy takes one list: each call checks all),
 * `unscoped` the workflow's own actions that take no resource ARN.
 */
export function acknowledgeStateMachinePolicy(stateMachine: sfn.StateMachine, more: readonly WildcardReason[] = [], unscoped?: UnscopedActions): void {
  const policy = stateMachine.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as iam.CfnPolicy | undefined;
  if (policy === undefined) return;
  acknowledgeGeneratedPolicy(stateMachine.role, 'workflow definition');
  const stepFunctions = 'CloudWatch Logs delivery and X-Ray trace writes of Step Functions take no resource ARN';
  acknowledgeWildcards(policy, [
    ...more,
    {
      match: /^Resource::\*$/,
      reason: unscoped === undefined ? stepFunctions : `${stepFunctions}; ${unscoped.reason}`,
      actions: [
        'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
        'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
        ...(unscoped?.actions ?? []),
      ],
    },
    { match: /^Resource::<[^>]*\.Arn>:\*$/, reason: 'LambdaInvoke grants the function\'s versions and aliases (ARN:*) besides the function itself', actions: ['lambda:InvokeFunction'] },
    { match: /training-job\/ft-[0-9a-f]+-\*$/, reason: 'Each run names its training job <prefix>-<uuid>; the prefix is this pipeline\'s own', actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags', 'sagemaker:ListTags'] },
    { match: /model-customization-job\/\*$/, reason: 'Bedrock gives a customization job an id of its own choosing, unknown until it starts', actions: ['bedrock:CreateModelCustomizationJob', 'bedrock:GetModelCustomizationJob', 'bedrock:StopModelCustomizationJob'] },
    { match: /custom-model\/\*$/, reason: 'A custom model ARN carries its base model and an id Bedrock assigns when the job starts, not the name the run gives it', actions: ['bedrock:CreateModelCustomizationJob'] },
    { match: /model-package\/.*\/\*$/, reason: 'Model package versions are numbered by SageMaker inside this pipeline\'s own group', actions: ['sagemaker:CreateModelPackage'] },
    { match: /\/lineage\/\*$/, reason: 'One lineage record per run, named after its job, under the lineage/ prefix of the artifacts bucket', actions: ['s3:PutObject'] },
    {
      match: /^Action::kms:GenerateDataKey\*$/,
      reason: 'grantPublish of the encrypted topic: SNS asks for a data key of the topic\'s key on each message (the lineage record needs GenerateDataKey of the same key, a temporary endpoint\'s volume grant DescribeKey)',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:GenerateDataKey', 'kms:DescribeKey'],
    },
  ]);
}
