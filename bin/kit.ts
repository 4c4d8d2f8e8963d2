#!/usr/bin/env node
// The kit's command line: `npx kit size ...` (through bin/kit.js) or `npx tsx bin/kit.ts size ...`.
import { main } from '../lib/cli/main';

// An unexpected error rejects the promise: Node prints it and exits with code 1.
void main(process.argv.slice(2), (text) => process.stdout.write(text), (text) => process.stderr.write(text)).then((code) => {
  process.exitCode = code;
});
