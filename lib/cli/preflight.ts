import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEnvironment } from '../config/load';
import { KitError } from '../errors';
import { type BedrockClientFactory, type CheckResult, type CheckRow, createBedrockClient, MissingCredentialsError, preflightChecks, runPreflight } from '../preflight';

export const PREFLIGHT_USAGE = `usage: kit preflight --env NAME [--json] [--config-dir DIR]

Asks Bedrock, in the environment's region with the caller's AWS credentials,
about every Bedrock model the config names (model.modelId,
evaluate.bedrockModelIds, evaluate.judge.modelId,
evaluate.bedrockEvaluation.evaluatorModelId, augment.embeddingModel.modelId,
augment.agent.modelId), and about the guardrail feature when the config has
an augment section (augment.guardrail). Checks: offered (in the region and
ACTIVE; LEGACY warns), invocable (on demand or through which inference
profile), fine-tuning (when the adapt section asks for it), guardrails
(Bedrock Guardrails answers ListGuardrails in the region).
Exit code 0: every check passed (warnings allowed); 1: a check failed;
2: no AWS credentials.`;

export interface PreflightInput {
  readonly env: string;
  readonly json: boolean;
  /** Folder of the environment files; absent: the shipped config/. */
  readonly configDir?: string;
}

export interface PreflightReport {
  readonly environment: string;
  readonly region: string;
  readonly checks: readonly CheckRow[];
}

export function preflightInput(argv: readonly string[]): PreflightInput {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string' },
      json: { type: 'boolean', default: false },
      'config-dir': { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new KitError(`unexpected argument ${JSON.stringify(positionals[0])}\n${PREFLIGHT_USAGE}`);
  if (values.env === undefined) throw new KitError(`missing --env\n${PREFLIGHT_USAGE}`);
  return { env: values.env, json: values.json, configDir: values['config-dir'] === undefined ? undefined : path.resolve(values['config-dir']) };
}

function counts(report: PreflightReport): Record<CheckResult, number> {
  const tally: Record<CheckResult, number> = { PASS: 0, WARN: 0, FAIL: 0 };
  for (const row of report.checks) tally[row.result] += 1;
  return tally;
}

/** 0 when every check passed or warned, 1 when one failed. */
export function preflightExitCode(report: PreflightReport): number {
  return counts(report).FAIL > 0 ? 1 : 0;
}

export function formatPreflightTable(report: PreflightReport): string {
  const lines = [`preflight of environment ${report.environment} in ${report.region}`];
  if (report.checks.length === 0) {
    lines.push('nothing to check: the environment names no Bedrock model (model.source bedrock, evaluate.bedrockModelIds, evaluate.judge)');
    return `${lines.join('\n')}\n`;
  }
  const named = new Map(report.checks.map((row) => [row.subject, row.roles]));
  lines.push(...[...named].map(([subject, roles]) => `  ${subject}: named by ${roles.join(', ')}`), '');
  const header = ['check', 'subject', 'result', 'detail'];
  const rows = report.checks.map((row) => [row.check, row.subject, row.result, row.detail]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const render = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  lines.push(render(header), ...rows.map(render));
  const tally = counts(report);
  lines.push('', `${tally.PASS} passed, ${tally.WARN} warned, ${tally.FAIL} failed`);
  return `${lines.join('\n')}\n`;
}

export function preflightJson(report: PreflightReport): string {
  const tally = counts(report);
  return `${JSON.stringify(
    {
      environment: report.environment,
      region: report.region,
      result: tally.FAIL > 0 ? 'FAIL' : tally.WARN > 0 ? 'WARN' : 'PASS',
      counts: { pass: tally.PASS, warn: tally.WARN, fail: tally.FAIL },
      checks: report.checks,
    },
    null,
    2,
  )}\n`;
}

/**
 * `kit preflight`: loads the environment, asks Bedrock, prints the table
 * (or JSON) and returns the exit code. Missing credentials: one line on
 * `err`, exit code 2.
 */
export async function preflightCommand(
  argv: readonly string[],
  out: (text: string) => void,
  err: (text: string) => void,
  createClient: BedrockClientFactory = createBedrockClient,
): Promise<number> {
  const input = preflightInput(argv);
  const { name, config } = loadEnvironment(input.env, input.configDir);
  const subjects = preflightChecks(config);
  let checks: CheckRow[] = [];
  if (subjects.length > 0) {
    const client = createClient(config.region);
    try {
      checks = await runPreflight(client, config.region, subjects);
    } catch (error) {
      if (!(error instanceof MissingCredentialsError)) throw error;
      err(`preflight: ${error.message}\n`);
      return 2;
    } finally {
      client.destroy();
    }
  }
  const report: PreflightReport = { environment: name, region: config.region, checks };
  out(input.json ? preflightJson(report) : formatPreflightTable(report));
  return preflightExitCode(report);
}
