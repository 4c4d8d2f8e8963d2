import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatIssue } from '../config/issues';
import { describe, KitError } from '../errors';
import * as z from '../validation/zod-mini';

/**
 * The prompt library of the Adapt stage (in-context learning): versioned
 * prompt templates with few-shot examples, one JSON file per prompt
 * (`prompts/<id>.json`), deployed to Bedrock Prompt Management by the
 * PromptLibrary construct. The evaluate and augment stages refer to a
 * prompt by id and version, and render it with the pure functions here.
 *
 * A prompt file:
 *
 * ```json
 * {
 *   "id": "support-qa",
 *   "version": 1,
 *   "description": "Answers a customer's question from the given context",
 *   "template": "Answer from the context only.\n\n{{examples}}\n\n<context>\n{{context}}\n</context>\n...{{question}}...",
 *   "variables": { "context": "Passages retrieved for the question", "question": "The customer's question" },
 *   "examples": [{ "values": { "context": "...", "question": "..." }, "output": "..." }],
 *   "inference": { "maxTokens": 512, "temperature": 0.2 }
 * }
 * ```
 *
 * Placeholders are `{{name}}`, the syntax of Bedrock Prompt Management.
 * `{{examples}}` is reserved: it marks where the few-shot examples go, and
 * is expanded before the template reaches Bedrock, so Bedrock stores the
 * examples as part of the template text.
 */

/** Lower-case kebab: a subset of Bedrock's prompt Name pattern `^([0-9a-zA-Z][_-]?){1,100}$`, so an id can name resources. */
export const PROMPT_ID_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const MAX_PROMPT_ID_LENGTH = 64;
/** A subset of Bedrock's PromptInputVariable Name pattern `^([0-9a-zA-Z][_-]?){1,100}$`. */
export const VARIABLE_NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9]*(_[a-zA-Z0-9]+)*$/;
export const MAX_VARIABLE_NAME_LENGTH = 64;
/** Bedrock: a text template has at most 20 InputVariables. */
export const MAX_VARIABLES = 20;
/** Bedrock: a text template (with the examples expanded) has at most 200,000 characters. */
export const MAX_TEMPLATE_CHARACTERS = 200_000;
/** Bedrock: a prompt's Description has 1 to 200 characters. */
export const MAX_DESCRIPTION_LENGTH = 200;
/** Bedrock: MaxTokens of a prompt's text inference configuration is at most 512,000. */
export const MAX_TOKENS_LIMIT = 512_000;
/** The reserved placeholder `{{examples}}`: where the few-shot examples go. */
export const EXAMPLES_PLACEHOLDER = 'examples';
/** The tag of an example's expected output; reserved too, so no variable's tag looks like it. */
export const OUTPUT_TAG = 'output';
/** The lock file in the prompt folder: id -> declared version and content hash. */
export const LOCK_FILE = 'prompts.lock.json';
/** The command that records new prompts and new versions in the lock file (followed by the folder). */
export const LOCK_COMMAND = 'npx tsx lib/adapt/prompt-lock.ts';

/** `{{...}}` with no brace inside; the inside must then be a name. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

const text = (what: string) => z.string({ error: `${what}, a non-empty text` }).check(z.refine((value) => value.trim().length > 0, { error: `${what}, a non-empty text` }));
const unit = (what: string) =>
  z.number({ error: `${what}, a number from 0 to 1` }).check(z.gte(0, { error: `${what}, a number from 0 to 1` }), z.lte(1, { error: `${what}, a number from 0 to 1` }));

// What each field means is said in comments, not in zod descriptions: nothing
// reads them (no JSON Schema is generated from this schema), and the schema is
// bundled into Lambda handlers.
const example = z.strictObject({
  /** A value for every declared variable. */
  values: z.record(z.string(), text('the value of the variable in this example'), { error: 'an object of variable names, each with its value in this example' }),
  output: text('the expected output for these values'),
});

