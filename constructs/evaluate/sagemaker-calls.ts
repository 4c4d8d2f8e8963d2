import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { API_TRANSIENT, BACKOFF } from '../retry-policies';

export interface SageMakerCallProps {
  /** The SDK action, such as `deleteEndpoint`. */
  readonly action: string;
  /** Its IAM action, such as `sagemaker:DeleteEndpoint`. */
  readonly iamAction: string;
  /** The ARNs (or ARN patterns) the IAM action is granted on. */
  readonly resources: readonly string[];
  readonly parameters: Record<string, unknown>;
  /**
   * Where the answer goes: one field of it as `{ <as>: value }` (`as`
   * defaults to `arn`: the ARN of what a create call made, which marks the
   * step done), or the whole answer when `field` is absent.
   * @default - the answer is discarded
   */
  readonly result?: { readonly path: string; readonly field?: string; readonly as?: string };
  /** @default - no other statement */
  readonly more?: readonly iam.PolicyStatement[];
}

/** A SageMaker API call of a workflow, with the transient retries. */
export function sagemakerCall(scope: Construct, id: string, props: SageMakerCallProps): sfn.TaskStateBase {
  const { result } = props;
  return new tasks.CallAwsService(scope, id, {
    service: 'sagemaker',
    action: props.action,
    iamAction: props.iamAction,
    iamResources: [...props.resources],
    additionalIamStatements: [...(props.more ?? [])],
    parameters: props.parameters,
    resultPath: result?.path ?? sfn.JsonPath.DISCARD,
    resultSelector: result?.field === undefined ? undefined : { [`${result.as ?? 'arn'}.$`]: `$.${result.field}` },
  }).addRetry({ ...BACKOFF, errors: API_TRANSIENT });
}

export interface DeletionRoutes {
  /** Id of the Choice that reads the error. */
  readonly absentId: string;
  /** Where the error goes (`Error`, `Cause`). */
  readonly errorPath: string;
  /** Where the workflow goes once the deletion succeeded. */
  readonly next: sfn.IChainable;
  /** Where it goes when SageMaker answers "Could not find": nothing was there. @default next */
  readonly absent?: sfn.IChainable;
  /** Where it goes on any other error (after the transient retries). */
  readonly failed: sfn.IChainable;
}

/**
 * Routes a SageMaker deletion: a resource SageMaker "Could not find" is
 * already gone, which is no failure; any other error is kept at `errorPath`
 * and goes to `failed`.
 */
export function routeDeletion(scope: Construct, deletion: sfn.TaskStateBase, routes: DeletionRoutes): sfn.TaskStateBase {
  deletion.addCatch(new sfn.Choice(scope, routes.absentId).when(notFound(routes.errorPath), routes.absent ?? routes.next).otherwise(routes.failed), { resultPath: routes.errorPath, errors: [sfn.Errors.ALL] });
  deletion.next(routes.next);
  return deletion;
}

/** True when the error a Catch kept at `errorPath` is SageMaker's "Could not find": the resource is not there (any more). */
export function notFound(errorPath: string): sfn.Condition {
  const cause = `${errorPath}.Cause`;
  return sfn.Condition.and(sfn.Condition.isPresent(cause), sfn.Condition.isString(cause), sfn.Condition.stringMatches(cause, '*Could not find*'));
}
