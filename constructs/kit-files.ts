import * as fs from 'node:fs';
import * as path from 'node:path';
import { KitError } from '../lib/errors';

/**
 * Files the constructs deploy besides their code: Lambda handler entries and
 * the training scripts. They are found from the repository (TypeScript
 * sources) or from the published package (compiled handlers under dist/).
 */
export function packageRoot(): string {
  let directory = __dirname;
  while (!fs.existsSync(path.join(directory, 'package.json'))) {
    const parent = path.dirname(directory);
    if (parent === directory) throw new KitError(`no package.json above ${__dirname}: the kit's files cannot be located`);
    directory = parent;
  }
  return directory;
}

/** The entry file of the handler in `lambda/<name>/`, source or compiled. */
export function handlerEntry(name: string): string {
  const root = packageRoot();
  const candidates = [path.join(root, 'lambda', name, 'index.ts'), path.join(root, 'dist', 'lambda', name, 'index.js')];
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (found === undefined) throw new KitError(`handler ${name} not found; looked for ${candidates.join(' and ')}`);
  return found;
}

/** The folder of the training entry scripts. */
export function trainingDirectory(): string {
  return path.join(packageRoot(), 'training');
}
