import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ROOT } from '../helpers/app';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Compiled files older than their TypeScript source: a stale build would test old code under the new name. */
function staleOutputs(): string[] {
  const dist = path.join(ROOT, 'dist');
  return fs
    .readdirSync(dist, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .filter((file) => {
      const source = path.join(ROOT, file.replace(/\.js$/, '.ts'));
      return fs.existsSync(source) && fs.statSync(source).mtimeMs > fs.statSync(path.join(dist, file)).mtimeMs;
    });
}

describe('the package entry point', () => {
  beforeAll(() => {
    const entry = path.join(ROOT, pkg.exports['.'].default);
    if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run npm run build (npm ci runs it through prepare)`);
    const stale = staleOutputs();
    if (stale.length > 0) throw new Error(`dist/ is older than its sources (${stale.join(', ')}): run npm run build`);
  });

  test('declares main, types and exports that point at the compiled constructs', () => {
    expect(pkg.main).toBe('dist/constructs/index.js');
    expect(pkg.types).toBe('dist/constructs/index.d.ts');
    expect(fs.existsSync(path.join(ROOT, pkg.types))).toBe(true);
  });

  test('composes DataLake and PrivateNetwork imported by package name into a fresh stack', () => {
    // Resolved by the package's own name through its `exports`, as another CDK project would.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kit = require(pkg.name) as typeof import('../../constructs');
    const app = new App();
    const stack = new Stack(app, 'Consumer', { env: { region: 'eu-west-1' } });
    const lake = new kit.DataLake(stack, 'Lake');
    new kit.PrivateNetwork(stack, 'Network', { flowLogKey: lake.key, maxAzs: 2 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 5);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    expect(require.resolve(pkg.name)).toBe(path.join(ROOT, 'dist', 'constructs', 'index.js'));
  });
});
