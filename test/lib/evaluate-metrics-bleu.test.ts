import { bleuFromStatistics, corpusBleu, segmentStatistics, sentenceBleu, tokenize13a } from '../../lib/evaluate/metrics';

// sacreBLEU README ("Using SacreBLEU from Python") and test/test_bleu.py: two reference streams.
const REF_STREAMS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const SYS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
/** sacreBLEU takes reference streams (refs[k][i]); corpusBleu takes the references of each segment (the transpose). */
const perSegment = (streams: readonly (readonly string[])[]) => SYS.map((_, i) => streams.map((stream) => stream[i]));

describe('BLEU (sacreBLEU defaults: 13a, exp smoothing, n = 4), on 0..1', () => {
  test('README corpus example with two reference streams: BLEU = 48.530827 on sacreBLEU\'s 0..100', () => {
    // README: "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)";
    // test_bleu.py test_corpus_bleu pins 48.530827 with EPSILON = 1e-8 (default, tokenize='13a', smooth 'none' alike).
    const bleu = corpusBleu(SYS, perSegment(REF_STREAMS));
    expect(Math.abs(bleu.score - 0.48530827)).toBeLessThan(1e-8);
    expect(bleu.correct).toEqual([14, 7, 5, 3]);
    expect(bleu.total).toEqual([17, 14, 11, 8]);
    expect([bleu.sysLen, bleu.refLen]).toEqual([17, 18]);
    expect(bleu.bp).toBeCloseTo(0.943, 3);
    // By hand: exp(1 - 18/17) · (14/17 · 7/14 · 5/11 · 3/8)^(1/4).
    expect(bleu.score).toBeCloseTo(Math.exp(1 - 18 / 17) * ((14 / 17) * (7 / 14) * (5 / 11) * (3 / 8)) ** 0.25, 12);
    expect(bleu.precisions.map((p) => Math.round(p * 1000) / 10)).toEqual([82.4, 50, 45.5, 37.5]);
  });

  test('README variable number of references: an empty reference is dropped (BLEU = 29.44)', () => {
    // README: first reference of the first sentence replaced by '' ->
    // "BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)".
    const streams = [['', ...REF_STREAMS[0].slice(1)], REF_STREAMS[1]];
    const bleu = corpusBleu(SYS, perSegment(streams));
    expect(bleu.correct).toEqual([14, 6, 3, 1]);
    expect([bleu.sysLen, bleu.refLen]).toEqual([17, 19]);
    expect(bleu.score).toBeCloseTo(Math.exp(1 - 19 / 17) * ((14 / 17) * (6 / 14) * (3 / 11) * (1 / 8)) ** 0.25, 12);
    expect(bleu.score).toBeCloseTo(0.2944, 4);
  });

  test('empty hypotheses are kept and score 0 (test_bleu.py)', () => {
    expect(corpusBleu(['', '', ''], perSegment(REF_STREAMS)).score).toBe(0);
  });

  test('compute_bleu from statistics (test_bleu.py test_scoring: 0.8375922397)', () => {
    const bleu = bleuFromStatistics({ correct: [9, 7, 5, 3], total: [10, 8, 6, 4], sysLen: 11, refLen: 11 });
    expect(Math.abs(bleu.score - 0.8375922397)).toBeLessThan(1e-8);
  });

  test('sentence BLEU of the Romanian example of sacreBLEU issue #98 (test_sentence_bleu.py: 8.493)', () => {
    // exp smoothing, 13a, effective order. By hand: tokens 14 (hyp) / 10 (ref), BP = 1; matches 5/14, 2/13, 0/12, 0/11;
    // exp smoothing: p3 = 1/(2·12), p4 = 1/(4·11) -> (5/14 · 2/13 · 1/24 · 1/44)^(1/4) = 0.0849309874...
    // ("Producția" with comma-below ț and "producţia" with cedilla ţ are different tokens, as in sacreBLEU.)
    const bleu = sentenceBleu('Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;', ['producţia de zahăr brut se exprimă în zahăr alb;']);
    expect(bleu.correct).toEqual([5, 2, 0, 0]);
    expect(bleu.score).toBeCloseTo(((5 / 14) * (2 / 13) * (1 / 24) * (1 / 44)) ** 0.25, 12);
    expect(Math.abs(bleu.score - 0.08493)).toBeLessThan(1e-5);
  });

  test('no matching n-gram gives 0 (sacreBLEU issue #141, test_sentence_bleu.py)', () => {
    expect(sentenceBleu('this is a cat', ['okay thanks']).score).toBe(0);
  });

  test('13a tokenization as mteval-v13a / sacreBLEU Tokenizer13a', () => {
    // Punctuation split off except ' , - . ; period and comma kept inside numbers; dash split after a digit;
    // &amp; &lt; &gt; &quot; unescaped (in that order), <skipped> removed, "-\n" joins, newlines become spaces.
    expect(tokenize13a("It wasn't surprising.")).toBe("It wasn't surprising .");
    expect(tokenize13a('3.5 1,000 a-b 5-6 (x) "q"')).toBe('3.5 1,000 a-b 5 - 6 ( x ) " q "');
    expect(tokenize13a('&amp;lt; &quot;<skipped>hi&gt;')).toBe('< " hi >');
    expect(tokenize13a('line-\nbreak\nnext')).toBe('linebreak next');
    expect(tokenize13a('Ça coûte 5€, señor!')).toBe('Ça coûte 5€ , señor !');
    expect(tokenize13a('')).toBe('');
  });

  test('several references: clipped counts against the per-n-gram maximum, closest reference length (shorter on ties)', () => {
    // Hypothesis "the the the the" (4 tokens) against "the cat" (2) and "the the mat sat on" (5): unigram matches are
    // clipped at 2 (the maximum count of "the" in one reference); lengths 2 and 5 are 2 and 1 away -> ref_len 5.
    const stats = segmentStatistics('the the the the', ['the cat', 'the the mat sat on']);
    expect(stats.correct).toEqual([2, 1, 0, 0]);
    expect(stats.total).toEqual([4, 3, 2, 1]);
    expect(stats.refLen).toBe(5);
    // Lengths 3 and 5 around a 4-token hypothesis: a tie, the shorter (3) wins.
    expect(segmentStatistics('a b c d', ['a b c', 'a b c d e']).refLen).toBe(3);
  });

  test('unicode: accented and non-Latin words are tokens like any other', () => {
    // Identical 5-token hypothesis and reference: every precision 1, BP 1.
    expect(sentenceBleu('Der Bär schläft im Wald.', ['Der Bär schläft im Wald.']).score).toBeCloseTo(1, 12);
    expect(corpusBleu(['東京 は 晴れ です'], [['東京 は 晴れ です']]).score).toBeCloseTo(1, 12);
  });

  test('a segment whose references are all empty counts with reference length 0 (sacreBLEU refuses it)', () => {
    const stats = segmentStatistics('some words', ['', '']);
    expect(stats).toEqual({ correct: [0, 0, 0, 0], total: [2, 1, 0, 0], sysLen: 2, refLen: 0 });
  });

  test('long texts: BLEU of a 40,000-token hypothesis against itself is 1', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `w${i % 5000}, ${i}.`).join(' ');
    expect(corpusBleu([text], [[text]]).score).toBeCloseTo(1, 12);
  });

  test('rejects hypotheses and reference lists of different lengths', () => {
    expect(() => corpusBleu(['a', 'b'], [['a']])).toThrow(/2 hypotheses but 1 reference lists/);
  });
});
