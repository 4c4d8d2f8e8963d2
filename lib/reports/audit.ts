import { compareText, resourcesOf, type CloudAssembly } from './assembly';
import { complianceAudit, type ComplianceAudit } from './audit-compliance';
import { auditContext } from './audit-context';
import { dataStoreAudits, type DataStoreAudit } from './audit-data';
import { flowAudits, mermaid, stageNodes, type FlowAudit } from './audit-flows';
import { roleAudits, wildcardsOf, type RoleAudit } from './audit-iam';
import { networkAudit, type NetworkAudit } from './audit-network';

/**
 * The audit of one environment, read from its synthesized templates and
 * the validation report alone: what is deployed per lifecycle stage, where
 * data is kept and how, who may do what, what is reachable, and which
 * compliance findings were acknowledged and why. Pure: the same assembly
 * gives the same report.
 */

export interface StackInventory {
  readonly stackName: string;
  readonly constructPath: string;
  readonly region: string;
  readonly account: string;
  readonly terminationProtection: boolean;
  readonly dependsOn: readonly string[];
  readonly resources: number;
  /** Resource count by type. */
  readonly resourceTypes: Readonly<Record<string, number>>;
}

export interface StageInventory {
  readonly stage: string;
  readonly stacks: readonly StackInventory[];
}

export interface UnacknowledgedWildcard {
  readonly role: string;
  readonly policy: string;
  readonly finding: string;
  readonly value: string;
}

export interface AuditSummary {
  readonly stages: number;
  readonly stacks: number;
  readonly resources: number;
  readonly dataStores: number;
  readonly roles: number;
  readonly statements: number;
  /** Wildcards of roles' Allow statements, counted per role (a managed policy on two roles counts twice). */
  readonly wildcards: number;
  readonly unacknowledgedWildcards: number;
  readonly entryPoints: number;
  readonly openEntryPoints: number;
  readonly internetIngress: number;
  readonly outsideVpc: number;
  readonly findings: number;
  readonly acknowledgements: number;
}

export interface AuditReport {
  readonly environment: string;
  readonly assemblyVersion: string;
  readonly summary: AuditSummary;
  readonly inventory: readonly StageInventory[];
  readonly flows: readonly FlowAudit[];
  readonly mermaid: string;
  readonly dataStores: readonly DataStoreAudit[];
  readonly roles: readonly RoleAudit[];
  readonly unacknowledgedWildcards: readonly UnacknowledgedWildcard[];
  readonly network: NetworkAudit;
  readonly compliance: ComplianceAudit;
}

/** Audits one environment of an opened assembly; an unknown environment fails, listing the known ones. */
export function buildAudit(assembly: CloudAssembly, environmentName: string): AuditReport {
  const context = auditContext(assembly.environment(environmentName));
  const nodes = stageNodes(context);
  const inventory = nodes.map(({ stage, stacks }) => ({
    stage,
    stacks: stacks.map((name): StackInventory => {
      const { stack } = context.stackOf(name)!;
      const resourceTypes: Record<string, number> = {};
      const resources = resourcesOf(stack);
      for (const type of resources.map(([, resource]) => resource.Type).sort(compareText)) resourceTypes[type] = (resourceTypes[type] ?? 0) + 1;
      return {
        stackName: stack.stackName,
        constructPath: stack.displayName,
        region: stack.region,
        account: stack.account,
        terminationProtection: stack.terminationProtection,
        dependsOn: stack.dependencies,
        resources: resources.length,
        resourceTypes,
      };
    }),
  }));
  const flows = flowAudits(context);
  const dataStores = dataStoreAudits(context);
  const roles = roleAudits(context);
  const wildcards = wildcardsOf(roles);
  const unacknowledgedWildcards = wildcards
    .filter(({ wildcard }) => wildcard.acknowledgement === null)
    .map(({ role, policy, wildcard }) => ({ role, policy, finding: wildcard.finding, value: wildcard.value }));
  const network = networkAudit(context);
  const compliance = complianceAudit(context, assembly.validationReport);
  return {
    environment: context.environment,
    assemblyVersion: assembly.version,
    summary: {
      stages: inventory.length,
      stacks: context.stacks.length,
      resources: inventory.flatMap((stage) => stage.stacks).reduce((sum, stack) => sum + stack.resources, 0),
      dataStores: dataStores.length,
      roles: roles.length,
      statements: roles.reduce((sum, role) => sum + role.statements.length, 0),
      wildcards: wildcards.length,
      unacknowledgedWildcards: unacknowledgedWildcards.length,
      entryPoints: network.entryPoints.length,
      openEntryPoints: network.entryPoints.filter((entry) => entry.open).length,
      internetIngress: network.securityGroups.filter((group) => group.openToInternet).length,
      outsideVpc: network.placement.filter((placed) => !placed.inVpc).length,
      findings: compliance.packs.reduce((sum, pack) => sum + pack.findings.length, 0),
      acknowledgements: compliance.packs.reduce((sum, pack) => sum + pack.acknowledgements.length, 0),
    },
    inventory,
    flows,
    mermaid: mermaid(context, nodes, flows),
    dataStores,
    roles,
    unacknowledgedWildcards,
    network,
    compliance,
  };
}

/** Object keys sorted at every level, so equal reports are equal bytes. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort(compareText)
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The report as JSON: keys sorted, two-space indent, a trailing newline. */
export function auditJson(report: AuditReport): string {
  return `${JSON.stringify(canonical(report), null, 2)}\n`;
}

export { auditMarkdown } from './audit-markdown';
