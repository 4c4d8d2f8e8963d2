#!/usr/bin/env node
// The kit's command line: `npx kit size ...` (through bin/kit.js) or `npx tsx bin/kit.ts size ...`.
import { main } from '../lib/cli/main';

process.exitCode = main(process.argv.slice(2), (text) => process.stdout.write(text), (text) => process.stderr.write(text));
