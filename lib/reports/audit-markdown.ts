import type { AuditReport } from './audit';
import { parseRuleId } from './audit-compliance';
import type { RoleAudit, WildcardAudit } from './audit-iam';

/** An inline code span that survives any content (backticks, HTML-like `<path>` references). */
function code(text: string): string {
  if (text === '') return '';
  const fence = text.includes('`') ? '``' : '`';
  const pad = fence.length > 1 || text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Text from the assembly outside code spans: `<prefix>` would otherwise be read as an HTML tag. */
const text = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A table cell: pipes escaped, line breaks as `<br>`. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
const codes = (items: readonly string[], separator = '<br>') => items.map(code).join(separator);
const orDash = (value: string | null) => (value === null || value === '' ? '-' : text(value));

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)];
}

function summary(report: AuditReport): string[] {
  const { summary: s, compliance } = report;
  const packs = compliance.packs.map((pack) => `${pack.pack}: ${pack.findings.length} open findings, ${pack.acknowledgements.length} acknowledgements`);
  return [
    '## Summary',
    '',
    s.unacknowledgedWildcards === 0
      ? `- Wildcards: ${s.wildcards} in the Allow statements of ${s.roles} roles, every one acknowledged with its reason.`
      : `- **Wildcards: ${s.unacknowledgedWildcards} of ${s.wildcards} NOT ACKNOWLEDGED** (see "Unacknowledged wildcards").`,
    `- Roles: ${s.roles}, with ${s.statements} policy statements.`,
    `- Data stores: ${s.dataStores}.`,
    `- Entry points: ${s.entryPoints}${s.openEntryPoints > 0 ? `, **${s.openEntryPoints} without authorization**` : ', none without authorization'}; security groups open to the internet: ${s.internetIngress > 0 ? `**${s.internetIngress}**` : '0'}; compute outside a VPC: ${s.outsideVpc}.`,
    `- Compliance: ${packs.length > 0 ? packs.join('; ') : 'no pack left an acknowledgement or a finding'}${compliance.validationReport ? '' : ' (the assembly has no validation report)'}.`,
    '',
  ];
}

function unacknowledged(report: AuditReport): string[] {
  if (report.unacknowledgedWildcards.length === 0) return [];
  return [
    `## WARNING: unacknowledged wildcards (${report.unacknowledgedWildcards.length})`,
    '',
    'Each of these grants a `*` that no acknowledgement in the template explains.',
    '',
    ...table(
      ['Role', 'Policy', 'Finding'],
      report.unacknowledgedWildcards.map((w) => [code(w.role), code(w.policy), code(w.finding)]),
    ),
    '',
  ];
}

function inventory(report: AuditReport): string[] {
  const rows = report.inventory.flatMap(({ stage, stacks }) =>
    stacks.map((stack) => [
      text(stage),
      code(stack.stackName),
      String(stack.resources),
      stack.dependsOn.length > 0 ? codes(stack.dependsOn, ', ') : '-',
      stack.terminationProtection ? 'on' : 'off',
      `${stack.region} / ${stack.account}`,
      Object.entries(stack.resourceTypes)
        .map(([type, count]) => `${type} ×${count}`)
        .join(', '),
    ]),
  );
  return [
    '## Lifecycle stages and stacks',
    '',
    ...table(['Stage', 'Stack', 'Resources', 'Depends on', 'Termination protection', 'Region / account', 'Resource types'], rows),
    '',
  ];
}

function flows(report: AuditReport): string[] {
  return [
    '## Data flow between stages',
    '',
    'Solid arrows: data a stage reads from, writes to, invokes in or triggers in another (from IAM statements and event rules); dotted: resources used without such a flow (cross-stack references).',
    '',
    '```mermaid',
    report.mermaid.trimEnd(),
    '```',
    '',
    ...table(
      ['From', 'To', 'Kind', 'Resources', 'Via'],
      report.flows.map((flow) => [text(flow.from), text(flow.to), flow.kind, codes(flow.resources), flow.via.length > 0 ? codes(flow.via) : '-']),
    ),
    '',
  ];
}

function dataStores(report: AuditReport): string[] {
  return [
    '## Data stores',
    '',
    ...table(
      ['Stage', 'Resource', 'Type', 'Encryption', 'Versioning / rotation', 'Retention', 'Removal', 'Public access', 'Logging', 'Notes'],
      report.dataStores.map((store) => [
        text(store.stage),
        code(store.path),
        store.type,
        orDash(store.encryption),
        orDash(store.versioning),
        orDash(store.retention),
        text(store.removalPolicy),
        orDash(store.publicAccess),
        orDash(store.logging),
        orDash(store.notes.join('; ')),
      ]),
    ),
    '',
  ];
}

