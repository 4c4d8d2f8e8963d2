import { exactMatch, normalizeAnswer, squadScore, tokenF1 } from '../../lib/evaluate/metrics';

// Every expected value is worked out by hand from the SQuAD v1.1 evaluation script (evaluate-v1.1.py):
// normalize_answer = white_space_fix(remove_articles(remove_punc(lower(s)))); f1 from Counter overlap; max over answers.
describe('SQuAD v1.1 exact match and token F1, on 0..1', () => {
  test('normalize_answer: lower case, ASCII punctuation, articles, whitespace', () => {
    expect(normalizeAnswer('The Denver Broncos!')).toBe('denver broncos');
    expect(normalizeAnswer('  an apple a day\tkeeps\n the doctor away ')).toBe('apple day keeps doctor away');
    // Punctuation goes before articles: "A-Team" -> "ateam", no article left; "theater" keeps its "the".
    expect(normalizeAnswer('A-Team')).toBe('ateam');
    expect(normalizeAnswer('The theater')).toBe('theater');
    expect(normalizeAnswer('(a) b_c')).toBe('bc');
  });

  test('unicode: accents kept, non-ASCII punctuation kept, \\b is Unicode-aware as in Python', () => {
    expect(normalizeAnswer('Café AU Lait')).toBe('café au lait');
    // Only string.punctuation is removed: curly quotes and the em dash stay.
    expect(normalizeAnswer('“Yes” — a reply')).toBe('“yes” — reply');
    // Python's \b treats é as a word character: the "a" of "éa" is not a word; an ASCII-only \b would strip it.
    expect(normalizeAnswer('Éa a')).toBe('éa');
    expect(normalizeAnswer('ΣΟΦΙΑ')).toBe('σοφια');
    // Python str.split() whitespace: NBSP and U+3000 separate words; the zero-width space does not.
    expect(normalizeAnswer('new\u00a0york\u3000city x\u200by')).toBe('new york city x\u200by');
  });

  test('exact match and token F1 by hand', () => {
    expect(exactMatch('The Denver Broncos!', 'denver broncos')).toBe(1);
    // pred [eiffel, tower, in, paris] vs [eiffel, tower]: 2 shared -> P 1/2, R 1 -> F1 2/3.
    expect(exactMatch('the Eiffel Tower in Paris', 'Eiffel Tower')).toBe(0);
    expect(tokenF1('the Eiffel Tower in Paris', 'Eiffel Tower')).toBeCloseTo(2 / 3, 12);
    // [café, au, lait] vs [cafe, au, lait]: 2 shared of 3 and 3 -> 2/3.
    expect(tokenF1('Café au lait', 'cafe au lait')).toBeCloseTo(2 / 3, 12);
    // Counter intersection: pred [new, new, york] vs [new, york, york]: min counts 1 + 1 = 2 -> P 2/3, R 2/3.
    expect(tokenF1('new new york', 'new york york')).toBeCloseTo(2 / 3, 12);
  });

  test('the best over the accepted answers, per metric', () => {
    // "Denver" vs ["Denver Broncos", "Denver"]: EM 1 from the second; F1 1 from the second.
    expect(squadScore('Denver', ['Denver Broncos', 'Denver'])).toEqual({ exactMatch: 1, f1: 1 });
    // "Broncos of Denver" vs ["Denver Broncos", "the Broncos"]: EM 0; F1 max(2·(2/3·1)/(5/3) = 0.8, 2·(1/3·1)/(4/3) = 0.5).
    const score = squadScore('Broncos of Denver', ['Denver Broncos', 'the Broncos']);
    expect(score.exactMatch).toBe(0);
    expect(score.f1).toBeCloseTo(0.8, 12);
  });

  test('empty answers: both empty match exactly but have F1 0, as in the v1.1 script', () => {
    expect(squadScore('', [''])).toEqual({ exactMatch: 1, f1: 0 });
    // "The" normalizes to nothing too.
    expect(squadScore('The', ['a'])).toEqual({ exactMatch: 1, f1: 0 });
    expect(squadScore('', ['Denver'])).toEqual({ exactMatch: 0, f1: 0 });
    expect(squadScore('Denver', [])).toEqual({ exactMatch: 0, f1: 0 });
  });

  test('long answers: a 200,000-word answer is normalized and scored', () => {
    const long = Array.from({ length: 200_000 }, (_, i) => (i % 7 === 0 ? 'the' : `word${i % 1000},`)).join(' ');
    const score = squadScore(long, [long.toUpperCase()]);
    expect(score).toEqual({ exactMatch: 1, f1: 1 });
  });
});
