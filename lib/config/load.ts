import * as fs from 'node:fs';
import * as path from 'node:path';
import { KitError } from '../errors';
import { formatIssue } from './issues';
import { configSchema, type KitConfig } from './schema';

/** Folder of the shipped environment files, relative to the repository root. */
export const CONFIG_DIR = path.join(__dirname, '..', '..', 'config');
/** File names in the config folder that are not environments. */
const NOT_ENVIRONMENTS = new Set(['schema.json']);
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** A validated configuration and the environment it belongs to. */
export interface EnvironmentConfig {
  /** Environment name: the file name without `.json`; also the Stage id. */
  readonly name: string;
  readonly config: KitConfig;
}

/** Names of the environments in a config folder (each `<name>.json` but the schema), sorted. */
export function environmentNames(dir: string = CONFIG_DIR): string[] {
  const files = fs.readdirSync(dir).filter((file) => file.endsWith('.json') && !NOT_ENVIRONMENTS.has(file));
  const names = files.map((file) => file.slice(0, -'.json'.length)).sort();
  const bad = names.filter((name) => !ENVIRONMENT_NAME.test(name));
  if (bad.length > 0) {
    throw new KitError(
      `${dir}: environment file names must be lower-case letters, digits and dashes (they become stage ids)`,
      bad.map((name) => `${name}.json`),
    );
  }
  return names;
}

/**
 * Validates parsed JSON against the schema; every problem is reported at
 * once, each with its path, the value received and what is allowed.
 */
export function parseConfig(raw: unknown, source: string): KitConfig {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => formatIssue(issue, configSchema, raw));
  throw new KitError(`${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):`, problems);
}

/** Reads and validates one environment's file. */
export function loadEnvironment(name: string, dir: string = CONFIG_DIR): EnvironmentConfig {
  const known = environmentNames(dir);
  if (!known.includes(name)) {
    throw new KitError(`unknown environment ${JSON.stringify(name)}; known environments: ${known.join(', ')}`);
  }
  const file = path.join(dir, `${name}.json`);
  const display = path.relative(process.cwd(), file) || file;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new KitError(`${display} is not valid JSON: ${(error as Error).message}`);
  }
  return { name, config: parseConfig(raw, display) };
}
