import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../lib/cli/main';
import { ROOT } from '../helpers/app';

/** `kit audit` and `kit cost` as the command line runs them: through main, and from the package bin. */

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, (text) => (out += text), (text) => (err += text));
  return { code, out, err };
}

const FIXTURE = path.join(ROOT, 'test', 'lib', 'fixtures', 'cost');

describe('kit audit and kit cost', () => {
  test('list both commands with their usage in the help', async () => {
    const { code, out } = await run('help');
    expect(code).toBe(0);
    expect(out).toMatch(/\n {2}audit {6}the audit report of each synthesized environment/);
    expect(out).toMatch(/\n {2}cost {7}the monthly cost estimate of each synthesized environment/);
    expect(out).toContain('\nusage: kit audit [--env NAME] [--assembly DIR] [--out DIR]\n');
    expect(out).toContain('\nusage: kit cost [--env NAME] [--json] [--assembly DIR] [--out DIR] [--config-dir DIR]\n');
  });

  test('fails naming the environments when cost is asked for one that does not exist, exit 1', async () => {
    const { code, out, err } = await run('cost', '--env', 'nope');
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe('unknown environment "nope"; known environments: dev, prod, staging\n');
  });

  test('fails saying to run npm run synth when there is no assembly, in the same words for both, exit 1', async () => {
    const audit = await run('audit', '--assembly', '/nonexistent');
    const cost = await run('cost', '--assembly', '/nonexistent');
    const expected = { code: 1, out: '', err: 'no cloud assembly in /nonexistent (/nonexistent/manifest.json is missing): run npm run synth first\n' };
    expect(audit).toEqual(expected);
    expect(cost).toEqual(expected);
  });

  test('fails saying to run npm run synth when the assembly holds no stack, in the same words for both, exit 1', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-empty-assembly-'));
    try {
      fs.writeFileSync(path.join(empty, 'manifest.json'), JSON.stringify({ version: '55.0.0', artifacts: {} }));
      const expected = { code: 1, out: '', err: `the cloud assembly in ${empty} has no stacks: run npm run synth first\n` };
      expect(await run('audit', '--assembly', empty)).toEqual(expected);
      expect(await run('cost', '--assembly', empty)).toEqual(expected);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test('fails naming the assembly\'s environments for one it does not hold, in the same words for both, exit 1', async () => {
    const audit = await run('audit', '--env', 'staging', '--assembly', FIXTURE);
    const cost = await run('cost', '--env', 'staging', '--assembly', FIXTURE);
    const expected = `environment "staging" is not in the cloud assembly ${FIXTURE}; allowed: dev, prod (an environment added since the last synth: run npm run synth first)\n`;
    expect(audit).toEqual({ code: 1, out: '', err: expected });
    expect(cost).toEqual({ code: 1, out: '', err: expected });
  });

  test('run from the package bin (bin/kit.js), writing the reports of each environment', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-reports-'));
    try {
      for (const command of ['audit', 'cost']) {
        const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'kit.js'), command, '--assembly', FIXTURE, '--out', out], { cwd: ROOT, encoding: 'utf8' });
        expect(result.stderr).not.toMatch(/^\s+at /m);
        expect(result.status).toBe(0);
      }
      expect(fs.readdirSync(path.join(out, 'prod')).sort()).toEqual(['audit.json', 'audit.md', 'cost.json', 'cost.md']);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