export const promptTemplateSchema = z.strictObject({
  /** Stable id of the prompt; the file is <id>.json; part of resource names. */
  id: z
    .string({ error: 'a prompt id' })
    .check(
      z.regex(PROMPT_ID_PATTERN, { error: `lower-case letters and digits in dash-separated words, starting with a letter, such as support-qa` }),
      z.maxLength(MAX_PROMPT_ID_LENGTH, { error: `an id of at most ${MAX_PROMPT_ID_LENGTH} characters` }),
    ),
  /** Declared version; each version becomes an immutable Bedrock prompt version. */
  version: z
    .int({ error: 'a whole number > 0, raised by the author whenever the prompt changes' })
    .check(z.positive({ error: 'a whole number > 0, raised by the author whenever the prompt changes' })),
  /** What the prompt does. */
  description: text('what the prompt does').check(
    z.refine((value) => value.length <= MAX_DESCRIPTION_LENGTH, { error: `what the prompt does in at most ${MAX_DESCRIPTION_LENGTH} characters (Bedrock's limit)` }),
  ),
  /** Prompt text with {{variable}} placeholders and {{examples}} where the few-shot examples go. */
  template: text('the prompt text with {{variable}} placeholders'),
  /** Each placeholder of the template, with a description. */
  variables: z.record(z.string(), text('a description of the variable'), { error: 'an object of variable names, each with its description' }),
  /** Few-shot examples: values of every variable and the expected output. */
  examples: z._default(z.array(example, { error: 'a list of few-shot examples' }), []),
  /** Inference settings stored with the prompt. */
  inference: z.optional(
    z.strictObject({
      maxTokens: z.optional(
        z
          .int({ error: `a whole number of tokens from 1 to ${MAX_TOKENS_LIMIT}` })
          .check(z.gte(1, { error: `a whole number of tokens from 1 to ${MAX_TOKENS_LIMIT}` }), z.lte(MAX_TOKENS_LIMIT, { error: `a whole number of tokens from 1 to ${MAX_TOKENS_LIMIT}` })),
      ),
      temperature: z.optional(unit('randomness')),
      topP: z.optional(unit('the probability mass of the candidate tokens')),
    }),
  ),
});

/** One validated prompt template. */
export type PromptTemplate = z.infer<typeof promptTemplateSchema>;
export type PromptExample = PromptTemplate['examples'][number];
/** The lock file: each prompt id with its declared version and the content hash of that version. */
export type PromptLock = Record<string, { readonly version: number; readonly sha256: string }>;

const lockSchema = z.record(
  z.string().check(z.regex(PROMPT_ID_PATTERN, { error: 'a prompt id' })),
  z.strictObject({
    version: z.int({ error: 'a whole number > 0' }).check(z.positive({ error: 'a whole number > 0' })),
    sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, { error: 'a SHA-256 hash in hex' })),
  }),
);

/** A problem line: `path: received X; allowed: Y`, as the config loader prints them. */
function problem(at: string, received: string, allowed: string): string {
  return `${at}: received ${received}; allowed: ${allowed}`;
}

/** Names in `{{...}}` placeholders, in order of appearance, repeats included. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]);
}

function hasDoubleBraces(value: string): boolean {
  return value.includes('{{') || value.includes('}}');
}

/**
 * What is wrong with a prompt beyond its shape: placeholders that are not
 * declared, declared variables the template never uses, incomplete or
 * unknown example values, and Bedrock's limits. Empty when it is valid.
 */
