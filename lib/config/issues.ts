import type { $ZodIssue, $ZodType } from 'zod/v4/core';
import { describe } from '../errors';

/**
 * Renders a zod issue as lines of `path: received VALUE; allowed: WHAT`.
 * Custom messages in the schema already say what is allowed; zod's own
 * messages (which start with "Invalid") are replaced by the allowed values.
 * Typed with zod's core types, so that it takes the classic schemas of the
 * config loader and the zod/mini ones of the Lambda handlers alike.
 */
export function formatIssue(issue: $ZodIssue, schema: $ZodType, root: unknown): string[] {
  const path = issue.path.map(String);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = objectKeysAt(schema, issue.path, root);
      return issue.keys.map((key) => line([...path, key], 'an unknown key', known.length > 0 ? `one of the keys ${known.join(', ')}` : 'no other key'));
    }
    case 'invalid_value':
      return [line(path, describe(issue.input), isCustom(issue) ? issue.message : alternatives(issue.values))];
    case 'invalid_union': {
      const { discriminator, options } = issue as { discriminator?: unknown; options?: unknown };
      if (discriminator !== undefined && Array.isArray(options)) {
        const keyPath = path[path.length - 1] === String(discriminator) ? path : [...path, String(discriminator)];
        return [line(keyPath, describe(valueAt(root, keyPath)), alternatives(options))];
      }
      return [line(path, describe(issue.input), issue.message)];
    }
    case 'invalid_type': {
      const allowed = isCustom(issue) ? issue.message : expected(issue.expected);
      return [issue.input === undefined ? line(path, 'nothing', `${allowed} (required)`) : line(path, describe(issue.input), allowed)];
    }
    case 'custom':
      // A refinement's input is the object it refines; the value at the issue's path is what was received.
      return [line(path, describe(valueAt(root, issue.path)), issue.message)];
    default:
      return [line(path, describe(issue.input ?? valueAt(root, issue.path)), issue.message)];
  }
}

function line(path: readonly string[], received: string, allowed: string): string {
  return `${path.length > 0 ? path.join('.') : '(top level)'}: received ${received}; allowed: ${allowed}`;
}

function alternatives(values: readonly unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join(' | ');
}

function isCustom(issue: $ZodIssue): boolean {
  return !issue.message.startsWith('Invalid');
}

function expected(type: string): string {
  switch (type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'a list';
    case 'int':
      return 'a whole number';
    default:
      return `a ${type}`;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Minimal view of zod 4's schema definitions, enough to walk objects, lists and unions. */
interface SchemaDef {
  readonly type: string;
  readonly shape?: Record<string, $ZodType>;
  readonly innerType?: $ZodType;
  readonly in?: $ZodType;
  readonly element?: $ZodType;
  readonly options?: readonly $ZodType[];
  readonly discriminator?: string;
  readonly values?: readonly unknown[];
}

function defOf(schema: $ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The keys the schema allows for the object at `path`, following the input through unions. */
function objectKeysAt(schema: $ZodType, path: readonly PropertyKey[], root: unknown): string[] {
  let current: $ZodType | undefined = schema;
  let depth = 0;
  while (current !== undefined) {
    const def = defOf(current);
    if (def.innerType !== undefined) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in !== undefined) {
      current = def.in;
    } else if (def.type === 'union' && def.options !== undefined) {
      current = chooseOption(def, valueAt(root, path.slice(0, depth)));
    } else if (depth === path.length) {
      return def.shape !== undefined ? Object.keys(def.shape) : [];
    } else if (def.type === 'object' && def.shape !== undefined) {
      current = def.shape[String(path[depth])];
      depth += 1;
    } else if (def.type === 'array' && def.element !== undefined) {
      current = def.element;
      depth += 1;
    } else {
      return [];
    }
  }
  return [];
}

function chooseOption(def: SchemaDef, value: unknown): $ZodType | undefined {
  const options = def.options ?? [];
  if (def.discriminator === undefined || value === null || typeof value !== 'object') return options[0];
  const tag = (value as Record<string, unknown>)[def.discriminator];
  return options.find((option) => {
    const literal = defOf(option).shape?.[def.discriminator as string];
    return literal !== undefined && (defOf(literal).values ?? []).includes(tag);
  });
}
