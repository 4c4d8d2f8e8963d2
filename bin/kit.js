#!/usr/bin/env node
// The package bin: runs the TypeScript command line (bin/kit.ts) through tsx, as bin/app.ts runs.
require('tsx/cjs');
require('./kit.ts');
