import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../lib/cli/main';
import { ROOT } from '../helpers/app';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, (text) => (out += text), (text) => (err += text));
  return { code, out, err };
}

describe('kit size', () => {
  test('lists ml.g5.12xlarge as not fitting a 70B fp16 model and the cheapest fitting instance first, with prices', async () => {
    const { code, out } = await run('size', '--params', '70', '--precision', 'fp16', '--context', '4096', '--concurrency', '4');
    expect(code).toBe(0);
    const rows = out.split('\n').filter((line) => line.startsWith('ml.'));
    expect(rows[0]).toMatch(/^ml\.g6e\.48xlarge\s+yes\s+162\.5\s+323\.9\s+8\s+37\.66\*\s+27,494\.72/);
    expect(rows.find((row) => row.startsWith('ml.g5.12xlarge '))).toMatch(/^ml\.g5\.12xlarge\s+no\s+162\.5\s+81\.0\s+-\s+7\.09\s+5,175\.70\s+needs 162\.5 GiB, has 81\.0 GiB usable/);
    expect(rows.find((row) => row.startsWith('ml.p4d.24xlarge '))).toMatch(/\byes\b/);
    expect(out).toContain('80 layers x 8 KV heads x 128, assumed');
  });

  test('prints JSON for machines', async () => {
    const { code, out } = await run('size', '--params', '8.03', '--precision', 'bf16', '--context', '8192', '--concurrency', '1', '--layers', '32', '--kv-heads', '8', '--head-dim', '128', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.estimate.kvCacheBytesPerToken).toBe(131072);
    expect(report.estimate.shapeAssumed).toBe(false);
    expect(report.instances[0]).toEqual(expect.objectContaining({ fits: true, tensorParallelDegree: 1, priceSource: expect.any(String) }));
  });

  test('reads the model of an environment', async () => {
    const { code, out } = await run('size', '--env', 'prod', '--concurrency', '16', '--context', '4096');
    expect(code).toBe(0);
    expect(out).toMatch(/^model: 8\.03B parameters in bf16, 4096 tokens x 16 concurrent sequences/);
    expect(out).not.toContain('assumed');
  });

  test('rejects a precision it does not know, missing options and a partial shape, exit 1', async () => {
    expect(await run('size', '--params', '8', '--precision', 'fp64', '--context', '1', '--concurrency', '1')).toEqual({
      code: 1,
      out: '',
      err: '--precision received "fp64"; allowed: fp32 | bf16 | fp16 | int8 | fp8 | int4\n',
    });
    expect((await run('size', '--params', '8')).err).toMatch(/^missing --precision, --context, --concurrency\n/);
    expect((await run('size', '--params', '8', '--precision', 'bf16', '--context', '1', '--concurrency', '1', '--layers', '2')).err).toMatch(/--layers, --kv-heads and --head-dim go together/);
    expect((await run('size', '--params', 'eight', '--precision', 'bf16', '--context', '1', '--concurrency', '1')).err).toMatch(/--params received "eight"; allowed: a number/);
    expect((await run('size', '--bogus')).code).toBe(1);
  });

  test('rejects an unknown command with the usage, exit 2', async () => {
    const { code, err } = await run('deploy');
    expect(code).toBe(2);
    expect(err).toMatch(/^unknown command "deploy"\nusage: kit <command>/);
  });

  test('runs from the package bin (bin/kit.js)', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'kit.js'), 'size', '--params', '1', '--precision', 'fp16', '--context', '1024', '--concurrency', '1', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).instances.length).toBeGreaterThan(30);
  });
});
