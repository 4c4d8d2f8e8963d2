import { Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
// The finding format of AwsSolutions-IAM5, from cdk-nag itself (version pinned in package.json).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { KitError } from '../errors';
import { acknowledge } from './acknowledge';

/** Why a wildcard is needed, for the findings it matches. */
export interface WildcardReason {
  /** Matches findings such as `Action::s3:GetObject*` or `Resource::<Bucket.Arn>/models/*`. */
  readonly match: RegExp;
  readonly reason: string;
}

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The AwsSolutions-IAM5 findings of a policy document, as cdk-nag names them. */
export function wildcardFindings(document: { Statement?: Statement[] }): string[] {
  const findings = new Set<string>();
  for (const statement of document.Statement ?? []) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of asArray(statement.Action)) if (action.includes('*')) findings.add(`Action::${action}`);
    for (const resource of asArray(statement.Resource)) {
      const flat = flattenCfnReference(resource);
      if (flat.includes('*')) findings.add(`Resource::${flat}`);
    }
  }
  return [...findings];
}

/**
 * Acknowledges every wildcard of a policy, each with the reason of the first
 * rule that matches it. Call it once the policy is complete. A wildcard no
 * rule explains is an error: none passes without a reason.
 */
export function acknowledgeWildcards(policy: iam.CfnPolicy | iam.CfnManagedPolicy, reasons: readonly WildcardReason[]): void {
  const document = Stack.of(policy).resolve(policy.policyDocument) as { Statement?: Statement[] };
  const unexplained: string[] = [];
  for (const finding of wildcardFindings(document)) {
    const rule = reasons.find((candidate) => candidate.match.test(finding));
    if (rule === undefined) unexplained.push(finding);
    else acknowledge(policy, `AwsSolutions-IAM5[${finding}]`, rule.reason);
  }
  if (unexplained.length > 0) {
    throw new KitError(`${policy.node.path}: wildcard permissions without a reason`, unexplained);
  }
}
