import { KitError } from '../errors';
import { formatSizeTable, SIZE_USAGE, sizeInput, sizeJson, sizeReport } from './size';

const USAGE = `usage: kit <command> [options]

commands:
  size    which instances a model fits, with prices

${SIZE_USAGE}`;

/** Runs one command; returns the exit code. Output goes to the given writers (tests pass their own). */
export function main(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'size': {
        const { input, json } = sizeInput(rest);
        const report = sizeReport(input);
        out(json ? sizeJson(report) : formatSizeTable(report));
        return 0;
      }
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
