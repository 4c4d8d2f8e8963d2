import { CfnResource, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { KitError } from '../errors';

/** The shortest reason an auditor accepts: it must say why, not just "ok". */
export const MIN_REASON_LENGTH = 20;
/** A cdk-nag rule id of the packs the kit runs, optionally narrowed to one finding: `AwsSolutions-IAM5[Resource::*]`. */
const RULE_ID = /^(AwsSolutions|NIST\.800\.53\.R5|HIPAA\.Security)-[A-Za-z0-9]+(\[.+\])?$/;

/**
 * Acknowledges one compliance finding on one CloudFormation resource, with
 * the reason written into the template (`Metadata.cdk_nag`).
 *
 * `construct` is the resource itself or an L2 whose default child is the
 * resource; anything else is refused, so an acknowledgement never spreads
 * over a whole subtree and never depends on a construct path string.
 */
export function acknowledge(construct: IConstruct, ruleId: string, reason: string): void {
  const resource = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (resource === undefined || !CfnResource.isCfnResource(resource)) {
    throw new KitError(`${construct.node.path}: acknowledge needs a CloudFormation resource or a construct whose default child is one; received a construct without one`);
  }
  if (!RULE_ID.test(ruleId)) {
    throw new KitError(
      `${construct.node.path}: acknowledge ruleId received ${JSON.stringify(ruleId)}; allowed: a rule of AwsSolutions, NIST.800.53.R5 or HIPAA.Security, such as AwsSolutions-S1 or AwsSolutions-IAM5[Resource::*]`,
    );
  }
  if (reason.trim().length < MIN_REASON_LENGTH) {
    throw new KitError(
      `${construct.node.path}: acknowledge ${ruleId} reason received ${JSON.stringify(reason)}; allowed: a specific reason of at least ${MIN_REASON_LENGTH} characters`,
    );
  }
  Validations.of(resource).acknowledge({ id: ruleId, reason: reason.trim() });
}

/** Acknowledges the same finding on several resources, each with the reason. */
export function acknowledgeEach(constructs: readonly IConstruct[], ruleId: string, reason: string): void {
  for (const construct of constructs) acknowledge(construct, ruleId, reason);
}
