// The finding format of AwsSolutions-IAM5, from cdk-nag itself (version pinned in package.json), so a
// wildcard here is spelled exactly as the acknowledgement that covers it.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { asList, compareText, resourcePath, resourcesOf, type ResourceReference, type TemplateResource } from './assembly';
import { acknowledgementsOf, parseRuleId, type Acknowledgement } from './audit-compliance';
import { byStackThenPath, type AuditContext, type AuditedPlace } from './audit-context';

/** A `*` in an action or a resource of an Allow statement, and the acknowledgement that covers it. */
export interface WildcardAudit {
  readonly kind: 'Action' | 'Resource';
  /** The action, or the resource as people read it. */
  readonly value: string;
  /** The finding as cdk-nag names it: `Resource::<Logs.Arn>:*`. */
  readonly finding: string;
  /** null: no acknowledgement covers this wildcard. */
  readonly acknowledgement: { readonly id: string; readonly reason: string } | null;
}

export interface StatementAudit {
  /** The policy holding the statement: its construct path, or the role's path and inline policy name. */
  readonly policy: string;
  readonly policyType: string;
  readonly sid: string | null;
  readonly effect: string;
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  readonly conditions: readonly string[];
  readonly wildcards: readonly WildcardAudit[];
}

export interface TrustAudit {
  readonly principals: readonly string[];
  readonly actions: readonly string[];
  readonly conditions: readonly string[];
}

export interface RoleAudit extends AuditedPlace {
  /** Empty for a role outside the assembly that a policy here is attached to. */
  readonly logicalId: string;
  readonly description: string | null;
  readonly assumedBy: readonly TrustAudit[];
  /** Managed policies the assembly does not define (AWS managed, or another account's), by ARN. */
  readonly managedPolicies: readonly string[];
  readonly statements: readonly StatementAudit[];
}

export interface Statement {
  readonly Sid?: unknown;
  readonly Effect?: unknown;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: unknown;
}

/** A policy document and where it comes from. */
export interface PolicySource {
  readonly policy: string;
  readonly policyType: string;
  readonly document: unknown;
  readonly stackName: string;
  readonly acknowledgements: readonly Acknowledgement[];
}

const WILDCARD_RULE = 'AwsSolutions-IAM5';
const key = (reference: ResourceReference) => `${reference.stackName}\0${reference.logicalId}`;

export function statementsOf(document: unknown): Statement[] {
  return asList((document as { Statement?: unknown } | undefined)?.Statement).filter((s): s is Statement => s !== null && typeof s === 'object');
}

/** `/body/flags` as cdk-nag 2 wrote a regex of `applies_to`. */
function regexOf(text: string): RegExp | undefined {
  const match = /^\/([\s\S]*)\/([a-z]*)$/.exec(text);
  try {
    return match === null ? undefined : new RegExp(match[1], match[2].replace('g', ''));
  } catch {
    return undefined;
  }
}

/** The acknowledgement covering a finding: the one naming it exactly first, then one of the whole rule. */
export function acknowledgementFor(acknowledgements: readonly Acknowledgement[], finding: string): Acknowledgement | undefined {
  const ofRule = acknowledgements.filter((acknowledgement) => parseRuleId(acknowledgement.id).rule === WILDCARD_RULE);
  const exact = ofRule.find((acknowledgement) => parseRuleId(acknowledgement.id).finding === finding);
  if (exact !== undefined) return exact;
  return ofRule.find((acknowledgement) => {
    if (parseRuleId(acknowledgement.id).finding !== undefined) return false;
    if (acknowledgement.appliesTo === undefined) return true;
    return acknowledgement.appliesTo.some((entry) => {
      if (typeof entry === 'string') return entry === finding;
      const regex = typeof (entry as { regex?: unknown })?.regex === 'string' ? regexOf((entry as { regex: string }).regex) : undefined;
      return regex?.test(finding) ?? false;
    });
  });
}

