/**
 * Times `cdk synth` of every environment against the floor (an almost empty
 * aws-cdk-lib app run the same way, through the CLI and tsx), `kit size`, and
 * the wall time of `npm test`. Prints medians and the ratio, and writes them to
 * bench/results.json. Usage: npm run bench [-- --runs 5]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environmentNames } from '../lib/config/load';

const ROOT = path.join(__dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');

function seconds(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  execFileSync(command, args, { cwd: ROOT, stdio: 'ignore', env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' } });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function synth(extra: string[]): number {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-bench-'));
  try {
    return seconds(CDK, ['synth', '--quiet', '--no-notices', '--output', out, ...extra]);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

const floor: number[] = [];
const perEnvironment: Record<string, number[]> = {};
const all: number[] = [];
for (let run = 0; run < RUNS; run += 1) {
  floor.push(synth(['--app', 'npx tsx bench/empty-app.ts']));
  for (const name of environmentNames()) (perEnvironment[name] ??= []).push(synth(['-c', `env=${name}`]));
  all.push(synth([]));
}
const kitSize: number[] = [];
for (let run = 0; run < RUNS; run += 1) {
  kitSize.push(seconds(process.execPath, ['bin/kit.js', 'size', '--params', '70', '--precision', 'fp16', '--context', '4096', '--concurrency', '4']));
}
const tests = [seconds('npm', ['test', '--silent'])];

const results = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  runs: RUNS,
  floorSeconds: median(floor),
  environments: Object.fromEntries(
    Object.entries(perEnvironment).map(([name, times]) => [name, { seconds: median(times), ratioToFloor: median(times) / median(floor) }]),
  ),
  allEnvironments: { seconds: median(all), ratioToFloor: median(all) / median(floor) },
  kitSizeSeconds: median(kitSize),
  npmTestSeconds: tests[0],
};
const fmt = (value: number) => value.toFixed(2);
process.stdout.write(`synth, median of ${RUNS} runs (${results.machine})\n`);
process.stdout.write(`  floor (empty app)   ${fmt(results.floorSeconds)} s\n`);
for (const [name, { seconds: s, ratioToFloor }] of Object.entries(results.environments)) {
  process.stdout.write(`  ${name.padEnd(19)} ${fmt(s)} s  x${fmt(ratioToFloor)}\n`);
}
process.stdout.write(`  all environments    ${fmt(results.allEnvironments.seconds)} s  x${fmt(results.allEnvironments.ratioToFloor)}\n`);
process.stdout.write(`kit size (node)       ${fmt(results.kitSizeSeconds)} s\n`);
process.stdout.write(`npm test (wall)       ${fmt(results.npmTestSeconds)} s\n`);
fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
