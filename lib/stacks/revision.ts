import { execFileSync } from 'node:child_process';

/**
 * The kit revision written into the lineage of every trained model: the
 * KIT_REVISION environment variable, else the git commit of the working
 * tree (with `-dirty` when it has uncommitted changes), else `unknown`.
 */
export function kitRevision(cwd: string = process.cwd()): string {
  const fromEnvironment = process.env.KIT_REVISION;
  if (fromEnvironment !== undefined && fromEnvironment.trim() !== '') return fromEnvironment.trim();
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return 'unknown';
  }
}
