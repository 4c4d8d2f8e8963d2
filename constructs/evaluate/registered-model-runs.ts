import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { KitError } from '../../lib/errors';
import { MODEL_REGISTERED_EVENT } from '../adapt/pipeline-definition';
import { acknowledgeGeneratedPolicy } from '../adapt/state-machine-policy';
import { EVALUATION_SETS_PREFIX } from './evaluation-definition';

export interface RegisteredModelRunsOptions {
  /** The evaluation set every registered package runs over, a key under `evaluation/` of the datasets bucket. */
  readonly datasetKey: string;
  /**
   * What each package is compared with, as an execution's `baseline` names it
   * (`{"candidate": {...}}` or `{"reportKey": "..."}`), such as the served endpoint.
   * @default - no baseline: thresholds only
   */
  readonly baseline?: Readonly<Record<string, unknown>>;
  /**
   * The bus the fine-tuning pipeline publishes to.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
}

export interface RegisteredModelRunsProps extends RegisteredModelRunsOptions {
  readonly stateMachine: sfn.IStateMachine;
  /** Only packages of these groups start a run. */
  readonly modelPackageGroupNames: readonly string[];
}

/**
 * Starts an evaluation run for every model package the fine-tuning pipeline
 * registers in the given groups (its "Fine-tuned model registered" event).
 * Events EventBridge could not deliver within a day land in a dead-letter
 * queue, kept 14 days.
 */
export class RegisteredModelRuns extends Construct {
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: RegisteredModelRunsProps) {
    super(scope, id);
    if (!props.datasetKey.startsWith(EVALUATION_SETS_PREFIX) || props.datasetKey.length === EVALUATION_SETS_PREFIX.length) {
      throw KitError.invalidProp(this, 'datasetKey', props.datasetKey, `a key under ${EVALUATION_SETS_PREFIX} of the datasets bucket, such as ${EVALUATION_SETS_PREFIX}support-qa.jsonl`);
    }
    if (props.modelPackageGroupNames.length === 0) throw KitError.invalidProp(this, 'modelPackageGroupNames', props.modelPackageGroupNames, 'at least one group whose packages start a run');
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      // SQS-managed keys: EventBridge may write to it without a key policy naming it (a KMS key of the data
      // stack would need a statement for this stack's rule, a cycle between the stacks). It holds event envelopes only.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is itself the dead-letter queue of the registration rule\'s target');
    this.rule = new events.Rule(this, 'Rule', {
      description: `Evaluates every model package registered in ${props.modelPackageGroupNames.join(', ')}`,
      eventBus: props.eventBus,
      eventPattern: {
        source: [MODEL_REGISTERED_EVENT.source],
        detailType: [MODEL_REGISTERED_EVENT.detailType],
        detail: { modelPackageGroupName: [...props.modelPackageGroupNames] },
      },
    });
    this.rule.addTarget(
      new targets.SfnStateMachine(props.stateMachine, {
        input: events.RuleTargetInput.fromObject({
          candidate: { kind: 'model-package', modelPackageArn: events.EventField.fromPath('$.detail.modelPackageArn') },
          dataset: { key: props.datasetKey },
          ...(props.baseline === undefined ? {} : { baseline: props.baseline }),
        }),
        deadLetterQueue: this.deadLetterQueue,
        maxEventAge: Duration.days(1),
        retryAttempts: 185,
      }),
    );
    acknowledgeGeneratedPolicy(props.stateMachine.node.tryFindChild('EventsRole'), 'rule target');
  }
}