export function promptProblems(prompt: PromptTemplate): string[] {
  const problems: string[] = [];
  // A bad name is reported once, then left out of the checks below.
  const declared: string[] = [];
  for (const name of Object.keys(prompt.variables)) {
    if (!VARIABLE_NAME_PATTERN.test(name) || name.length > MAX_VARIABLE_NAME_LENGTH) {
      problems.push(problem(`variables.${name}`, `the name ${JSON.stringify(name)}`, `letters, digits and single underscores, starting with a letter, at most ${MAX_VARIABLE_NAME_LENGTH} characters`));
    } else if (name === EXAMPLES_PLACEHOLDER) {
      problems.push(problem(`variables.${name}`, `the name ${JSON.stringify(name)}`, `any other name: {{${EXAMPLES_PLACEHOLDER}}} marks where the few-shot examples go`));
    } else if (name === OUTPUT_TAG) {
      problems.push(problem(`variables.${name}`, `the name ${JSON.stringify(name)}`, `any other name: <${OUTPUT_TAG}> holds the expected output of each few-shot example`));
    } else {
      declared.push(name);
    }
  }
  const declaredList = declared.length > 0 ? declared.join(', ') : 'none declared';
  const badNames = Object.keys(prompt.variables).filter((name) => !declared.includes(name));
  if (Object.keys(prompt.variables).length > MAX_VARIABLES) {
    problems.push(problem('variables', `${Object.keys(prompt.variables).length} variables`, `at most ${MAX_VARIABLES} (Bedrock's limit of input variables)`));
  }

  const used = placeholders(prompt.template);
  for (const name of new Set(used)) {
    if (name === EXAMPLES_PLACEHOLDER || declared.includes(name) || badNames.includes(name)) continue;
    problems.push(
      VARIABLE_NAME_PATTERN.test(name)
        ? problem('template', `the placeholder {{${name}}}`, `placeholders of declared variables (${declaredList}) and {{${EXAMPLES_PLACEHOLDER}}}; declare ${name} under variables or remove it`)
        : problem('template', `the placeholder ${JSON.stringify(`{{${name}}}`)}`, '{{name}} with a variable name and no spaces inside the braces'),
    );
  }
  if (hasDoubleBraces(prompt.template.replace(PLACEHOLDER, ''))) {
    problems.push(problem('template', 'a "{{" or "}}" that is not part of a {{name}} placeholder', 'double braces only around a placeholder name'));
  }
  for (const name of declared) {
    if (!used.includes(name)) problems.push(problem(`variables.${name}`, 'a variable the template does not use', `only variables the template has as {{${name}}}`));
  }

  const markers = used.filter((name) => name === EXAMPLES_PLACEHOLDER).length;
  if (prompt.examples.length > 0 && markers !== 1) {
    problems.push(
      problem('template', `${markers} {{${EXAMPLES_PLACEHOLDER}}} placeholders`, `exactly one {{${EXAMPLES_PLACEHOLDER}}}, where the few-shot examples go`),
    );
  } else if (prompt.examples.length === 0 && markers > 0) {
    problems.push(problem('template', `{{${EXAMPLES_PLACEHOLDER}}} with no examples`, `{{${EXAMPLES_PLACEHOLDER}}} only when the prompt has examples`));
  }

  prompt.examples.forEach((item, index) => {
    const at = `examples.${index}`;
    for (const name of declared) {
      if (item.values[name] === undefined) problems.push(problem(`${at}.values.${name}`, 'nothing', 'a value for every declared variable'));
    }
    for (const [name, value] of Object.entries(item.values)) {
      if (badNames.includes(name)) continue;
      if (!declared.includes(name)) {
        problems.push(problem(`${at}.values.${name}`, 'an unknown variable', `the declared variables ${declaredList}`));
      } else if (hasDoubleBraces(value)) {
        problems.push(problem(`${at}.values.${name}`, 'text with "{{" or "}}"', 'text without double braces (Bedrock would read them as a placeholder)'));
      }
    }
    if (hasDoubleBraces(item.output)) {
      problems.push(problem(`${at}.output`, 'text with "{{" or "}}"', 'text without double braces (Bedrock would read them as a placeholder)'));
    }
  });

  if (problems.length === 0) {
    const length = templateWithExamples(prompt).length;
    if (length > MAX_TEMPLATE_CHARACTERS) {
      problems.push(problem('template', `${length} characters with the examples`, `at most ${MAX_TEMPLATE_CHARACTERS} (Bedrock's limit of a text template)`));
    }
  }
  return problems;
}