/** The acknowledgement of a wildcard, short when it names exactly this finding. */
function acknowledgedBy(wildcard: WildcardAudit): string {
  if (wildcard.acknowledgement === null) return '**NONE**';
  const { id } = wildcard.acknowledgement;
  return id === `${parseRuleId(id).rule}[${wildcard.finding}]` ? `${code(parseRuleId(id).rule)} for this finding` : code(id);
}

function role(entry: RoleAudit): string[] {
  const trust = entry.assumedBy.map(
    (statement) =>
      `- Assumed by ${statement.principals.length > 0 ? codes(statement.principals, ', ') : 'nobody named'} (${codes(statement.actions, ', ')})${
        statement.conditions.length > 0 ? ` when ${codes(statement.conditions, ' and ')}` : ''
      }`,
  );
  // A policy with the same wildcard in two statements has one acknowledgement for both: one row.
  const unique = new Map<string, { policy: string; wildcard: WildcardAudit }>();
  for (const statement of entry.statements) {
    for (const wildcard of statement.wildcards) unique.set(`${statement.policy}\0${wildcard.finding}`, { policy: statement.policy, wildcard });
  }
  const wildcards = [...unique.values()];
  return [
    `### ${code(entry.path)}`,
    '',
    `Stage ${entry.stage}, stack ${code(entry.stack)}${entry.logicalId !== '' ? `, logical id ${code(entry.logicalId)}` : ''}.${entry.description !== null ? ` ${text(entry.description)}.` : ''}`.replace(/\.\.$/, '.'),
    '',
    ...(trust.length > 0 ? trust : ['- Trust policy: not in the assembly']),
    ...(entry.managedPolicies.length > 0 ? [`- Managed policies defined outside the assembly: ${codes(entry.managedPolicies, ', ')}`] : []),
    '',
    ...(entry.statements.length === 0
      ? ['No policy statement in the assembly.']
      : table(
          ['Policy', 'Effect', 'Actions', 'Resources', 'Conditions'],
          entry.statements.map((statement) => [
            code(statement.policy),
            text(statement.effect),
            [...statement.actions.map(code), ...statement.notActions.map((action) => `NOT ${code(action)}`)].join('<br>'),
            [...statement.resources.map(code), ...statement.notResources.map((resource) => `NOT ${code(resource)}`)].join('<br>') || '-',
            statement.conditions.length > 0 ? codes(statement.conditions) : '-',
          ]),
        )),
    '',
    ...(wildcards.length === 0
      ? ['No wildcard.']
      : table(
          ['Wildcard', 'Policy', 'Acknowledged by', 'Reason'],
          wildcards.map(({ policy, wildcard }) => [
            `${wildcard.kind} ${code(wildcard.value)}`,
            code(policy),
            acknowledgedBy(wildcard),
            wildcard.acknowledgement === null ? '**no acknowledgement covers this wildcard**' : text(wildcard.acknowledgement.reason),
          ]),
        )),
    '',
  ];
}

