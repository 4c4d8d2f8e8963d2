import type { RetrievalFilter } from '@aws-sdk/client-bedrock-agent-runtime';
import * as z from '../../lib/validation/zod-mini';

/**
 * The metadata filters a question may carry, and their mapping to the
 * Retrieve API's RetrievalFilter: `equals` (key = value) and `in` (key is
 * one of the values), all of them required (andAll).
 */

/** A metadata attribute name of the knowledge base's documents (the keys of their .metadata.json). */
export const FILTER_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
/** Conditions of one question at most, equals and in together. */
export const MAX_FILTER_CONDITIONS = 10;
/** Values of one `in` condition at most. */
export const MAX_IN_VALUES = 25;
const MAX_VALUE_CHARS = 1024;

const keyRule = 'a metadata key: a letter or digit, then letters, digits, "_", ".", ":" or "-", at most 100 characters';
const scalarRule = `a text of at most ${MAX_VALUE_CHARS} characters, a finite number or a boolean`;
const listRule = `a list of 1 to ${MAX_IN_VALUES} texts (at most ${MAX_VALUE_CHARS} characters) or finite numbers`;

const key = z.string().check(z.regex(FILTER_KEY, { error: keyRule }));
const text = z.string().check(z.maxLength(MAX_VALUE_CHARS));
const number = z.number().check(z.refine(Number.isFinite));
/** The error of a record: its bad keys, else the record itself. */
const recordError = (what: string) => (issue: { code: string }) => (issue.code === 'invalid_key' ? keyRule : what);

export const filtersSchema = z
  .strictObject(
    {
      equals: z.optional(
        z.record(key, z.union([text, number, z.boolean()], { error: scalarRule }), { error: recordError('an object of metadata keys, each with the value it must equal') }),
      ),
      in: z.optional(
        z.record(key, z.array(z.union([text, number]), { error: listRule }).check(z.minLength(1, { error: listRule }), z.maxLength(MAX_IN_VALUES, { error: listRule })), {
          error: recordError('an object of metadata keys, each with the list of values it may take'),
        }),
      ),
    },
    { error: 'an object {"equals"?: {key: value}, "in"?: {key: [values]}}' },
  )
  .check(z.refine((filters) => conditionCount(filters) <= MAX_FILTER_CONDITIONS, { error: `at most ${MAX_FILTER_CONDITIONS} conditions in all, equals and in together` }));

export type Filters = z.infer<typeof filtersSchema>;

/** Conditions of a question's filters, equals and in together. */
export function conditionCount(filters: { readonly equals?: object; readonly in?: object } | undefined): number {
  return Object.keys(filters?.equals ?? {}).length + Object.keys(filters?.in ?? {}).length;
}

/**
 * The Retrieve filter: each condition, all required. None: undefined (no
 * filter); one: the condition itself (andAll takes at least 2).
 */
export function retrievalFilter(filters: Filters | undefined): RetrievalFilter | undefined {
  const conditions: RetrievalFilter[] = [
    ...Object.entries(filters?.equals ?? {}).map(([name, value]): RetrievalFilter => ({ equals: { key: name, value } })),
    ...Object.entries(filters?.in ?? {}).map(([name, values]): RetrievalFilter => ({ in: { key: name, value: values } })),
  ];
  if (conditions.length === 0) return undefined;
  return conditions.length === 1 ? conditions[0] : { andAll: conditions };
}
