/**
 * Times `kit audit` and `kit cost` of every environment against an existing
 * cloud assembly (it does not synthesize: run npm run synth first, or give
 * --assembly): as users run them (node bin/kit.js, through tsx), next to the
 * floor (`kit help`, the same start without a report), and in this process
 * (main called again once the modules are loaded: the reports' own work).
 * Checks that every run writes the same bytes. Prints medians and writes
 * bench/reports-results.json. Usage: npx tsx bench/reports-time.ts [--assembly DIR] [--runs 3]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../lib/cli/main';
import { environmentNames } from '../lib/config/load';

const ROOT = path.join(__dirname, '..');
const option = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const RUNS = Number(option('runs', '3'));
const ASSEMBLY = path.resolve(option('assembly', path.join(ROOT, 'cdk.out')));
const COMMANDS = ['audit', 'cost'] as const;
type Times = Record<string, Record<string, number[]>>;

/** Runs `node bin/kit.js <args>` once; exit code 1 still wrote the reports (audit findings, a failing budget). */
function seconds(args: string[]): number {
  const start = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'bin', 'kit.js'), ...args], { cwd: ROOT, stdio: 'ignore' });
  } catch (error) {
    if ((error as { status?: number }).status !== 1) throw error;
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs `kit <args>` in this process, output discarded. */
async function inProcessSeconds(args: string[]): Promise<number> {
  const start = process.hrtime.bigint();
  const code = await main(args, () => undefined, () => undefined);
  if (code > 1) throw new Error(`kit ${args.join(' ')} exited ${code}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The files of a report directory with their bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  return new Map(fs.readdirSync(dir).sort().map((name) => [name, fs.readFileSync(path.join(dir, name))]));
}

function sameBytes(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  return a.size === b.size && [...a].every(([name, bytes]) => b.get(name)?.equals(bytes) === true);
}

const record = (times: Times, environment: string, command: string, value: number) => ((times[environment] ??= {})[command] ??= []).push(value);

async function measure(environments: readonly string[], work: string) {
  const floor: number[] = [];
  const started: Times = {};
  const warm: Times = {};
  let identical = true;
  for (let run = 0; run < RUNS; run += 1) {
    floor.push(seconds(['help']));
    const out = path.join(work, `run-${run}`);
    for (const environment of environments) {
      for (const command of COMMANDS) record(started, environment, command, seconds([command, '--env', environment, '--assembly', ASSEMBLY, '--out', out]));
      if (run > 0) identical &&= sameBytes(snapshot(path.join(work, 'run-0', environment)), snapshot(path.join(out, environment)));
    }
  }
  // The first call of each command loads its modules: not counted.
  for (const command of COMMANDS) await inProcessSeconds([command, '--env', environments[0], '--assembly', ASSEMBLY, '--out', path.join(work, 'warm-up')]);
  for (let run = 0; run < RUNS; run += 1) {
    for (const environment of environments) {
      for (const command of COMMANDS) record(warm, environment, command, await inProcessSeconds([command, '--env', environment, '--assembly', ASSEMBLY, '--out', path.join(work, 'warm')]));
    }
  }
  return {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`,
    runs: RUNS,
    floorSeconds: median(floor),
    environments: Object.fromEntries(
      environments.map((environment) => [
        environment,
        Object.fromEntries(COMMANDS.map((command) => [command, { seconds: median(started[environment][command]), inProcessSeconds: median(warm[environment][command]) }])),
      ]),
    ),
    identicalBytes: identical,
  };
}

async function bench(): Promise<number> {
  if (!fs.existsSync(path.join(ASSEMBLY, 'manifest.json'))) {
    process.stderr.write(`no cloud assembly in ${ASSEMBLY}: run npm run synth first, or give --assembly DIR\n`);
    return 1;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-bench-reports-'));
  let results: Awaited<ReturnType<typeof measure>>;
  try {
    results = await measure(environmentNames(), work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const fmt = (value: number) => `${value.toFixed(2)} s`.padStart(12);
  const lines = [
    `kit audit and kit cost of ${ASSEMBLY}, median of ${RUNS} runs (${results.machine})`,
    `  ${'environment'.padEnd(12)}${'audit'.padStart(12)}${'cost'.padStart(12)}${'audit work'.padStart(12)}${'cost work'.padStart(12)}`,
    ...Object.entries(results.environments).map(([environment, { audit, cost }]) => `  ${environment.padEnd(12)}${fmt(audit.seconds)}${fmt(cost.seconds)}${fmt(audit.inProcessSeconds)}${fmt(cost.inProcessSeconds)}`),
    `  ${'floor (help)'.padEnd(12)}${fmt(results.floorSeconds)}`,
    'audit, cost: node bin/kit.js, start included; work: main called again in a warm process',
    `same bytes on every run: ${results.identicalBytes ? 'yes' : 'NO'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(ROOT, 'bench', 'reports-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  return results.identicalBytes ? 0 : 1;
}

void bench().then((code) => {
  process.exitCode = code;
});
