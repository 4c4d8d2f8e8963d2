import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_DIR, loadEnvironment } from '../config/load';
import { KitError } from '../errors';
import { CloudAssembly } from '../reports/assembly';
import { budgetExitCode, estimateCost, type CostReport } from '../reports/cost';
import { budgetLine, formatCostJson, formatCostMarkdown, formatCostTable } from '../reports/cost-format';
import { inventory } from '../reports/cost-inventory';

export const COST_USAGE = `usage: kit cost [--env NAME] [--json] [--assembly DIR] [--out DIR] [--config-dir DIR]

Estimates each environment's monthly cost from the synthesized assembly
(run npm run synth first) and its config: endpoint instance-hours,
training runs, pipelines, storage, network and logs, with every price's
source. Prints a table (or JSON with --json), writes <out>/<env>/cost.md and
<out>/<env>/cost.json and compares the estimate with
scope.monthlyBudgetUsd: over budget it warns, or exits 1 when
scope.budgetAction is fail.

options:
  --env NAME        an environment (repeatable; default: every environment of the assembly)
  --json            print JSON instead of the table (an array for several environments)
  --assembly DIR    the cloud assembly (default: cdk.out)
  --out DIR         where the reports go (default: reports)
  --config-dir DIR  the environment files (default: config/)`;

export interface CostOptions {
  readonly help: boolean;
  readonly environments?: readonly string[];
  readonly json: boolean;
  readonly assembly: string;
  readonly out: string;
  readonly configDir: string;
}

/** Reads the options of `kit cost`. */
export function costOptions(argv: readonly string[]): CostOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      assembly: { type: 'string', default: 'cdk.out' },
      out: { type: 'string', default: 'reports' },
      'config-dir': { type: 'string', default: CONFIG_DIR },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new KitError(`unexpected argument ${JSON.stringify(positionals[0])}\n${COST_USAGE}`);
  return { help: values.help, environments: values.env, json: values.json, assembly: values.assembly, out: values.out, configDir: values['config-dir'] };
}

/**
 * Estimates one environment from its config and the assembly. The config is
 * read first, so a name no config file has fails listing the environments
 * whether or not an assembly exists; `assembly` opens it on first use.
 */
export function costReport(environment: string, configDir: string, assembly: () => CloudAssembly): CostReport {
  const { config } = loadEnvironment(environment, configDir);
  return estimateCost({ environment, config, inventory: inventory(assembly().environment(environment)) });
}

/** Writes DIR/<env>/cost.md and cost.json; returns the path of cost.md. */
export function writeCostReport(report: CostReport, outDir: string): string {
  const dir = path.join(outDir, report.environment);
  fs.mkdirSync(dir, { recursive: true });
  const markdownFile = path.join(dir, 'cost.md');
  fs.writeFileSync(markdownFile, formatCostMarkdown(report));
  fs.writeFileSync(path.join(dir, 'cost.json'), formatCostJson(report));
  return markdownFile;
}

/**
 * `kit cost`: prints, writes and judges the estimate of each environment;
 * returns the exit code (1 over budget with budgetAction fail). A bad option,
 * environment or assembly throws a KitError (main prints it, exit 1).
 */
export function costCommand(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  const options = costOptions(argv);
  if (options.help) {
    out(`${COST_USAGE}\n`);
    return 0;
  }
  let opened: CloudAssembly | undefined;
  const assembly = () => (opened ??= CloudAssembly.open(options.assembly));
  const environments = options.environments ?? assembly().selectEnvironments();
  const reports = environments.map((environment) => costReport(environment, options.configDir, assembly));
  let code = 0;
  for (const report of reports) {
    const markdownFile = writeCostReport(report, options.out);
    if (!options.json) out(`${reports.length > 1 && report !== reports[0] ? '\n' : ''}${formatCostTable(report, markdownFile)}`);
    if (report.budget.overBudget) err(`${budgetExitCode(report) === 1 ? 'error' : 'warning'}: ${report.environment}: ${budgetLine(report)}\n`);
    code = Math.max(code, budgetExitCode(report));
  }
  if (options.json) out(formatCostJson(reports.length === 1 ? reports[0] : reports));
  return code;
}
