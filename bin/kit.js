#!/usr/bin/env node
// The kit's command line (kit size, ...): runs bin/kit.ts through tsx, like bin/app.ts.
require('tsx/cjs');
const { main } = require('./kit.ts');

process.exitCode = main(process.argv.slice(2), (text) => process.stdout.write(text), (text) => process.stderr.write(text));
