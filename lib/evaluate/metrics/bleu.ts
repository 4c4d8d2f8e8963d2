import { pythonRstrip, pythonSplit } from './python-text';

/**
 * BLEU exactly as sacreBLEU 2.x computes it with its defaults
 * (`sacrebleu.metrics.BLEU()`: signature `case:mixed|eff:no|tok:13a|smooth:exp`):
 * the mteval-v13a tokenization, n-grams up to 4, clipped counts against the
 * per-n-gram maximum over the references, the closest reference length
 * (the shorter on ties) for the brevity penalty, and NIST "exp" smoothing of
 * zero-match orders. Pure.
 *
 * SCALE: sacreBLEU reports BLEU on 0..100; every score here is on 0..1
 * (sacreBLEU's score / 100), and so are the n-gram precisions.
 *
 * Differences from sacreBLEU, on inputs sacreBLEU refuses: a segment whose
 * references are all empty (sacreBLEU raises "Empty or `None` reference
 * sentence found") counts here with reference length 0 and no matching
 * n-gram. Empty references next to non-empty ones are dropped, as sacreBLEU
 * drops them; empty hypotheses are kept, as sacreBLEU keeps them.
 */

export const MAX_NGRAM_ORDER = 4;

/** The sufficient statistics of BLEU, summed over segments. */
export interface BleuStatistics {
  /** Matching (clipped) n-grams, index n-1. */
  readonly correct: readonly number[];
  /** Hypothesis n-grams, index n-1. */
  readonly total: readonly number[];
  readonly sysLen: number;
  readonly refLen: number;
}

export interface BleuScore extends BleuStatistics {
  /** BLEU on 0..1 (sacreBLEU's `score` / 100). */
  readonly score: number;
  /** The smoothed n-gram precisions on 0..1 (sacreBLEU's `precisions` / 100). */
  readonly precisions: readonly number[];
  /** Brevity penalty, 0..1. */
  readonly bp: number;
}

export interface BleuOptions {
  /**
   * Stop at the highest n-gram order the hypothesis has (sacreBLEU's
   * `effective_order`): what `sacrebleu.sentence_bleu` uses.
   * @default false
   */
  readonly effectiveOrder?: boolean;
}

