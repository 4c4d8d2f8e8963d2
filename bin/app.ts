#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { KitError } from '../lib/errors';
import { addEnvironments } from '../lib/stages/kit-app';
import { GATE_ON_FINDINGS } from '../lib/compliance/gate';

try {
  const app = new App({ postCliContext: GATE_ON_FINDINGS });
  addEnvironments(app);
  app.synth();
} catch (error) {
  if (!(error instanceof KitError)) throw error;
  // A configuration problem: the message says where and what; a stack trace would only hide it.
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
