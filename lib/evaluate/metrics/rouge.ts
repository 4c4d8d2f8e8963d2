import { countNgrams, harmonicMean, overlapCount } from './python-text';
import { porterStem } from './porter';

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L exactly as Google's rouge-score
 * (`rouge_score.rouge_scorer.RougeScorer(['rouge1', 'rouge2', 'rougeL'])`)
 * computes them. Scores are on the 0..1 scale, like rouge-score's. Pure.
 *
 * Tokenization is rouge-score's default tokenizer: Unicode lower-casing
 * (Python's `str.lower()`; JavaScript's `toLowerCase()` gives the same ASCII
 * letters), every character outside `[a-z0-9]` replaced by a space, split.
 * Like the reference, this DROPS every non-ASCII letter: "café" gives the
 * token "caf", "naïve" gives "na" and "ve", and a text in Greek, Cyrillic,
 * Chinese... has no tokens at all and scores 0 against anything. That is
 * rouge-score's behaviour, reproduced on purpose so scores compare with
 * published ones.
 *
 * `useStemmer` applies the Porter stemmer to tokens longer than 3 characters,
 * as rouge-score's `use_stemmer=True` does with NLTK's PorterStemmer (see
 * porter.ts); off by default, as in rouge-score.
 *
 * ROUGE-L is sentence-level ROUGE-L (rouge-score's `rougeL`, newlines
 * ignored), not the summary-level `rougeLsum`. The LCS runs in O(n·m) time
 * and O(min(n, m)) memory, so long texts cost time, not memory.
 */

export interface RougeOptions {
  /**
   * Porter-stem tokens longer than 3 characters (rouge-score's `use_stemmer`).
   * @default false
   */
  readonly useStemmer?: boolean;
}

/** One ROUGE score, 0..1 each. */
export interface RougeScore {
  readonly precision: number;
  readonly recall: number;
  readonly fmeasure: number;
}

/** The three ROUGE variants the kit reports. */
export interface RougeScores {
  readonly rouge1: RougeScore;
  readonly rouge2: RougeScore;
  readonly rougeL: RougeScore;
}

export const ROUGE_TYPES = ['rouge1', 'rouge2', 'rougeL'] as const;

const ZERO: RougeScore = { precision: 0, recall: 0, fmeasure: 0 };
const TOKEN = /[a-z0-9]+/g;
const VALID_TOKEN = /^[a-z0-9]+$/;

/** rouge-score's `DefaultTokenizer(use_stemmer).tokenize(text)`. */
export function rougeTokenize(text: string, options: RougeOptions = {}): string[] {
  const tokens = text.toLowerCase().match(TOKEN) ?? [];
  if (!options.useStemmer) return tokens;
  return tokens.map((token) => (token.length > 3 ? porterStem(token) : token)).filter((token) => VALID_TOKEN.test(token));
}

function score(overlap: number, predictionCount: number, targetCount: number): RougeScore {
  const precision = overlap / Math.max(predictionCount, 1);
  const recall = overlap / Math.max(targetCount, 1);
  return { precision, recall, fmeasure: harmonicMean(precision, recall) };
}

/** ROUGE-N of token lists (rouge-score's `_score_ngrams` of `_create_ngrams`). */
export function rougeNFromTokens(targetTokens: readonly string[], predictionTokens: readonly string[], n: number): RougeScore {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`ROUGE-N needs a whole n > 0; received ${n}`);
  const target = countNgrams(targetTokens, n);
  const prediction = countNgrams(predictionTokens, n);
  return score(overlapCount(target, prediction), Math.max(predictionTokens.length - n + 1, 0), Math.max(targetTokens.length - n + 1, 0));
}

/**
 * Short sides up to this many tokens use the bit-parallel LCS, whose match
 * masks take at most 4096 × 128 words (2 MiB); longer ones the one-row DP.
 */
const BIT_PARALLEL_MAX_TOKENS = 4096;

/** LCS length by dynamic programming over one row: O(n·m) time, O(n) memory (n = the short side). */
function lcsByRow<T>(shortIds: Int32Array, long: readonly T[], ids: ReadonlyMap<T, number>): number {
  const n = shortIds.length;
  const row = new Int32Array(n + 1);
  for (const item of long) {
    const id = ids.get(item) ?? -1;
    let diagonal = 0; // row[j - 1] before this pass
    let left = 0; // row[j - 1] after it
    for (let j = 1; j <= n; j++) {
      const above = row[j];
      const value = shortIds[j - 1] === id ? diagonal + 1 : left > above ? left : above;
      row[j] = value;
      diagonal = above;
      left = value;
    }
  }
  return row[n];
}