function conditionsOf(context: AuditContext, stackName: string, condition: unknown): string[] {
  if (condition === null || typeof condition !== 'object') return [];
  return Object.entries(condition as Record<string, unknown>).flatMap(([operator, tests]) =>
    Object.entries((tests ?? {}) as Record<string, unknown>).map(([name, value]) => `${operator} ${name} = ${context.resolver.render(stackName, value)}`),
  );
}

function statementAudit(context: AuditContext, source: PolicySource, statement: Statement): StatementAudit {
  const render = (value: unknown) => context.resolver.render(source.stackName, value);
  const actions = asList(statement.Action).map(render);
  const resources = asList(statement.Resource);
  const wildcards: WildcardAudit[] = [];
  if (statement.Effect === 'Allow') {
    const seen = new Set<string>();
    const add = (kind: WildcardAudit['kind'], value: string, finding: string) => {
      if (seen.has(finding)) return;
      seen.add(finding);
      const acknowledgement = acknowledgementFor(source.acknowledgements, finding);
      wildcards.push({ kind, value, finding, acknowledgement: acknowledgement === undefined ? null : { id: acknowledgement.id, reason: acknowledgement.reason } });
    };
    for (const action of asList(statement.Action)) if (typeof action === 'string' && action.includes('*')) add('Action', action, `Action::${action}`);
    for (const resource of resources) {
      const flat = flattenCfnReference(resource);
      if (flat.includes('*')) add('Resource', render(resource), `Resource::${flat}`);
    }
  }
  return {
    policy: source.policy,
    policyType: source.policyType,
    sid: typeof statement.Sid === 'string' ? statement.Sid : null,
    effect: render(statement.Effect),
    actions,
    notActions: asList(statement.NotAction).map(render),
    resources: resources.map(render),
    notResources: asList(statement.NotResource).map(render),
    conditions: conditionsOf(context, source.stackName, statement.Condition),
    wildcards,
  };
}

function principalsOf(context: AuditContext, stackName: string, principal: unknown): string[] {
  if (typeof principal === 'string') return [principal === '*' ? 'anyone (*)' : principal];
  if (principal === null || typeof principal !== 'object') return [];
  return Object.entries(principal as Record<string, unknown>).flatMap(([kind, values]) =>
    asList(values).map((value) => {
      const rendered = context.resolver.render(stackName, value);
      return `${kind}: ${rendered === '*' ? 'anyone (*)' : rendered}`;
    }),
  );
}

function trustOf(context: AuditContext, stackName: string, role: TemplateResource): TrustAudit[] {
  return statementsOf(role.Properties?.AssumeRolePolicyDocument)
    .filter((statement) => statement.Effect === 'Allow')
    .map((statement) => ({
      principals: principalsOf(context, stackName, statement.Principal),
      actions: asList(statement.Action).map((action) => context.resolver.render(stackName, action)),
      conditions: conditionsOf(context, stackName, statement.Condition),
    }));
}

/** A role with the raw policy documents attached to it. */
export interface RoleEntry {
  readonly stack: string;
  readonly logicalId: string;
  readonly path: string;
  readonly resource?: TemplateResource;
  readonly sources: PolicySource[];
  readonly managedPolicies: string[];
}