// sacreBLEU's TokenizerRegexp: the ASCII punctuation except ' , - . is split off; then
// period and comma unless between digits; then a dash after a digit.
const PUNCTUATION = /([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/g;
const PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/gu;
const PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/gu;
const DASH_AFTER_DIGIT = /([0-9])(-)/g;

/** sacreBLEU's `Tokenizer13a()(line)`: the mteval-v13a tokenization, tokens joined by single spaces. */
export function tokenize13a(line: string): string {
  let text = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (text.includes('&')) {
    text = text.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  text = ` ${text} `
    .replace(PUNCTUATION, ' $1 ')
    .replace(PERIOD_COMMA_AFTER_NON_DIGIT, '$1 $2 ')
    .replace(PERIOD_COMMA_BEFORE_NON_DIGIT, ' $1 $2')
    .replace(DASH_AFTER_DIGIT, '$1 $2 ');
  return pythonSplit(text).join(' ');
}

/** sacreBLEU's `_preprocess_segment` with the defaults: right-strip, then 13a. */
function preprocess(segment: string): string[] {
  return pythonSplit(tokenize13a(pythonRstrip(segment)));
}

/** Counts of the n-grams of each order, index n-1 (an n-gram: its tokens joined by a space, built by extension). */
function ngramCounts(tokens: readonly string[]): Map<string, number>[] {
  const orders = Array.from({ length: MAX_NGRAM_ORDER }, () => new Map<string, number>());
  for (let i = 0; i < tokens.length; i++) {
    let gram = tokens[i];
    for (let n = 0; n < MAX_NGRAM_ORDER && i + n < tokens.length; n++) {
      if (n > 0) gram = `${gram} ${tokens[i + n]}`;
      orders[n].set(gram, (orders[n].get(gram) ?? 0) + 1);
    }
  }
  return orders;
}

/** sacreBLEU's `_get_closest_ref_len`: the closest reference length, the shorter on ties. */
function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1;
  let closestLen = 0;
  for (const refLen of refLens) {
    const diff = Math.abs(hypLen - refLen);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = refLen;
    } else if (diff === closestDiff && refLen < closestLen) {
      closestLen = refLen;
    }
  }
  return closestLen;
}

/** The statistics of one segment against its references (sacreBLEU's `_compute_segment_statistics`). */
export function segmentStatistics(hypothesis: string, references: readonly string[]): BleuStatistics {
  const refNgrams = Array.from({ length: MAX_NGRAM_ORDER }, () => new Map<string, number>());
  const refLens: number[] = [];
  for (const reference of references) {
    if (reference === '') continue;
    const tokens = preprocess(reference);
    refLens.push(tokens.length);
    ngramCounts(tokens).forEach((counts, n) => {
      for (const [gram, count] of counts) if (count > (refNgrams[n].get(gram) ?? 0)) refNgrams[n].set(gram, count);
    });
  }
  const hypTokens = preprocess(hypothesis);
  const correct = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  const total = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  ngramCounts(hypTokens).forEach((counts, n) => {
    for (const [gram, count] of counts) {
      total[n] += count;
      correct[n] += Math.min(count, refNgrams[n].get(gram) ?? 0);
    }
  });
  return { correct, total, sysLen: hypTokens.length, refLen: closestRefLen(hypTokens.length, refLens) };
}

/** sacreBLEU's `my_log`: log, with log(0) floored to -9999999999. */
const floorLog = (value: number): number => (value === 0 ? -9999999999 : Math.log(value));

/** sacreBLEU's `BLEU.compute_bleu` with exp smoothing, from summed statistics; score on 0..1. */
export function bleuFromStatistics(statistics: BleuStatistics, options: BleuOptions = {}): BleuScore {
  const { correct, total, sysLen, refLen } = statistics;
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  const result = (score100: number): BleuScore => ({ ...statistics, score: score100 / 100, precisions: precisions.map((p) => p / 100), bp });
  // sacreBLEU stops early when nothing matches (its issue #141).
  if (!correct.some((count) => count !== 0)) return result(0);
  let smoothMteval = 1;
  let effectiveOrder = MAX_NGRAM_ORDER;
  for (let n = 1; n <= MAX_NGRAM_ORDER; n++) {
    if (total[n - 1] === 0) break;
    if (options.effectiveOrder) effectiveOrder = n;
    if (correct[n - 1] === 0) {
      smoothMteval *= 2;
      precisions[n - 1] = 100 / (smoothMteval * total[n - 1]);
    } else {
      precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
    }
  }
  let logSum = 0;
  for (const precision of precisions.slice(0, effectiveOrder)) logSum += floorLog(precision);
  return result(bp * Math.exp(logSum / effectiveOrder));
}

/** Sums segment statistics (sacreBLEU's `sum_of_lists`). */
export function sumStatistics(segments: readonly BleuStatistics[]): BleuStatistics {
  const correct = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  const total = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  let sysLen = 0;
  let refLen = 0;
  for (const segment of segments) {
    for (let n = 0; n < MAX_NGRAM_ORDER; n++) {
      correct[n] += segment.correct[n];
      total[n] += segment.total[n];
    }
    sysLen += segment.sysLen;
    refLen += segment.refLen;
  }
  return { correct, total, sysLen, refLen };
}

/**
 * Corpus BLEU: `sacrebleu.corpus_bleu(hypotheses, refStreams).score / 100`.
 * `references[i]` holds every reference of `hypotheses[i]` (sacreBLEU takes
 * reference streams, `refStreams[k][i]`: the transpose).
 */
export function corpusBleu(hypotheses: readonly string[], references: readonly (readonly string[])[]): BleuScore {
  if (hypotheses.length !== references.length) {
    throw new RangeError(`corpusBleu: ${hypotheses.length} hypotheses but ${references.length} reference lists`);
  }
  return bleuFromStatistics(sumStatistics(hypotheses.map((hypothesis, i) => segmentStatistics(hypothesis, references[i]))));
}

/** Sentence BLEU: `sacrebleu.sentence_bleu(hypothesis, references).score / 100` (exp smoothing, effective order). */
export function sentenceBleu(hypothesis: string, references: readonly string[]): BleuScore {
  return bleuFromStatistics(segmentStatistics(hypothesis, references), { effectiveOrder: true });
}