/**
 * Validates the parsed JSON of one prompt file against the schema and the
 * rules of `promptProblems`; returns every problem, each with its path.
 */
export function checkPrompt(raw: unknown): { prompt?: PromptTemplate; problems: string[] } {
  const result = promptTemplateSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    return { problems: result.error.issues.flatMap((issue) => formatIssue(issue, promptTemplateSchema, raw)) };
  }
  const problems = promptProblems(result.data);
  return problems.length > 0 ? { problems } : { prompt: result.data, problems };
}

/** Ids that appear more than once, each once. */
export function duplicateIds(prompts: readonly Pick<PromptTemplate, 'id'>[]): string[] {
  const ids = prompts.map((prompt) => prompt.id);
  return [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
}

/** The few-shot examples as the model reads them: each variable and the expected output in tags. */
export function fewShotText(prompt: Pick<PromptTemplate, 'variables' | 'examples'>): string {
  if (prompt.examples.length === 0) return '';
  const names = Object.keys(prompt.variables);
  const examples = prompt.examples.map((item) => {
    const parts = [...names.map((name) => tagged(name, item.values[name] ?? '')), tagged(OUTPUT_TAG, item.output)];
    return `<example>\n${parts.join('\n')}\n</example>`;
  });
  return `<examples>\n${examples.join('\n')}\n</examples>`;
}

function tagged(tag: string, value: string): string {
  return `<${tag}>\n${value.trim()}\n</${tag}>`;
}

/** The template text Bedrock stores: `{{examples}}` expanded, the variables left as `{{name}}`. */
export function templateWithExamples(prompt: Pick<PromptTemplate, 'template' | 'variables' | 'examples'>): string {
  return prompt.template.replace(PLACEHOLDER, (match, name: string) => (name === EXAMPLES_PLACEHOLDER ? fewShotText(prompt) : match));
}

/**
 * The text sent to the model: the template with the examples and every
 * variable filled in one pass (a value that itself contains `{{x}}` stays
 * as it is). Throws when a declared variable has no value or a value names
 * no declared variable.
 */
export function renderPrompt(prompt: PromptTemplate, values: Readonly<Record<string, string>>): string {
  const declared = Object.keys(prompt.variables);
  const problems = [
    ...declared.filter((name) => typeof values[name] !== 'string').map((name) => problem(`values.${name}`, describe(values[name]), 'a text for every declared variable')),
    ...Object.keys(values)
      .filter((name) => !declared.includes(name))
      .map((name) => problem(`values.${name}`, 'an unknown variable', `the declared variables ${declared.join(', ')}`)),
  ];
  if (problems.length > 0) throw new KitError(`cannot render prompt ${prompt.id} v${prompt.version}:`, problems);
  return prompt.template.replace(PLACEHOLDER, (match, name: string) => {
    if (name === EXAMPLES_PLACEHOLDER) return fewShotText(prompt);
    return declared.includes(name) ? values[name] : match;
  });
}

/** JSON with object keys sorted at every level, so the hash ignores key order and formatting. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 (hex) of a prompt's content: everything but the declared version, independent of key order and formatting. */
export function promptSha256(prompt: PromptTemplate): string {
  return createHash('sha256').update(canonicalJson({ ...prompt, version: undefined })).digest('hex');
}

function display(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

/** Prompt file names in a folder: every `*.json` but the lock file, sorted. */
function promptFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.json') && file !== LOCK_FILE)
    .sort();
}

/**
 * Reads and validates every prompt file of a folder, without the lock:
 * each file's problems prefixed with its name, the file name checked
 * against the id, ids unique. Throws one KitError listing them all.
 */
export function readPromptFiles(dir: string): PromptTemplate[] {
  const files = promptFiles(dir);
  if (files.length === 0) {
    throw new KitError(`${display(dir)}: no prompt file; allowed: one <id>.json file per prompt`);
  }
  const prompts: PromptTemplate[] = [];
  const problems: string[] = [];
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    } catch (error) {
      problems.push(`${file}: not valid JSON: ${(error as Error).message}`);
      continue;
    }
    const checked = checkPrompt(raw);
    problems.push(...checked.problems.map((line) => `${file}: ${line}`));
    if (checked.prompt === undefined) continue;
    if (file !== `${checked.prompt.id}.json`) {
      problems.push(`${file}: ${problem('id', JSON.stringify(checked.prompt.id), `the file name without .json (${JSON.stringify(file.slice(0, -'.json'.length))}), or rename the file to ${checked.prompt.id}.json`)}`);
    }
    prompts.push(checked.prompt);
  }
  for (const id of duplicateIds(prompts)) problems.push(problem('id', JSON.stringify(id), 'each prompt id in one file only'));
  if (problems.length > 0) {
    throw new KitError(`${display(dir)}: the prompt library is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):`, problems);
  }
  return prompts;
}

