import { compareText, resourcePath, resourcesOf, trimConstructPath, type TemplateResource, type ValidationReport } from './assembly';
import type { AuditContext } from './audit-context';

/** An acknowledgement written into a template (`Metadata.cdk_nag.rules_to_suppress`). */
export interface Acknowledgement {
  /** The rule, optionally narrowed to one finding: `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  readonly reason: string;
  /** cdk-nag 2 style: the findings of the rule it covers (strings, or `{ regex: '/.../' }`). */
  readonly appliesTo?: readonly unknown[];
}

/** A rule id split into its pack, rule and finding: `AwsSolutions`, `IAM5`, `Resource::*`. */
export interface RuleId {
  readonly pack: string;
  /** `<pack>-<rule>`, without the finding. */
  readonly rule: string;
  readonly finding?: string;
}

export interface AcknowledgementAudit {
  readonly rule: string;
  readonly finding: string | null;
  readonly stack: string;
  readonly logicalId: string;
  readonly path: string;
  readonly type: string;
  readonly reason: string;
}

export interface FindingAudit {
  readonly rule: string;
  readonly severity: string;
  readonly description: string;
  /** Construct paths of this environment that break the rule. */
  readonly paths: readonly string[];
}

export interface PackAudit {
  readonly pack: string;
  /** The pack's conclusion in the validation report; null when the report does not list it (no finding, nothing suppressed). */
  readonly conclusion: string | null;
  readonly findings: readonly FindingAudit[];
  readonly acknowledgements: readonly AcknowledgementAudit[];
}

export interface ComplianceAudit {
  /** Whether the assembly holds a validation report at all. */
  readonly validationReport: boolean;
  readonly packs: readonly PackAudit[];
}

const NAG_METADATA = 'cdk_nag';
const RULE_ID = /^([^-[\]]+)-([^[\]]+?)(?:\[([\s\S]*)\])?$/;
/** aws-cdk-lib's own validation plugins name their rules `<plugin>::<rule>` (`CloudFormation-Validate::W3010`). */
const PLUGIN_RULE_ID = /^([^:[\]]+)::([^[\]]+)$/;

/** The acknowledgements in a resource's metadata, in template order. */
export function acknowledgementsOf(resource: TemplateResource | undefined): Acknowledgement[] {
  const nag = resource?.Metadata?.[NAG_METADATA] as { rules_to_suppress?: unknown } | undefined;
  const rules = Array.isArray(nag?.rules_to_suppress) ? nag.rules_to_suppress : [];
  return rules
    .filter((rule): rule is { id: string; reason?: unknown; applies_to?: unknown } => typeof (rule as { id?: unknown })?.id === 'string')
    .map((rule) => ({
      id: rule.id,
      reason: typeof rule.reason === 'string' ? rule.reason : '',
      ...(Array.isArray(rule.applies_to) ? { appliesTo: rule.applies_to } : {}),
    }));
}

/** Splits a cdk-nag rule id (`<pack>-<rule>[<finding>]`) or a plugin's (`<plugin>::<rule>`); an id of no known shape is its own pack and rule. */
export function parseRuleId(id: string): RuleId {
  const plugin = PLUGIN_RULE_ID.exec(id);
  if (plugin !== null) return { pack: plugin[1], rule: id };
  const match = RULE_ID.exec(id);
  if (match === null) return { pack: id, rule: id };
  return { pack: match[1], rule: `${match[1]}-${match[2]}`, ...(match[3] !== undefined ? { finding: match[3] } : {}) };
}

function belongsTo(context: AuditContext, path: string): boolean {
  return context.stackOfPath(path) !== undefined;
}

/**
 * Compliance of one environment, per pack: the findings the validation
 * report lists for its constructs, and every acknowledgement written into
 * its templates with its reason. Packs come from both, so a pack with
 * neither finding nor acknowledgement does not appear.
 */
export function complianceAudit(context: AuditContext, report: ValidationReport | undefined): ComplianceAudit {
  const packs = new Map<string, { conclusion: string | null; findings: FindingAudit[]; acknowledgements: AcknowledgementAudit[] }>();
  const packOf = (name: string) => {
    let pack = packs.get(name);
    if (pack === undefined) packs.set(name, (pack = { conclusion: null, findings: [], acknowledgements: [] }));
    return pack;
  };

  for (const { stack } of context.stacks) {
    for (const [logicalId, resource] of resourcesOf(stack)) {
      for (const acknowledgement of acknowledgementsOf(resource)) {
        const id = parseRuleId(acknowledgement.id);
        packOf(id.pack).acknowledgements.push({
          rule: id.rule,
          finding: id.finding ?? (acknowledgement.appliesTo !== undefined ? `applies to ${JSON.stringify(acknowledgement.appliesTo)}` : null),
          stack: stack.stackName,
          logicalId,
          path: resourcePath(stack, logicalId),
          type: resource.Type,
          reason: acknowledgement.reason,
        });
      }
    }
  }

  for (const plugin of report?.pluginReports ?? []) {
    const findings = plugin.violations
      .map((violation): FindingAudit => ({
        rule: violation.ruleName,
        severity: violation.severity,
        description: violation.description,
        paths: [...new Set(violation.violatingConstructs.map((construct) => construct.constructPath).filter((path) => belongsTo(context, path)).map(trimConstructPath))].sort(compareText),
      }))
      .filter((finding) => finding.paths.length > 0);
    const suppressed = (plugin.suppressedViolations ?? []).flatMap((violation) =>
      violation.violatingConstructs
        .filter((construct) => belongsTo(context, construct.constructPath))
        .map((construct) => ({ violation, construct })),
    );
    if (findings.length === 0 && suppressed.length === 0) continue;
    const pack = packOf(plugin.pluginName);
    pack.conclusion = plugin.conclusion;
    pack.findings.push(...findings);
    for (const { violation, construct } of suppressed) {
      // `<plugin>::<rule>`: the rule of a nag pack names its pack itself (`AwsSolutions-S1`), a plugin's rule does not.
      const unqualified = violation.acknowledgedId.replace(/^[^:]+::/, '');
      const id = parseRuleId(RULE_ID.test(unqualified) ? unqualified : violation.acknowledgedId);
      const logicalId = construct.cloudFormationResource?.logicalId ?? '';
      const path = trimConstructPath(construct.constructPath);
      const stack = context.stackOfPath(construct.constructPath)?.stack;
      const already = pack.acknowledgements.some((existing) => existing.rule === id.rule && existing.finding === (id.finding ?? null) && existing.path === path);
      if (already) continue;
      pack.acknowledgements.push({
        rule: id.rule,
        finding: id.finding ?? null,
        stack: stack?.stackName ?? '',
        logicalId,
        path,
        type: stack?.template.Resources?.[logicalId]?.Type ?? '',
        reason: violation.reason ?? '',
      });
    }
  }

  return {
    validationReport: report !== undefined,
    packs: [...packs.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([pack, { conclusion, findings, acknowledgements }]) => ({
        pack,
        conclusion,
        findings: findings.sort((a, b) => compareText(a.rule, b.rule) || compareText(a.paths.join(), b.paths.join())),
        acknowledgements: acknowledgements.sort(
          (a, b) => compareText(a.rule, b.rule) || compareText(a.path, b.path) || compareText(a.finding ?? '', b.finding ?? '') || compareText(a.reason, b.reason),
        ),
      })),
  };
}
