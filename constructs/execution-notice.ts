import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The status-change events of a state machine's executions that end
 * FAILED, TIMED_OUT or ABORTED: those include the ones Step Functions ends
 * itself, where no Catch runs.
 */
export function abnormalEnds(stateMachine: sfn.IStateMachine): events.EventPattern {
  return {
    source: ['aws.states'],
    detailType: ['Step Functions Execution Status Change'],
    detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [stateMachine.stateMachineArn] },
  };
}

/**
 * The safety net under a workflow's own failure notifications: Step
 * Functions itself may end an execution where no Catch runs (a timeout, a
 * States.Runtime error, an abort). A rule on its status-change events sends
 * those to the topic too. aws-cdk-lib lets EventBridge publish to the topic
 * (and use its key) through their resource policies.
 */
export class ExecutionNotice extends Construct {
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: { readonly stateMachine: sfn.IStateMachine; readonly topic: sns.ITopic; readonly what: string }) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Resource', {
      description: `Tells the topic when an execution of ${props.what} ends abnormally`,
      eventPattern: abnormalEnds(props.stateMachine),
      targets: [
        new targets.SnsTopic(props.topic, {
          message: events.RuleTargetInput.fromText(
            `${props.what}: execution ${events.EventField.fromPath('$.detail.name')} ended ${events.EventField.fromPath('$.detail.status')} (${events.EventField.fromPath('$.detail.executionArn')})`,
          ),
        }),
      ],
    });
  }
}
