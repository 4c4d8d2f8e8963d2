import { describe } from '../../lib/errors';

/**
 * A small JSON Schema validator for the input of the agent's tools: the
 * model's tool-use input is checked against the tool's `inputSchema` before
 * the tool runs, and a failure goes back to the model as an error result
 * naming the field.
 *
 * The subset, and nothing else:
 * - `type`: one of "object", "string", "number", "integer", "boolean",
 *   "array" (a single name, not a list; no "null"). Absent: any value.
 * - `properties` (an object of sub-schemas), `required` (property names),
 *   `additionalProperties: false` (`true` or absent allows other keys; a
 *   schema as its value is not supported).
 * - `enum`: the value must equal one of the listed JSON values.
 * - `items`: one schema every element of an array must match (not a list of schemas).
 * - `minimum` / `maximum` (inclusive) for numbers, `minLength` / `maxLength`
 *   (in Unicode code points) for strings.
 * - Annotations, allowed and ignored: `description`, `title`, `default`,
 *   `examples`, `$schema`, `$id`, `$comment`.
 *
 * Any other keyword (`pattern`, `format`, `oneOf`, `$ref`, ...) is refused
 * when the schema is read (checkSchema), so that a tool's schema never
 * promises a check the agent does not make. The top-level schema of a tool
 * must have `type: "object"` (Converse tool input is an object).
 */

export type JsonSchemaType = 'object' | 'string' | 'number' | 'integer' | 'boolean' | 'array';

export interface JsonSchema {
  readonly type?: JsonSchemaType;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly enum?: readonly unknown[];
  readonly items?: JsonSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly description?: string;
}

const TYPES: readonly JsonSchemaType[] = ['object', 'string', 'number', 'integer', 'boolean', 'array'];
const VALIDATION_KEYWORDS = ['type', 'properties', 'required', 'additionalProperties', 'enum', 'items', 'minimum', 'maximum', 'minLength', 'maxLength'];
const ANNOTATION_KEYWORDS = ['description', 'title', 'default', 'examples', '$schema', '$id', '$comment'];
const KEYWORDS = new Set([...VALIDATION_KEYWORDS, ...ANNOTATION_KEYWORDS]);
/** Deepest nesting of sub-schemas read: deeper is a mistake, and the validator recurses. */
const MAX_SCHEMA_DEPTH = 32;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const join = (path: string, key: string | number): string => (path === '' ? String(key) : `${path}.${key}`);
const line = (path: string, received: string, allowed: string): string => `${path === '' ? '(top level)' : path}: received ${received}; allowed: ${allowed}`;

/**
 * The problems of a schema outside the subset, one line each in the house
 * format (`path: received X; allowed: Y`); empty when the schema is usable.
 * `path` names the schema in the messages (for example `TOOLS.0.inputSchema`).
 */
export function checkSchema(schema: unknown, path: string, depth = 0): string[] {
  if (!isObject(schema)) return [line(path, describe(schema), 'a JSON Schema object')];
  if (depth > MAX_SCHEMA_DEPTH) return [line(path, 'a schema nested too deeply', `at most ${MAX_SCHEMA_DEPTH} levels`)];
  const problems: string[] = [];
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key)) {
      problems.push(line(join(path, key), 'an unsupported keyword', `the keywords ${VALIDATION_KEYWORDS.join(', ')} and the annotations ${ANNOTATION_KEYWORDS.join(', ')}`));
    }
  }
  const { type, properties, required, additionalProperties, items, minimum, maximum, minLength, maxLength } = schema;
  if (type !== undefined && !TYPES.includes(type as JsonSchemaType)) problems.push(line(join(path, 'type'), describe(type), TYPES.map((name) => `"${name}"`).join(' | ')));
  if (properties !== undefined) {
    if (!isObject(properties)) problems.push(line(join(path, 'properties'), describe(properties), 'an object of property schemas'));
    else for (const [name, sub] of Object.entries(properties)) problems.push(...checkSchema(sub, join(join(path, 'properties'), name), depth + 1));
  }
  if (required !== undefined && (!Array.isArray(required) || !required.every((name) => typeof name === 'string'))) {
    problems.push(line(join(path, 'required'), describe(required), 'a list of property names'));
  }
  if (additionalProperties !== undefined && typeof additionalProperties !== 'boolean') {
    problems.push(line(join(path, 'additionalProperties'), describe(additionalProperties), 'true or false (a schema is not supported)'));
  }
  if (schema.enum !== undefined && (!Array.isArray(schema.enum) || schema.enum.length === 0)) problems.push(line(join(path, 'enum'), describe(schema.enum), 'a non-empty list of values'));
  if (items !== undefined) problems.push(...checkSchema(items, join(path, 'items'), depth + 1));
  for (const [key, value] of Object.entries({ minimum, maximum })) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) problems.push(line(join(path, key), describe(value), 'a number'));
  }
  for (const [key, value] of Object.entries({ minLength, maxLength })) {
    if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 0)) problems.push(line(join(path, key), describe(value), 'a whole number >= 0'));
  }
  return problems;
}