/** The lock file of a folder; empty when there is none yet. */
export function readPromptLock(dir: string): PromptLock {
  const file = path.join(dir, LOCK_FILE);
  if (!fs.existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new KitError(`${display(file)} is not valid JSON: ${(error as Error).message}`);
  }
  const result = lockSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    throw new KitError(
      `${display(file)} is invalid; regenerate it with ${LOCK_COMMAND} ${display(dir)}:`,
      result.error.issues.flatMap((issue) => formatIssue(issue, lockSchema, raw)),
    );
  }
  return result.data;
}

/**
 * Differences between the prompts and the lock. A prompt whose content
 * changed but whose version did not must get a new version; a new prompt,
 * a new version or a removed prompt must be recorded with the lock command.
 */
export function lockProblems(prompts: readonly PromptTemplate[], lock: PromptLock, dir: string): string[] {
  const command = `${LOCK_COMMAND} ${display(dir)}`;
  const problems: string[] = [];
  for (const prompt of prompts) {
    const locked = lock[prompt.id];
    const sha256 = promptSha256(prompt);
    if (locked === undefined) {
      problems.push(`${prompt.id}: a new prompt (version ${prompt.version}) that ${LOCK_FILE} does not list; record it with ${command}`);
    } else if (prompt.version === locked.version && sha256 !== locked.sha256) {
      problems.push(
        `${prompt.id}: the content changed but the version is still ${prompt.version} (locked sha256 ${locked.sha256.slice(0, 12)}, now ${sha256.slice(0, 12)}); ` +
          `a recorded version never changes: set "version": ${locked.version + 1} in ${prompt.id}.json, then run ${command}`,
      );
    } else if (prompt.version < locked.version) {
      problems.push(`${prompt.id}: version ${prompt.version} is below the locked version ${locked.version}; allowed: ${locked.version} unchanged, or a higher version recorded with ${command}`);
    } else if (prompt.version > locked.version) {
      problems.push(`${prompt.id}: version ${prompt.version} is not recorded (${LOCK_FILE} has ${locked.version}); record it with ${command}`);
    }
  }
  const ids = new Set(prompts.map((prompt) => prompt.id));
  for (const id of Object.keys(lock).filter((locked) => !ids.has(locked))) {
    problems.push(`${id}: listed in ${LOCK_FILE} but there is no ${id}.json; record the removal with ${command}`);
  }
  return problems;
}

/**
 * Loads the prompt library of a folder (`<id>.json` per prompt and the
 * lock file) for synth: every file validated, and every prompt's content
 * and version matching the lock. Returns the prompts sorted by id.
 */
export function loadPromptLibrary(dir: string): PromptTemplate[] {
  const prompts = readPromptFiles(dir);
  const problems = lockProblems(prompts, readPromptLock(dir), dir);
  if (problems.length > 0) {
    throw new KitError(`${display(dir)}: the prompts do not match ${LOCK_FILE} (${problems.length} problem${problems.length === 1 ? '' : 's'}):`, problems);
  }
  return [...prompts].sort((a, b) => (a.id < b.id ? -1 : 1));
}
