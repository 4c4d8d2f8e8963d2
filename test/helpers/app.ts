import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';

export const ROOT = path.join(__dirname, '..', '..');

/** The feature flags of cdk.json, so tests synthesize what `cdk synth` does. */
export function kitContext(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;
}

/** A stack in a fresh app with the kit's flags, for construct tests. */
export function testStack(id = 'Test'): Stack {
  const app = new App({ context: kitContext() });
  return new Stack(app, id, { env: { region: 'us-east-1' } });
}

/** The shipped config of an environment, parsed, for tests that vary one field. */
export function shippedConfig(name: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'config', `${name}.json`), 'utf8'));
}