/** Every role of the environment, and roles outside it that its policies are attached to, with their policy documents. */
export function roleEntries(context: AuditContext): RoleEntry[] {
  const { resolver } = context;
  const roles = new Map<string, RoleEntry>();
  for (const { stack } of context.stacks) {
    for (const [logicalId, resource] of resourcesOf(stack, 'AWS::IAM::Role')) {
      const entry: RoleEntry = { stack: stack.stackName, logicalId, path: resourcePath(stack, logicalId), resource, sources: [], managedPolicies: [] };
      roles.set(key({ stackName: stack.stackName, logicalId }), entry);
      const policies = asList(resource.Properties?.Policies) as Array<{ PolicyName?: unknown; PolicyDocument?: unknown }>;
      for (const policy of policies) {
        entry.sources.push({
          policy: `${entry.path} (inline ${resolver.render(stack.stackName, policy?.PolicyName)})`,
          policyType: 'inline',
          document: policy?.PolicyDocument,
          stackName: stack.stackName,
          acknowledgements: acknowledgementsOf(resource),
        });
      }
    }
  }

  /** The role an attachment refers to or names; a role outside the assembly gets an entry of its own. */
  const roleFor = (stackName: string, value: unknown): RoleEntry => {
    const target = resolver.target(stackName, value);
    const known = target === undefined ? undefined : roles.get(key(target));
    if (known !== undefined) return known;
    const name = resolver.render(stackName, value);
    const named = [...roles.values()].find((entry) => entry.resource !== undefined && resolver.render(entry.stack, entry.resource.Properties?.RoleName) === name);
    if (named !== undefined) return named;
    const external = `external:${name}`;
    if (!roles.has(external)) roles.set(external, { stack: stackName, logicalId: '', path: `role ${name} (not in the assembly)`, sources: [], managedPolicies: [] });
    return roles.get(external)!;
  };

  const managedPolicies = new Map<string, PolicySource>();
  for (const { stack } of context.stacks) {
    for (const [logicalId, resource] of resourcesOf(stack, 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy')) {
      const source: PolicySource = {
        policy: resourcePath(stack, logicalId),
        policyType: resource.Type,
        document: resource.Properties?.PolicyDocument,
        stackName: stack.stackName,
        acknowledgements: acknowledgementsOf(resource),
      };
      if (resource.Type === 'AWS::IAM::ManagedPolicy') managedPolicies.set(key({ stackName: stack.stackName, logicalId }), source);
      const attached = resource.Type === 'AWS::IAM::RolePolicy' ? [resource.Properties?.RoleName] : asList(resource.Properties?.Roles);
      for (const role of attached) {
        const entry = roleFor(stack.stackName, role);
        if (!entry.sources.includes(source)) entry.sources.push(source);
      }
    }
  }

  for (const entry of roles.values()) {
    for (const arn of asList(entry.resource?.Properties?.ManagedPolicyArns)) {
      const target = resolver.target(entry.stack, arn);
      const source = target === undefined ? undefined : managedPolicies.get(key(target));
      if (source !== undefined) {
        if (!entry.sources.includes(source)) entry.sources.push(source);
      } else {
        entry.managedPolicies.push(resolver.render(entry.stack, arn));
      }
    }
  }

  return [...roles.values()];
}

/**
 * Every IAM role of the environment: who may assume it, and each statement
 * of its inline policies, of the AWS::IAM::Policy, RolePolicy and
 * ManagedPolicy resources attached to it (in any stack of the
 * environment), with every wildcard matched to the acknowledgement in the
 * metadata of the resource that holds the statement.
 */
export function roleAudits(context: AuditContext): RoleAudit[] {
  return roleEntries(context)
    .map((entry): RoleAudit => {
      const description = entry.resource?.Properties?.Description;
      return {
        stack: entry.stack,
        stage: context.stackOf(entry.stack)?.stage ?? '',
        logicalId: entry.logicalId,
        path: entry.path,
        description: typeof description === 'string' ? description : null,
        assumedBy: entry.resource === undefined ? [] : trustOf(context, entry.stack, entry.resource),
        managedPolicies: [...new Set(entry.managedPolicies)].sort(compareText),
        statements: [...entry.sources]
          .sort((a, b) => compareText(a.policy, b.policy))
          .flatMap((source) => statementsOf(source.document).map((statement) => statementAudit(context, source, statement))),
      };
    })
    .sort(byStackThenPath(context));
}

/** Every wildcard of every role with the role and policy it belongs to. */
export function wildcardsOf(roles: readonly RoleAudit[]): Array<{ role: string; policy: string; wildcard: WildcardAudit }> {
  return roles.flatMap((role) => role.statements.flatMap((statement) => statement.wildcards.map((wildcard) => ({ role: role.path, policy: statement.policy, wildcard }))));
}
