import { createHash } from 'node:crypto';
import type { FeedbackRecord } from './feedback-record';

/** One DPO training example, in the dpo dataset format. */
export interface PreferencePair {
  readonly prompt: string;
  readonly chosen: string;
  readonly rejected: string;
}

export interface PreferenceDataset {
  readonly train: PreferencePair[];
  readonly validation: PreferencePair[];
  readonly stats: {
    readonly ratings: number;
    readonly preferences: number;
    /** Pairs made from a liked and a disliked answer to the same prompt. */
    readonly pairsFromRatings: number;
    readonly duplicates: number;
    /** Pairs dropped because feedback also says the opposite. */
    readonly conflicts: number;
  };
}

export interface PreferenceOptions {
  /** Share of prompts held out for validation. @default 0.1 */
  readonly validationShare?: number;
  /** Most pairs made from the ratings of one prompt (liked x disliked grows fast). @default 4 */
  readonly maxPairsPerPrompt?: number;
}

const normalize = (value: string) => value.trim().replace(/\s+/g, ' ');
const pairKey = (prompt: string, chosen: string, rejected: string) => JSON.stringify([normalize(prompt), normalize(chosen), normalize(rejected)]);

/**
 * Identity of a pair across datasets: sha256 (hex) of its prompt, chosen and
 * rejected, whitespace-normalized as deduplication compares them, so pairs
 * that buildPreferencePairs counts as duplicates share one hash.
 */
export function pairHash(pair: PreferencePair): string {
  return createHash('sha256').update(pairKey(pair.prompt, pair.chosen, pair.rejected)).digest('hex');
}

/** A stable share in [0, 1) per prompt: the same prompt always lands in the same split. */
function promptShare(prompt: string): number {
  return createHash('sha256').update(normalize(prompt)).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Joins feedback into prompt / chosen / rejected triples: explicit
 * preferences as given, and for each prompt its liked answers against its
 * disliked ones. Removes duplicates and pairs that other feedback
 * contradicts (B over A as well as A over B), then splits by prompt so a
 * prompt never appears in both splits. Deterministic: the same feedback
 * gives the same dataset.
 */
export function buildPreferencePairs(records: readonly FeedbackRecord[], options: PreferenceOptions = {}): PreferenceDataset {
  const validationShare = options.validationShare ?? 0.1;
  const maxPairsPerPrompt = options.maxPairsPerPrompt ?? 4;
  const candidates: PreferencePair[] = [];
  const byPrompt = new Map<string, { prompt: string; liked: Set<string>; disliked: Set<string> }>();
  let ratings = 0;
  let preferences = 0;
  for (const record of records) {
    if (record.kind === 'preference') {
      preferences += 1;
      candidates.push({ prompt: record.prompt, chosen: record.chosen, rejected: record.rejected });
      continue;
    }
    ratings += 1;
    const key = normalize(record.prompt);
    const entry = byPrompt.get(key) ?? { prompt: record.prompt, liked: new Set<string>(), disliked: new Set<string>() };
    (record.rating > 0 ? entry.liked : entry.disliked).add(record.response);
    byPrompt.set(key, entry);
  }
  let pairsFromRatings = 0;
  for (const { prompt, liked, disliked } of [...byPrompt.values()].sort((a, b) => a.prompt.localeCompare(b.prompt))) {
    const pairs = [...liked].sort().flatMap((chosen) => [...disliked].sort().filter((rejected) => normalize(rejected) !== normalize(chosen)).map((rejected) => ({ prompt, chosen, rejected })));
    const kept = pairs.slice(0, maxPairsPerPrompt);
    pairsFromRatings += kept.length;
    candidates.push(...kept);
  }

  const seen = new Set<string>();
  let duplicates = 0;
  const unique: PreferencePair[] = [];
  for (const pair of candidates) {
    const key = pairKey(pair.prompt, pair.chosen, pair.rejected);
    if (seen.has(key)) duplicates += 1;
    else {
      seen.add(key);
      unique.push(pair);
    }
  }
  const contradicted = (pair: PreferencePair) => seen.has(pairKey(pair.prompt, pair.rejected, pair.chosen));
  const consistent = unique.filter((pair) => !contradicted(pair));
  const conflicts = unique.length - consistent.length;

  const ordered = [...consistent].sort((a, b) => pairKey(a.prompt, a.chosen, a.rejected).localeCompare(pairKey(b.prompt, b.chosen, b.rejected)));
  return {
    train: ordered.filter((pair) => promptShare(pair.prompt) >= validationShare),
    validation: ordered.filter((pair) => promptShare(pair.prompt) < validationShare),
    stats: { ratings, preferences, pairsFromRatings, duplicates, conflicts },
  };
}

/** JSONL of pairs, one per line, in the dpo dataset format. */
export function toJsonl(pairs: readonly PreferencePair[]): string {
  return pairs.map((pair) => JSON.stringify({ prompt: pair.prompt, chosen: pair.chosen, rejected: pair.rejected })).join('\n') + (pairs.length > 0 ? '\n' : '');
}
