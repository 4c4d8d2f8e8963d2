/**
 * Python `str` semantics the reference implementations rely on, reproduced
 * exactly so that the metrics split text where Python splits it. Pure.
 */

/**
 * The characters Python's `str.split()` / `str.strip()` treat as
 * whitespace (`str.isspace()`): JavaScript's `\s` differs (it adds U+FEFF and
 * lacks U+001C..U+001F and U+0085).
 */
const PYTHON_WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PYTHON_WORDS = new RegExp(`[^${PYTHON_WHITESPACE}]+`, 'gu');
const PYTHON_TRAILING_WHITESPACE = new RegExp(`[${PYTHON_WHITESPACE}]+$`, 'u');

/** Python's `text.split()` (no separator): runs of non-whitespace, empty strings dropped. */
export function pythonSplit(text: string): string[] {
  return text.match(PYTHON_WORDS) ?? [];
}

/** Python's `text.rstrip()` (no argument). */
export function pythonRstrip(text: string): string {
  return text.replace(PYTHON_TRAILING_WHITESPACE, '');
}

/** `2PR / (P + R)`, 0 when both are 0 (rouge-score's `scoring.fmeasure`, the SQuAD script's F1). */
export function harmonicMean(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** Counts of each item (Python's `collections.Counter`). */
export function countItems<T>(items: Iterable<T>): Map<T, number> {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/** Counts of the n-grams of `tokens` (n consecutive tokens joined by a space; tokens hold no space). */
export function countNgrams(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = n === 1 ? tokens[i] : tokens.slice(i, i + n).join(' ');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

/** Size of the multiset intersection of two counters (`sum((a & b).values())`). */
export function overlapCount<T>(a: ReadonlyMap<T, number>, b: ReadonlyMap<T, number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let overlap = 0;
  for (const [item, count] of small) {
    const other = large.get(item);
    if (other !== undefined) overlap += Math.min(count, other);
  }
  return overlap;
}
