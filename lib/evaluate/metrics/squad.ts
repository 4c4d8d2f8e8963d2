import { countItems, harmonicMean, overlapCount, pythonSplit } from './python-text';

/**
 * Exact match and token F1 exactly as the official SQuAD v1.1 evaluation
 * script (`evaluate-v1.1.py`) computes them, on the 0..1 scale (the script
 * reports 0..100). Pure.
 *
 * `normalizeAnswer` is the script's `normalize_answer`: Unicode lower-casing,
 * removal of the ASCII punctuation of Python's `string.punctuation` (other
 * punctuation, such as “ ” — or «, stays), removal of the words a / an / the
 * (Python's `\b`, which is Unicode-aware: letters and digits of every script
 * are word characters, so "éa" keeps its "a"), and whitespace collapsed as
 * Python's `str.split()` does. Accented letters are kept.
 *
 * As in the script, two answers that both normalize to nothing match exactly
 * (exact match 1) but have token F1 0.
 */

// Python's string.punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
const PUNCTUATION = /[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/g;
// Python's \b(a|an|the)\b on str patterns: \w is any Unicode letter or digit, or '_'.
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** The SQuAD script's `normalize_answer`. */
export function normalizeAnswer(text: string): string {
  return pythonSplit(text.toLowerCase().replace(PUNCTUATION, '').replace(ARTICLES, ' ')).join(' ');
}

/** The script's `exact_match_score`, as 1 or 0. */
export function exactMatch(prediction: string, groundTruth: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(groundTruth) ? 1 : 0;
}

/** The script's `f1_score`: F1 of the bags of normalized tokens, 0 when none is shared. */
export function tokenF1(prediction: string, groundTruth: string): number {
  const predictionTokens = pythonSplit(normalizeAnswer(prediction));
  const truthTokens = pythonSplit(normalizeAnswer(groundTruth));
  const same = overlapCount(countItems(predictionTokens), countItems(truthTokens));
  if (same === 0) return 0;
  return harmonicMean(same / predictionTokens.length, same / truthTokens.length);
}

/** One question's scores: the script's `metric_max_over_ground_truths`; no ground truth gives 0 (the script raises). */
export function squadScore(prediction: string, groundTruths: readonly string[]): { readonly exactMatch: number; readonly f1: number } {
  let bestExact = 0;
  let bestF1 = 0;
  for (const truth of groundTruths) {
    bestExact = Math.max(bestExact, exactMatch(prediction, truth));
    bestF1 = Math.max(bestF1, tokenF1(prediction, truth));
  }
  return { exactMatch: bestExact, f1: bestF1 };
}
