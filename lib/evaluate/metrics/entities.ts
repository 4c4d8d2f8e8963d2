import type { Entity } from '../record';
import { countItems, harmonicMean, overlapCount } from './python-text';

/**
 * Entity-level micro precision, recall and F1, on the 0..1 scale. Pure.
 *
 * Parsing: the model's text should hold a strict-JSON list of
 * `{"type": ..., "text": ...}` objects. `parseEntities` accepts it bare,
 * inside a Markdown code fence (```json ... ```), inside an object's
 * `"entities"` key, or embedded in prose ("Here are the entities: [...]. Hope
 * this helps"). The first list whose items are all objects with a string
 * `type` and `text` wins (a non-empty one before an empty one); other keys are
 * ignored, items whose type or text is blank are dropped. Text with no such
 * list (prose only, Python-style quotes, truncated JSON) gives NO entities:
 * its predictions are all missed, nothing is guessed.
 *
 * Matching rule: an entity is the pair (type, text), each compared after
 * `normalizeEntityField`: trimmed, runs of whitespace made one space, Unicode
 * NFC, lower-cased. A predicted pair matches an expected pair when both are
 * equal after that; each expected pair matches at most once (bags, not sets:
 * a duplicate prediction of a single expected entity is one hit and one false
 * positive). No partial credit for overlapping text or a right text with the
 * wrong type.
 *
 * Micro averaging sums hits, predicted and expected entities over all
 * examples first. Where nothing was expected and nothing predicted, precision,
 * recall and F1 are 1 (a perfect empty answer); otherwise a zero denominator
 * gives 0.
 */

/** At most this many '[' are tried as the start of the list (bounds the work on long texts). */
const MAX_LIST_STARTS = 64;
const CODE_FENCE = /```[^\n`]*\n?([\s\S]*?)```/g;

/** The form in which entity types and texts are compared. */
export function normalizeEntityField(value: string): string {
  return value.trim().replace(/\s+/g, ' ').normalize('NFC').toLowerCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entities of a parsed JSON value, or undefined when it is not an entity list. */
function entitiesOf(value: unknown): Entity[] | undefined {
  const list = isRecord(value) && Array.isArray(value.entities) ? value.entities : value;
  if (!Array.isArray(list)) return undefined;
  if (!list.every((item) => isRecord(item) && typeof item.type === 'string' && typeof item.text === 'string')) return undefined;
  return (list as { type: string; text: string }[])
    .filter((item) => item.type.trim() !== '' && item.text.trim() !== '')
    .map((item) => ({ type: item.type, text: item.text }));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The end (exclusive) of the JSON array starting at `start`, skipping brackets inside strings; -1 if it never closes. */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === '[' || ch === '{') {
      depth++;
    } else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return i + 1;
      if (depth < 0) return -1;
    }
  }
  return -1;
}

/** Candidate JSON texts, most explicit first: the whole text, code fences, then lists embedded in prose. */
function* candidates(text: string): Generator<string> {
  yield text;
  for (const fence of text.matchAll(CODE_FENCE)) yield fence[1];
  let tried = 0;
  for (let start = text.indexOf('['); start >= 0 && tried < MAX_LIST_STARTS; start = text.indexOf('[', start + 1), tried++) {
    const end = balancedEnd(text, start);
    if (end > 0) yield text.slice(start, end);
  }
}

/** The entities the model's text lists; none when it holds no parseable list (see the module comment). */
export function parseEntities(text: string): Entity[] {
  let empty: Entity[] | undefined;
  for (const candidate of candidates(text)) {
    const entities = entitiesOf(parseJson(candidate.trim()));
    if (entities === undefined) continue;
    if (entities.length > 0) return entities;
    empty ??= entities;
  }
  return empty ?? [];
}

const entityKey = (entity: Entity): string => JSON.stringify([normalizeEntityField(entity.type), normalizeEntityField(entity.text)]);

/** Hits, predicted and expected entity counts of one example. */
export interface EntityCounts {
  readonly hits: number;
  readonly predicted: number;
  readonly expected: number;
}

/** Matches predicted against expected entities by the rule above. */
export function matchEntities(predicted: readonly Entity[], expected: readonly Entity[]): EntityCounts {
  const hits = overlapCount(countItems(predicted.map(entityKey)), countItems(expected.map(entityKey)));
  return { hits, predicted: predicted.length, expected: expected.length };
}

export interface EntityScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Micro precision, recall and F1 of summed counts (1 each when nothing was expected or predicted). */
export function entityScores(counts: readonly EntityCounts[]): EntityScores {
  let hits = 0;
  let predicted = 0;
  let expected = 0;
  for (const c of counts) {
    hits += c.hits;
    predicted += c.predicted;
    expected += c.expected;
  }
  if (predicted === 0 && expected === 0) return { precision: 1, recall: 1, f1: 1 };
  const precision = predicted === 0 ? 0 : hits / predicted;
  const recall = expected === 0 ? 0 : hits / expected;
  return { precision, recall, f1: harmonicMean(precision, recall) };
}