/**
 * LCS length with the bit-vector recurrence of Crochemore et al. (2001):
 * V' = (V + (V & M[b])) | (V & ~M[b]), the LCS being the zero bits of V.
 * O(n·m/32) time; the same value as the DP.
 */
function lcsByBits<T>(shortIds: Int32Array, long: readonly T[], ids: ReadonlyMap<T, number>): number {
  const n = shortIds.length;
  const words = (n + 31) >>> 5;
  const masks = new Int32Array(ids.size * words);
  for (let j = 0; j < n; j++) masks[shortIds[j] * words + (j >>> 5)] |= 1 << (j & 31);
  const v = new Int32Array(words).fill(-1);
  for (const item of long) {
    const id = ids.get(item);
    if (id === undefined) continue; // no match anywhere: V stays
    const base = id * words;
    let carry = 0;
    for (let w = 0; w < words; w++) {
      const vw = v[w];
      const m = masks[base + w];
      const sum = (vw >>> 0) + ((vw & m) >>> 0) + carry;
      carry = sum > 0xffffffff ? 1 : 0;
      v[w] = sum | (vw & ~m);
    }
  }
  let lcs = 0;
  for (let j = 0; j < n; j++) if (((v[j >>> 5] >>> (j & 31)) & 1) === 0) lcs++;
  return lcs;
}

/**
 * Length of the longest common subsequence, in O(n·m) time and O(min(n, m))
 * memory: bit-parallel (n·m/32 steps) when the shorter side has at most
 * 4096 items, one DP row over the shorter side beyond that.
 */
export function lcsLength<T>(a: readonly T[], b: readonly T[]): number {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length === 0) return 0;
  // Compare small integers rather than values: ids of the short side's distinct items.
  const ids = new Map<T, number>();
  const shortIds = new Int32Array(short.length);
  for (let j = 0; j < short.length; j++) {
    let id = ids.get(short[j]);
    if (id === undefined) ids.set(short[j], (id = ids.size));
    shortIds[j] = id;
  }
  return short.length <= BIT_PARALLEL_MAX_TOKENS ? lcsByBits(shortIds, long, ids) : lcsByRow(shortIds, long, ids);
}

/** ROUGE-L of token lists (rouge-score's `_score_lcs`): 0 when either side has no token. */
export function rougeLFromTokens(targetTokens: readonly string[], predictionTokens: readonly string[]): RougeScore {
  if (targetTokens.length === 0 || predictionTokens.length === 0) return ZERO;
  return score(lcsLength(targetTokens, predictionTokens), predictionTokens.length, targetTokens.length);
}

/** ROUGE-L of two texts: `RougeScorer(['rougeL']).score(target, prediction)['rougeL']`. */
export function rougeL(target: string, prediction: string, options: RougeOptions = {}): RougeScore {
  return rougeLFromTokens(rougeTokenize(target, options), rougeTokenize(prediction, options));
}

function scoreTokens(targetTokens: readonly string[], predictionTokens: readonly string[]): RougeScores {
  return {
    rouge1: rougeNFromTokens(targetTokens, predictionTokens, 1),
    rouge2: rougeNFromTokens(targetTokens, predictionTokens, 2),
    rougeL: rougeLFromTokens(targetTokens, predictionTokens),
  };
}

/** `RougeScorer(['rouge1', 'rouge2', 'rougeL']).score(target, prediction)` (target first, as in rouge-score). */
export function rougeScore(target: string, prediction: string, options: RougeOptions = {}): RougeScores {
  return scoreTokens(rougeTokenize(target, options), rougeTokenize(prediction, options));
}

/**
 * rouge-score's `score_multi(targets, prediction)`: for each ROUGE type
 * separately, the score against the target with the highest F-measure (the
 * first one on ties, as `np.argmax`). No target gives zeros (rouge-score raises).
 */
export function rougeScoreMulti(targets: readonly string[], prediction: string, options: RougeOptions = {}): RougeScores {
  const predictionTokens = rougeTokenize(prediction, options);
  const all = targets.map((target) => scoreTokens(rougeTokenize(target, options), predictionTokens));
  if (all.length === 0) return { rouge1: ZERO, rouge2: ZERO, rougeL: ZERO };
  const best = (type: (typeof ROUGE_TYPES)[number]): RougeScore =>
    all.reduce((chosen, scores) => (scores[type].fmeasure > chosen[type].fmeasure ? scores : chosen))[type];
  return { rouge1: best('rouge1'), rouge2: best('rouge2'), rougeL: best('rougeL') };
}
