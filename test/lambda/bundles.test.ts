import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HANDLER_BUNDLING } from '../../constructs/network/private-function';

/**
 * What ends up in each handler's bundle: zod/mini with English messages
 * only (lib/validation/zod-mini). Classic zod (about 90 KB and 15 ms of
 * cold start per handler) or zod's other locales would come back through
 * any import of 'zod' from a file a handler reaches; the lint rule covers
 * the files it names, this covers whatever a handler imports.
 */
const LAMBDA = path.join(__dirname, '..', '..', 'lambda');
const handlers = fs.readdirSync(LAMBDA).filter((name) => fs.existsSync(path.join(LAMBDA, name, 'index.ts')));

/** The inputs of the minified bundle, with the bytes each contributes. */
async function bundleInputs(name: string): Promise<Record<string, number>> {
  const result = await esbuild.build({
    entryPoints: [path.join(LAMBDA, name, 'index.ts')],
    bundle: true,
    minify: HANDLER_BUNDLING.minify,
    platform: 'node',
    format: 'cjs',
    target: HANDLER_BUNDLING.target,
    external: ['@aws-sdk/*', '@smithy/*'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  return Object.fromEntries(Object.entries(output.inputs).map(([input, { bytesInOutput }]) => [input, bytesInOutput]));
}

describe('handler bundles', () => {
  test('there is a handler to check', () => {
    expect(handlers).toEqual(expect.arrayContaining(['rag-query', 'tool-agent', 'feedback']));
  });

  test.each(handlers)('%s carries no classic zod and no zod locale but English', async (name) => {
    const inputs = await bundleInputs(name);
    const used = Object.entries(inputs).filter(([, bytes]) => bytes > 0).map(([input]) => input);
    expect(used.filter((input) => /node_modules\/zod\/(v4\/classic|v3)\//.test(input))).toEqual([]);
    expect(used.filter((input) => /node_modules\/zod\/v4\/locales\/(?!en\.)/.test(input))).toEqual([]);
  });
});
