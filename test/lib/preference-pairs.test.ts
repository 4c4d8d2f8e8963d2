import { DatasetChecker, usable } from '../../lib/adapt/dataset-format';
import { parseFeedbackLine, type FeedbackRecord } from '../../lib/align/feedback-record';
import { buildPreferencePairs, pairHash, toJsonl } from '../../lib/align/preference-pairs';

let counter = 0;
const base = () => ({ version: 1 as const, id: `f-${(counter += 1)}`, timestamp: '2026-11-28T18:00:00Z' });
const rating = (prompt: string, response: string, value: 1 | -1): FeedbackRecord => ({ kind: 'rating', ...base(), prompt, response, rating: value });
const preference = (prompt: string, chosen: string, rejected: string): FeedbackRecord => ({ kind: 'preference', ...base(), prompt, chosen, rejected });

describe('feedback records', () => {
  test('parse ratings and preferences of the shared format', () => {
    const line = JSON.stringify({ kind: 'rating', version: 1, id: 'a', timestamp: '2026-11-28T18:00:00Z', prompt: 'Q', response: 'A', rating: -1, promptTemplate: { id: 'qa', version: 3 } });
    expect(parseFeedbackLine(line).record).toEqual(expect.objectContaining({ kind: 'rating', rating: -1 }));
  });

  test('report what is wrong with a bad line instead of throwing', () => {
    expect(parseFeedbackLine('{').problem).toMatch(/^not JSON/);
    const bad = JSON.stringify({ kind: 'rating', version: 1, id: 'a', timestamp: 'yesterday', prompt: ' ', response: 'A', rating: 5 });
    expect(parseFeedbackLine(bad).problem).toMatch(/timestamp: an ISO 8601 UTC timestamp.*prompt: a non-empty text.*rating/);
    expect(parseFeedbackLine(JSON.stringify({ kind: 'vote' })).problem).toMatch(/kind/);
  });
});

describe('preference pairs', () => {
  test('pair liked against disliked answers of the same prompt, and keep explicit preferences', () => {
    const dataset = buildPreferencePairs(
      [rating('What is 2+2?', '4', 1), rating('What is 2+2?', '5', -1), rating('What is 2+2?', 'four', 1), preference('Capital of France?', 'Paris', 'Lyon')],
      { validationShare: 0 },
    );
    expect(dataset.train).toEqual([
      { prompt: 'Capital of France?', chosen: 'Paris', rejected: 'Lyon' },
      { prompt: 'What is 2+2?', chosen: '4', rejected: '5' },
      { prompt: 'What is 2+2?', chosen: 'four', rejected: '5' },
    ]);
    expect(dataset.stats).toEqual({ ratings: 3, preferences: 1, pairsFromRatings: 2, duplicates: 0, conflicts: 0 });
  });

  test('remove duplicates and pairs other feedback contradicts', () => {
    const dataset = buildPreferencePairs(
      [preference('P', 'A', 'B'), preference('P ', 'A', ' B'), preference('Q', 'X', 'Y'), preference('Q', 'Y', 'X')],
      { validationShare: 0 },
    );
    expect(dataset.train).toEqual([{ prompt: 'P', chosen: 'A', rejected: 'B' }]);
    expect(dataset.stats.duplicates).toBe(1);
    expect(dataset.stats.conflicts).toBe(2);
  });

  test('cap the pairs one prompt contributes from ratings', () => {
    const records = [...'abcde'].map((answer) => rating('P', `good ${answer}`, 1)).concat([...'vwxyz'].map((answer) => rating('P', `bad ${answer}`, -1)));
    expect(buildPreferencePairs(records, { maxPairsPerPrompt: 3, validationShare: 0 }).train).toHaveLength(3);
  });

  test('split by prompt, deterministically, with no prompt in both splits', () => {
    const records = Array.from({ length: 200 }, (_, index) => preference(`prompt ${index}`, 'good', 'bad'));
    const first = buildPreferencePairs(records);
    expect(buildPreferencePairs([...records].reverse())).toEqual(first);
    expect(first.validation.length).toBeGreaterThan(5);
    expect(first.validation.length).toBeLessThan(45);
    const trainPrompts = new Set(first.train.map((pair) => pair.prompt));
    expect(first.validation.some((pair) => trainPrompts.has(pair.prompt))).toBe(false);
  });

  test('hash a pair the way deduplication compares it, with the direction mattering', () => {
    const hash = pairHash({ prompt: 'P', chosen: 'A', rejected: 'B' });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(pairHash({ prompt: ' P ', chosen: 'A', rejected: 'B\n' })).toBe(hash);
    expect(pairHash({ prompt: 'P', chosen: 'B', rejected: 'A' })).not.toBe(hash);
    expect(pairHash({ prompt: 'P', chosen: 'AB', rejected: '' })).not.toBe(pairHash({ prompt: 'P', chosen: 'A', rejected: 'B' }));
  });

  test('feedback in the shared format becomes a DPO dataset the validator accepts', () => {
    const lines = [rating('Q1', 'good', 1), rating('Q1', 'bad', -1), preference('Q2', 'yes', 'no')].map((record) => JSON.stringify(record));
    const records = lines.map((line) => parseFeedbackLine(line).record as FeedbackRecord);
    const { train } = buildPreferencePairs(records, { validationShare: 0 });
    const checker = new DatasetChecker('dpo', 4096);
    for (const line of toJsonl(train).split('\n')) checker.add(line);
    expect(checker.report().validRecords).toBe(2);
    expect(usable(checker.report())).toBe(true);
  });
});