function network(report: AuditReport): string[] {
  const { vpcs, endpoints, securityGroups, entryPoints, placement } = report.network;
  const none = (rows: string[][], text: string, render: () => string[]) => (rows.length === 0 ? [text, ''] : [...render(), '']);
  const entryRows = entryPoints.map((entry) => [text(entry.stage), code(entry.path), text(entry.kind), code(entry.address), entry.open ? `**${text(entry.authorization)} (open)**` : text(entry.authorization)]);
  const subnetRows = vpcs.flatMap((vpc) =>
    vpc.subnets.map((subnet) => [code(vpc.path), code(vpc.cidr), code(subnet.path), code(subnet.cidr), code(subnet.availabilityZone), text(subnet.routing), subnet.publicIpOnLaunch ? '**yes**' : 'no']),
  );
  const endpointRows = endpoints.map((endpoint) => [
    text(endpoint.stage),
    code(endpoint.service),
    text(endpoint.type),
    endpoint.privateDns === null ? '-' : endpoint.privateDns ? 'yes' : 'no',
    String(endpoint.subnets),
    endpoint.securityGroups.length > 0 ? codes(endpoint.securityGroups) : '-',
    endpoint.policy ? 'yes' : 'no',
  ]);
  const groupRows = securityGroups.map((group) => [
    text(group.stage),
    code(group.path),
    text(group.description),
    group.ingress.length > 0 ? codes(group.ingress) : 'none',
    codes(group.egress),
    group.openToInternet ? '**yes**' : 'no',
  ]);
  const placementRows = placement.map((placed) => [
    text(placed.stage),
    code(placed.path),
    text(placed.kind),
    placed.inVpc ? 'yes' : '**no**',
    placed.subnets.length > 0 ? codes(placed.subnets) : '-',
    placed.securityGroups.length > 0 ? codes(placed.securityGroups) : '-',
    placed.networkIsolation === null ? '-' : placed.networkIsolation ? 'yes' : 'no',
  ]);
  return [
    '## Network exposure',
    '',
    '### Entry points (APIs, URLs, endpoints)',
    '',
    ...none(entryRows, 'No API, URL or endpoint.', () => table(['Stage', 'Resource', 'Kind', 'Address', 'Authorization'], entryRows)),
    '### VPCs and subnets',
    '',
    ...vpcs.flatMap((vpc) => [`- ${code(vpc.path)} ${code(vpc.cidr)}: flow logs ${vpc.flowLogs.length > 0 ? codes(vpc.flowLogs, ', ') : '**none**'}`]),
    ...(vpcs.length > 0 ? [''] : []),
    ...none(subnetRows, 'No VPC or subnet in the assembly (an imported network is listed by its ids where compute uses it).', () =>
      table(['VPC', 'VPC CIDR', 'Subnet', 'CIDR', 'Zone', 'Routing', 'Public IP on launch'], subnetRows),
    ),
    '### VPC endpoints',
    '',
    ...none(endpointRows, 'No VPC endpoint.', () => table(['Stage', 'Service', 'Type', 'Private DNS', 'Subnets', 'Security groups', 'Policy'], endpointRows)),
    '### Security groups',
    '',
    ...none(groupRows, 'No security group.', () => table(['Stage', 'Group', 'Description', 'Ingress', 'Egress', 'Open to the internet'], groupRows)),
    '### What runs in a VPC',
    '',
    ...none(placementRows, 'No function, model or job.', () => table(['Stage', 'Resource', 'Kind', 'In a VPC', 'Subnets', 'Security groups', 'Network isolation'], placementRows)),
  ];
}

function compliance(report: AuditReport): string[] {
  const { packs, validationReport } = report.compliance;
  const lines = [
    '## Compliance',
    '',
    validationReport
      ? 'Findings come from the validation report of the assembly (`validation-report.json`); acknowledgements from the template metadata (`cdk_nag.rules_to_suppress`), each with its reason.'
      : 'The assembly has no validation report: findings are unknown. Acknowledgements come from the template metadata (`cdk_nag.rules_to_suppress`), each with its reason.',
    '',
  ];
  if (packs.length === 0) return [...lines, 'No pack left a finding or an acknowledgement.', ''];
  for (const pack of packs) {
    lines.push(`### ${text(pack.pack)}`, '');
    lines.push(
      pack.findings.length === 0
        ? `Open findings: none.${pack.conclusion !== null ? ` Report conclusion: ${pack.conclusion}.` : ''}`
        : `**Open findings: ${pack.findings.length}** (report conclusion: ${pack.conclusion ?? 'unknown'}).`,
      '',
    );
    if (pack.findings.length > 0) {
      lines.push(...table(['Rule', 'Severity', 'Constructs', 'Description'], pack.findings.map((f) => [code(f.rule), text(f.severity), codes(f.paths), text(f.description)])), '');
    }
    lines.push(`Acknowledgements: ${pack.acknowledgements.length}.`, '');
    if (pack.acknowledgements.length > 0) {
      lines.push(
        ...table(
          ['Rule', 'Finding', 'Resource', 'Reason'],
          pack.acknowledgements.map((a) => [code(a.rule), a.finding === null ? '-' : code(a.finding), code(a.path), a.reason === '' ? '**no reason given**' : text(a.reason)]),
        ),
        '',
      );
    }
  }
  return lines;
}

/** The report for people: Markdown with a Mermaid diagram, every table sorted as the report is. */
export function auditMarkdown(report: AuditReport): string {
  const { summary: s } = report;
  const lines = [
    `# Audit of environment ${code(report.environment)}`,
    '',
    `Read from the synthesized cloud assembly (schema ${report.assemblyVersion}): ${s.stacks} stacks with ${s.resources} resources in ${s.stages} lifecycle stages. ` +
      'Every value comes from the templates and the validation report: a reference reads `<construct path.attribute>`, a value known only at deploy time `${AWS::AccountId}`.',
    '',
    ...summary(report),
    ...unacknowledged(report),
    ...inventory(report),
    ...flows(report),
    ...dataStores(report),
    '## IAM roles',
    '',
    ...report.roles.flatMap(role),
    ...network(report),
    ...compliance(report),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
