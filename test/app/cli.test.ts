import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, shippedConfig } from '../helpers/app';

test('rejects a bad environment file listing every problem, exit 1, no stack trace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-cli-'));
  try {
    const config = shippedConfig('dev');
    config.scope.task = 'translation';
    config.model.precision = 'fp64';
    config.modelId = 'typo';
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(config));
    // The way the CDK CLI runs the app (cdk.json "app"), with context in CDK_CONTEXT_JSON.
    const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['bin/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_OUTDIR: path.join(dir, 'out'), CDK_CONTEXT_JSON: JSON.stringify({ configDir: dir, env: 'bad' }) },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/bad\.json is invalid \(3 problems\):/);
    expect(result.stderr).toContain('scope.task: received "translation"');
    expect(result.stderr).toContain('model.precision: received "fp64"');
    expect(result.stderr).toContain('modelId: received an unknown key');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
