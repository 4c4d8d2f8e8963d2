import { RemovalPolicy, type Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { WildcardReason } from '../lib/compliance/wildcards';
import { acknowledgeStateMachinePolicy, type UnscopedActions } from './adapt/state-machine-policy';
import { allowCloudWatchLogs } from './data/log-encryption';
import { ExecutionNotice } from './execution-notice';

export interface KitWorkflowProps {
  readonly comment: string;
  readonly definition: sfn.IChainable;
  readonly timeout: Duration;
  /** Encrypts the execution log group. */
  readonly encryptionKey: kms.IKey;
  /** Receives the workflow's own notifications and those of executions Step Functions ends itself. */
  readonly topic: sns.ITopic;
  /** What an execution is, for the abnormal-end notice ("Fine-tuning run"). */
  readonly what: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN (the log group) */
  readonly removalPolicy?: RemovalPolicy;
  /** Reasons for the wildcards of this workflow's own states (see acknowledgeStateMachinePolicy). */
  readonly wildcardReasons?: readonly WildcardReason[];
  /**
   * Actions of this workflow's own states that take no resource ARN, and why:
   * acknowledged with Step Functions' own (log delivery, X-Ray).
   * @default - none
   */
  readonly unscopedActions?: UnscopedActions;
}

/**
 * A workflow of the kit, one way for all of them: a standard state machine
 * (`Resource`) logging every execution with its data to a KMS-encrypted log
 * group (`Logs`), traced, allowed to publish to its topic, with an
 * `AbnormalEnd` notice for executions Step Functions ends itself, and the
 * wildcards of its role acknowledged with their reasons. Grants added to
 * the role afterwards are covered: the acknowledgement is checked at synth.
 */
export function kitWorkflow(scope: Construct, props: KitWorkflowProps): sfn.StateMachine {
  allowCloudWatchLogs(scope, props.encryptionKey);
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    encryptionKey: props.encryptionKey,
    retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  const stateMachine = new sfn.StateMachine(scope, 'Resource', {
    comment: props.comment,
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    stateMachineType: sfn.StateMachineType.STANDARD,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    tracingEnabled: true,
    timeout: props.timeout,
  });
  props.topic.grantPublish(stateMachine);
  new ExecutionNotice(scope, 'AbnormalEnd', { stateMachine, topic: props.topic, what: props.what });
  acknowledgeStateMachinePolicy(stateMachine, props.wildcardReasons, props.unscopedActions);
  return stateMachine;
}
