import { KitError } from '../errors';
import type { BedrockClientFactory } from '../preflight';
import { AUDIT_USAGE, auditCommand } from './audit';
import { COST_USAGE, costCommand } from './cost';
import { PREFLIGHT_USAGE, preflightCommand } from './preflight';
import { formatSizeTable, SIZE_USAGE, sizeInput, sizeJson, sizeReport } from './size';

const USAGE = `usage: kit <command> [options]

commands:
  preflight  asks Bedrock whether the environment's models are offered and fit what is asked
  size       which instances a model fits, with prices
  audit      the audit report of each synthesized environment: stacks, data, IAM, network, compliance
  cost       the monthly cost estimate of each synthesized environment against its budget

${PREFLIGHT_USAGE}

${SIZE_USAGE}

${AUDIT_USAGE}

${COST_USAGE}`;

/** What the commands call outside the process; tests pass mocks. */
export interface CliDependencies {
  /**
   * Makes the Bedrock client of a region (preflight).
   * @default a client with the default credential chain and adaptive retry
   */
  readonly bedrockClient?: BedrockClientFactory;
}

/** Runs one command; resolves to the exit code. Output goes to the given writers (tests pass their own). */
export async function main(argv: readonly string[], out: (text: string) => void, err: (text: string) => void, dependencies: CliDependencies = {}): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'preflight':
        return await preflightCommand(rest, out, err, dependencies.bedrockClient);
      case 'size': {
        const { input, json } = sizeInput(rest);
        const report = sizeReport(input);
        out(json ? sizeJson(report) : formatSizeTable(report));
        return 0;
      }
      case 'audit':
        return auditCommand(rest, out, err);
      case 'cost':
        return costCommand(rest, out, err);
      case undefined:
      case '--help':
      case 'help':
        out(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        err(`unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof KitError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}
