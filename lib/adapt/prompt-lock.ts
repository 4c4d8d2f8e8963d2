import * as fs from 'node:fs';
import * as path from 'node:path';
import { KitError } from '../errors';
import { LOCK_FILE, promptSha256, readPromptFiles, readPromptLock, type PromptLock } from './prompt-template';

/**
 * Records the prompts of a folder in its lock file (`prompts.lock.json`):
 * `npx tsx lib/adapt/prompt-lock.ts prompts`. The lock is committed, so a
 * review shows every new prompt version; synth refuses prompts that differ
 * from it.
 */

export type LockChange = 'added' | 'new version' | 'unchanged' | 'removed';

export interface LockEntryUpdate {
  readonly id: string;
  readonly version: number;
  readonly change: LockChange;
}

/**
 * Writes the lock file of a folder from its prompt files. Refuses (and
 * writes nothing) when a prompt's content changed under a version the lock
 * already holds, or a version went down: the lock records versions, it
 * does not overwrite them.
 */
export function updatePromptLock(dir: string): LockEntryUpdate[] {
  const prompts = readPromptFiles(dir);
  const old = readPromptLock(dir);
  const lock: Record<string, PromptLock[string]> = {};
  const updates: LockEntryUpdate[] = [];
  const refused: string[] = [];
  for (const prompt of [...prompts].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const sha256 = promptSha256(prompt);
    const locked = old[prompt.id];
    if (locked !== undefined && prompt.version === locked.version && sha256 !== locked.sha256) {
      refused.push(`${prompt.id}: the content changed but the version is still ${prompt.version}; allowed: set "version": ${locked.version + 1} in ${prompt.id}.json first`);
    } else if (locked !== undefined && prompt.version < locked.version) {
      refused.push(`${prompt.id}: version ${prompt.version} is below the locked version ${locked.version}; allowed: ${locked.version} or higher`);
    }
    const change: LockChange = locked === undefined ? 'added' : locked.version === prompt.version ? 'unchanged' : 'new version';
    lock[prompt.id] = { version: prompt.version, sha256 };
    updates.push({ id: prompt.id, version: prompt.version, change });
  }
  if (refused.length > 0) {
    throw new KitError(`${path.join(dir, LOCK_FILE)} not updated (${refused.length} problem${refused.length === 1 ? '' : 's'}):`, refused);
  }
  for (const [id, locked] of Object.entries(old)) {
    if (lock[id] === undefined) updates.push({ id, version: locked.version, change: 'removed' });
  }
  fs.writeFileSync(path.join(dir, LOCK_FILE), `${JSON.stringify(lock, null, 2)}\n`);
  return updates;
}

/** The command line: `prompt-lock.ts <folder>`; returns the exit code. */
export function main(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    err('usage: npx tsx lib/adapt/prompt-lock.ts <prompt folder>\n');
    return 2;
  }
  try {
    const updates = updatePromptLock(argv[0]);
    out(updates.map((update) => `${update.id} v${update.version}: ${update.change}\n`).join(''));
    return 0;
  } catch (error) {
    if (error instanceof KitError) {
      err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), (text) => process.stdout.write(text), (text) => process.stderr.write(text));
}