/**
 * The problems of a value against a schema of the subset (checked with
 * checkSchema first), one line each: `input.city: received 3; allowed: a
 * string`. Empty when the value is valid.
 */
export function validateValue(schema: JsonSchema, value: unknown, path: string): string[] {
  if (value === undefined) return [line(path, 'nothing', `${expectation(schema)} (required)`)];
  if (schema.type !== undefined && !hasType(value, schema.type)) return [line(path, describe(value), expectation(schema))];
  if (schema.enum !== undefined && !schema.enum.some((option) => sameJson(option, value))) return [line(path, describe(value), expectation(schema))];
  if (typeof value === 'number' && !withinRange(value, schema.minimum, schema.maximum)) return [line(path, describe(value), expectation(schema))];
  if (typeof value === 'string' && !withinRange([...value].length, schema.minLength, schema.maxLength)) return [line(path, describe(value), expectation(schema))];
  if (Array.isArray(value) && schema.items !== undefined) {
    const items = schema.items;
    return value.flatMap((element, index) => validateValue(items, element, join(path, index)));
  }
  if (isObject(value)) return validateObject(schema, value, path);
  return [];
}

function validateObject(schema: JsonSchema, value: Record<string, unknown>, path: string): string[] {
  const properties = schema.properties ?? {};
  const problems: string[] = [];
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(value, name)) {
      const sub = Object.hasOwn(properties, name) ? properties[name] : {};
      problems.push(line(join(path, name), 'nothing', `${expectation(sub)} (required)`));
    }
  }
  for (const [name, element] of Object.entries(value)) {
    if (Object.hasOwn(properties, name)) {
      problems.push(...validateValue(properties[name], element, join(path, name)));
    } else if (schema.additionalProperties === false) {
      const known = Object.keys(properties);
      problems.push(line(join(path, name), 'an unknown key', known.length > 0 ? `one of the keys ${known.join(', ')}` : 'no key'));
    }
  }
  return problems;
}

function hasType(value: unknown, type: JsonSchemaType): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
  }
}

function withinRange(value: number, min: number | undefined, max: number | undefined): boolean {
  return (min === undefined || value >= min) && (max === undefined || value <= max);
}

/** What the schema allows, in words: `a whole number from 1 to 10`, `"celsius" | "fahrenheit"`. */
export function expectation(schema: JsonSchema): string {
  if (schema.enum !== undefined) return schema.enum.map((option) => JSON.stringify(option)).join(' | ');
  switch (schema.type) {
    case 'integer':
      return `a whole number${range(schema.minimum, schema.maximum)}`;
    case 'number':
      return `a number${range(schema.minimum, schema.maximum)}`;
    case 'string': {
      const { minLength: min, maxLength: max } = schema;
      if (min === undefined && max === undefined) return 'a string';
      return `a string of ${max === undefined ? `at least ${min}` : min === undefined ? `at most ${max}` : `${min} to ${max}`} characters`;
    }
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object': {
      const keys = Object.keys(schema.properties ?? {});
      return keys.length > 0 ? `an object {${keys.join(', ')}}` : 'an object';
    }
    default:
      return 'any JSON value';
  }
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  return max !== undefined ? ` <= ${max}` : '';
}

/** Equality of JSON values (object keys in any order). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((element, index) => sameJson(element, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return false;
}
