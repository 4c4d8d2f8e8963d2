import { Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
// The finding format of AwsSolutions-IAM5, from cdk-nag itself (version pinned in package.json).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { KitError } from '../errors';
import { acknowledge } from './acknowledge';

/** `text` as a literal in a RegExp, to match findings that name a given key prefix. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Why a wildcard is needed, for the findings it matches. */
export interface WildcardReason {
  /** Matches findings such as `Action::s3:GetObject*` or `Resource::<Bucket.Arn>/models/*`. */
  readonly match: RegExp;
  readonly reason: string;
  /**
   * The only actions a statement with this finding may grant; any other
   * action there fails synth (the reason would not cover it).
   * @default - any action
   */
  readonly actions?: readonly string[];
}

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The AwsSolutions-IAM5 findings of one statement, as cdk-nag names them. */
function statementFindings(statement: Statement): string[] {
  if (statement.Effect !== 'Allow') return [];
  const findings = new Set<string>();
  for (const action of asArray(statement.Action)) if (action.includes('*')) findings.add(`Action::${action}`);
  for (const resource of asArray(statement.Resource)) {
    const flat = flattenCfnReference(resource);
    if (flat.includes('*')) findings.add(`Resource::${flat}`);
  }
  return [...findings];
}

/** The AwsSolutions-IAM5 findings of a policy document, as cdk-nag names them. */
export function wildcardFindings(document: { Statement?: Statement[] }): string[] {
  return [...new Set((document.Statement ?? []).flatMap(statementFindings))];
}

/**
 * Acknowledges every wildcard of a policy, each with the reason of the first
 * rule that matches it; a wildcard no rule explains fails synth. It runs at
 * synth, after cross-stack references are resolved (they change how a
 * finding is spelled), and writes each acknowledgement with its reason into
 * the template metadata (`cdk_nag.rules_to_suppress`), as the packs do.
 */
export function acknowledgeWildcards(policy: iam.CfnPolicy | iam.CfnManagedPolicy, reasons: readonly WildcardReason[]): void {
  policy.node.addValidation({
    validate: () => {
      const document = Stack.of(policy).resolve(policy.policyDocument) as { Statement?: Statement[] };
      const unexplained: string[] = [];
      const written = (policy.getMetadata(NAG_METADATA) as { rules_to_suppress?: Array<{ id: string; reason: string }> } | undefined)?.rules_to_suppress ?? [];
      const rules = [...written];
      for (const statement of document.Statement ?? []) {
        for (const finding of statementFindings(statement)) {
          const rule = reasons.find((candidate) => candidate.match.test(finding));
          const uncovered = asArray(statement.Action).filter((action) => rule?.actions !== undefined && !rule.actions.includes(action));
          if (rule === undefined || uncovered.length > 0) {
            unexplained.push(rule === undefined ? finding : `${finding} with ${uncovered.join(', ')}`);
            continue;
          }
          const id = `AwsSolutions-IAM5[${finding}]`;
          acknowledge(policy, id, rule.reason);
          if (!rules.some((existing) => existing.id === id)) rules.push({ id, reason: rule.reason });
        }
      }
      if (rules.length > written.length) policy.addMetadata(NAG_METADATA, { rules_to_suppress: rules });
      return unexplained.map((finding) => new KitError(`wildcard permission ${finding} has no reason`).message);
    },
  });
}

/** Template metadata key cdk-nag writes acknowledgements under. */
const NAG_METADATA = 'cdk_nag';
