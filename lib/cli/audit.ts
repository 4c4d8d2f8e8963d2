import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { KitError } from '../errors';
import { CloudAssembly } from '../reports/assembly';
import { auditJson, auditMarkdown, buildAudit } from '../reports/audit';

export const AUDIT_USAGE = `usage: kit audit [--env NAME] [--assembly DIR] [--out DIR]

Reads the synthesized cloud assembly (run npm run synth first) and writes,
per environment, <out>/<env>/audit.md and <out>/<env>/audit.json: stacks by
lifecycle stage, data stores, IAM roles with every wildcard and its
acknowledgement, network exposure, compliance findings and acknowledgements
with their reasons, and a Mermaid diagram of the data flowing between
stages. The same assembly always gives the same bytes.

options:
  --env NAME       an environment of the assembly (repeatable; default: every one)
  --assembly DIR   the cloud assembly (default: cdk.out)
  --out DIR        where the reports go (default: reports)

Exit code 1 when a wildcard has no acknowledgement or a compliance finding is
open (the reports are written all the same).`;

/**
 * `kit audit`: writes the audit reports of each environment and returns the
 * exit code; a bad option or assembly throws a KitError (main prints it, exit 1).
 */
export function auditCommand(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string', multiple: true },
      assembly: { type: 'string', default: 'cdk.out' },
      out: { type: 'string', default: 'reports' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    out(`${AUDIT_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new KitError(`unexpected argument ${JSON.stringify(positionals[0])}\n${AUDIT_USAGE}`);
  const assembly = CloudAssembly.open(values.assembly);
  let problems = 0;
  for (const environment of assembly.selectEnvironments(values.env)) {
    const report = buildAudit(assembly, environment);
    const dir = path.join(values.out, environment);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'audit.md'), auditMarkdown(report));
    fs.writeFileSync(path.join(dir, 'audit.json'), auditJson(report));
    const { summary } = report;
    out(
      `${environment}: wrote ${path.join(dir, 'audit.md')} and audit.json: ${summary.stacks} stacks, ${summary.roles} roles, ` +
        `${summary.wildcards} wildcards (${summary.unacknowledgedWildcards} unacknowledged), ${summary.dataStores} data stores, ` +
        `${summary.acknowledgements} acknowledgements, ${summary.findings} open findings\n`,
    );
    for (const wildcard of report.unacknowledgedWildcards) {
      err(`${environment}: wildcard without acknowledgement: ${wildcard.finding} in ${wildcard.policy} (role ${wildcard.role})\n`);
    }
    for (const pack of report.compliance.packs) {
      for (const finding of pack.findings) err(`${environment}: open finding ${finding.rule} on ${finding.paths.join(', ')}\n`);
    }
    problems += summary.unacknowledgedWildcards + summary.findings;
  }
  return problems > 0 ? 1 : 0;
}
