import { entityScores, matchEntities, normalizeEntityField, parseEntities } from '../../lib/evaluate/metrics';

const ADA = { type: 'PERSON', text: 'Ada Lovelace' };
const LONDON = { type: 'LOCATION', text: 'London' };

describe('entity parsing from model text', () => {
  test('a bare JSON list', () => {
    expect(parseEntities('[{"type": "PERSON", "text": "Ada Lovelace"}, {"type": "LOCATION", "text": "London"}]')).toEqual([ADA, LONDON]);
  });

  test('a list in a code fence, with prose around it', () => {
    const text = 'Here are the entities:\n```json\n[{"type": "PERSON", "text": "Ada Lovelace", "start": 0}]\n```\nLet me know if you need more.';
    expect(parseEntities(text)).toEqual([ADA]);
  });

  test('a list embedded in prose, after a bracket that is not JSON', () => {
    const text = 'I found [two] entities: [{"type":"PERSON","text":"Ada Lovelace"},{"type":"LOCATION","text":"London"}]. Note: "[" in quotes.';
    expect(parseEntities(text)).toEqual([ADA, LONDON]);
  });

  test('brackets inside JSON strings do not end the list', () => {
    expect(parseEntities('Entities: [{"type": "TITLE", "text": "Array [1] ] {x}"}] done')).toEqual([{ type: 'TITLE', text: 'Array [1] ] {x}' }]);
  });

  test('an object with an "entities" list', () => {
    expect(parseEntities('{"entities": [{"type": "PERSON", "text": "Ada Lovelace"}]}')).toEqual([ADA]);
  });

  test('a non-empty list wins over an empty one; an empty list alone is no entities', () => {
    expect(parseEntities('Before: [] After: [{"type": "LOCATION", "text": "London"}]')).toEqual([LONDON]);
    expect(parseEntities('[]')).toEqual([]);
  });

  test('unparseable text gives no entities: prose, Python quotes, truncated JSON, lists of other things', () => {
    expect(parseEntities('Ada Lovelace (PERSON) was born in London (LOCATION).')).toEqual([]);
    expect(parseEntities("[{'type': 'PERSON', 'text': 'Ada Lovelace'}]")).toEqual([]);
    expect(parseEntities('[{"type": "PERSON", "text": "Ada Lov')).toEqual([]);
    expect(parseEntities('["Ada Lovelace", "London"]')).toEqual([]);
    expect(parseEntities('')).toEqual([]);
  });

  test('items with a blank type or text are dropped', () => {
    expect(parseEntities('[{"type": " ", "text": "x"}, {"type": "PERSON", "text": "Ada Lovelace"}]')).toEqual([ADA]);
  });

  test('long text with many brackets is parsed in bounded time', () => {
    const noise = '[x] '.repeat(200_000);
    const started = Date.now();
    expect(parseEntities(noise + '[{"type": "PERSON", "text": "Ada Lovelace"}]')).toEqual([]);
    expect(parseEntities('[{"type": "PERSON", "text": "Ada Lovelace"}] ' + noise)).toEqual([ADA]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('entity matching and micro precision / recall / F1', () => {
  test('type and text match after trimming, whitespace collapsing, NFC and lower-casing', () => {
    expect(normalizeEntityField('  Ada \n Lovelace ')).toBe('ada lovelace');
    expect(normalizeEntityField('Zu\u0308rich')).toBe(normalizeEntityField('ZÜRICH'));
    const counts = matchEntities([{ type: 'person', text: 'ada  lovelace' }, { type: 'LOCATION', text: 'Zu\u0308rich' }], [ADA, { type: 'location', text: 'Zürich' }]);
    expect(counts).toEqual({ hits: 2, predicted: 2, expected: 2 });
  });

  test('no credit for the right text with the wrong type, nor for overlapping text', () => {
    expect(matchEntities([{ type: 'ORG', text: 'Ada Lovelace' }, { type: 'PERSON', text: 'Ada' }], [ADA])).toEqual({ hits: 0, predicted: 2, expected: 1 });
  });

  test('duplicates: each expected entity matches once', () => {
    expect(matchEntities([ADA, ADA], [ADA])).toEqual({ hits: 1, predicted: 2, expected: 1 });
    expect(matchEntities([ADA, ADA], [ADA, ADA])).toEqual({ hits: 2, predicted: 2, expected: 2 });
  });

  test('micro averages sum the counts over examples first (by hand)', () => {
    // Example 1: 2 predicted, 1 hit, 1 expected; example 2: 0 predicted, 3 expected.
    // P = 1/2, R = 1/4, F1 = 2·(1/2)(1/4) / (3/4) = 1/3.
    const scores = entityScores([{ hits: 1, predicted: 2, expected: 1 }, { hits: 0, predicted: 0, expected: 3 }]);
    expect(scores.precision).toBeCloseTo(0.5, 12);
    expect(scores.recall).toBeCloseTo(0.25, 12);
    expect(scores.f1).toBeCloseTo(1 / 3, 12);
  });

  test('nothing expected and nothing predicted is perfect; otherwise a zero denominator gives 0', () => {
    expect(entityScores([{ hits: 0, predicted: 0, expected: 0 }])).toEqual({ precision: 1, recall: 1, f1: 1 });
    expect(entityScores([{ hits: 0, predicted: 0, expected: 2 }])).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(entityScores([{ hits: 0, predicted: 3, expected: 0 }])).toEqual({ precision: 0, recall: 0, f1: 0 });
  });
});
