import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { CONFIG_DIR } from './load';
import { configSchema } from './schema';

/** Where editors find the schema: each config file names it in `$schema`. */
export const JSON_SCHEMA_FILE = path.join(CONFIG_DIR, 'schema.json');

/**
 * The JSON Schema of an environment file, generated from the same zod schema
 * the loader validates with, so editors complete and check what synth accepts.
 * Refinements that JSON Schema cannot express (S3 lifecycle order, unique
 * lists) are checked by the loader only.
 */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { target: 'draft-2020-12', io: 'input' });
  return `${JSON.stringify({ ...schema, title: 'genai-lifecycle-kit environment' }, null, 2)}\n`;
}

if (require.main === module) {
  fs.writeFileSync(JSON_SCHEMA_FILE, configJsonSchema());
  process.stdout.write(`wrote ${path.relative(process.cwd(), JSON_SCHEMA_FILE)}\n`);
}
