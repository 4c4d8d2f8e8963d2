import { lcsLength, porterStem, rougeL, rougeScore, rougeScoreMulti, rougeTokenize, type RougeScore } from '../../lib/evaluate/metrics';

/** Reference values are compared to 1e-6 (the tolerance) unless a test says otherwise. */
function expectScore(actual: RougeScore, precision: number, recall: number, fmeasure: number, digits = 6): void {
  expect(actual.precision).toBeCloseTo(precision, digits);
  expect(actual.recall).toBeCloseTo(recall, digits);
  expect(actual.fmeasure).toBeCloseTo(fmeasure, digits);
}

/** rouge-score's `_lcs_table(ref, can)[-1][-1]`, the oracle: its recurrence, keeping the previous table row. */
function lcsTable(ref: readonly number[], can: readonly number[]): number {
  let previous = new Int32Array(can.length + 1);
  let current = new Int32Array(can.length + 1);
  for (let i = 1; i <= ref.length; i++) {
    for (let j = 1; j <= can.length; j++) {
      const up = previous[j];
      const left = current[j - 1];
      // max(up, left) without Math.max, which is slow inside jest's sandbox.
      current[j] = ref[i - 1] === can[j - 1] ? previous[j - 1] + 1 : up > left ? up : left;
    }
    const swap = previous;
    previous = current;
    current = swap;
  }
  return previous[can.length];
}

describe('ROUGE (Google rouge-score)', () => {
  test('README example: "The quick brown fox jumps over the lazy dog" vs "The quick brown dog jumps on the log."', () => {
    // google-research/rouge README and rouge_scorer.py docstring:
    //   RougeScorer(['rouge1', 'rougeL'], use_stemmer=True).score('The quick brown fox jumps over the lazy dog',
    //                                                            'The quick brown dog jumps on the log.')
    // Its published output (reproduced in many places):
    //   rouge1 Score(precision=0.75, recall=0.6666666666666666, fmeasure=0.7058823529411765)
    //   rouge2 Score(precision=0.2857142857142857, recall=0.25, fmeasure=0.26666666666666666)
    //   rougeL Score(precision=0.625, recall=0.5555555555555556, fmeasure=0.5882352941176471)
    // By hand: target 9 tokens, prediction 8; shared unigrams the×2, quick, brown, dog, jump(s) = 6 -> 6/8, 6/9, 12/17;
    // shared bigrams "the quick", "quick brown" = 2 of 7 / 8 -> 4/15; LCS "the quick brown jumps the" = 5 -> 5/8, 5/9, 10/17.
    const target = 'The quick brown fox jumps over the lazy dog';
    const prediction = 'The quick brown dog jumps on the log.';
    for (const useStemmer of [true, false]) {
      const scores = rougeScore(target, prediction, { useStemmer });
      expectScore(scores.rouge1, 0.75, 0.6666666666666666, 0.7058823529411765);
      expectScore(scores.rouge2, 0.2857142857142857, 0.25, 0.26666666666666666);
      expectScore(scores.rougeL, 0.625, 0.5555555555555556, 0.5882352941176471);
    }
  });

  test('rouge_scorer_test.py unit cases', () => {
    // testRouge1, testRouge2, testRougeLConsecutive, testRougeLNonConsecutive, testRougeEmpty.
    expectScore(rougeScore('testing one two', 'testing').rouge1, 1, 1 / 3, 1 / 2);
    expectScore(rougeScore('testing one two', 'testing one').rouge2, 1, 1 / 2, 2 / 3);
    expectScore(rougeL('testing one two', 'testing one'), 1, 2 / 3, 4 / 5);
    expectScore(rougeL('testing one two', 'testing two'), 1, 2 / 3, 4 / 5);
    const empty = rougeScore('testing one two', '');
    for (const score of [empty.rouge1, empty.rouge2, empty.rougeL]) expectScore(score, 0, 0, 0);
  });

  // rouge/testdata/target.txt and prediction.txt, lines 1 and 2 (random strings with -ing/-tion/-er suffixes).
  const TARGETS = [
    "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n",
    "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n",
  ];
  const PREDICTIONS = [
    "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n",
    "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n",
  ];

  test('rouge_scorer_test.py against ROUGE-1.5.5, without stemming', () => {
    // Published to 5 places (testRouge1/2/LAgainstRouge155); the exact fractions from the token counts
    // (line 1: 27 target, 16 prediction tokens; line 2: 42 and 26) are pinned to 1e-6 and agree with them.
    const first = rougeScore(TARGETS[0], PREDICTIONS[0]);
    expectScore(first.rouge1, 11 / 16, 11 / 27, 22 / 43); // 0.68750, 0.40741, 0.51163
    expectScore(first.rouge1, 0.6875, 0.40741, 0.51163, 5);
    expectScore(first.rouge2, 8 / 15, 8 / 26, 16 / 41); // 0.53333, 0.30769, 0.39024
    expectScore(first.rouge2, 0.53333, 0.30769, 0.39024, 5);
    expectScore(first.rougeL, 11 / 16, 11 / 27, 22 / 43);
    const second = rougeScore(TARGETS[1], PREDICTIONS[1]);
    expectScore(second.rouge1, 17 / 26, 17 / 42, 17 / 34); // 0.65385, 0.40476, 0.50000
    expectScore(second.rouge1, 0.65385, 0.40476, 0.5, 5);
    expectScore(second.rouge2, 12 / 25, 12 / 41, 24 / 66); // 0.48000, 0.29268, 0.36364
    expectScore(second.rouge2, 0.48, 0.29268, 0.36364, 5);
    expectScore(second.rougeL, 17 / 26, 17 / 42, 17 / 34);
  });

  test('rouge_scorer_test.py against ROUGE-1.5.5 with the Porter stemmer', () => {
    // testRouge1AgainstRouge155WithStemming: line 2 gains one match (18 of 26 / 42): 0.69231, 0.42857, 0.52941.
    const first = rougeScore(TARGETS[0], PREDICTIONS[0], { useStemmer: true });
    expectScore(first.rouge1, 11 / 16, 11 / 27, 22 / 43);
    expectScore(first.rouge2, 8 / 15, 8 / 26, 16 / 41);
    const second = rougeScore(TARGETS[1], PREDICTIONS[1], { useStemmer: true });
    expectScore(second.rouge1, 18 / 26, 18 / 42, 18 / 34);
    expectScore(second.rouge1, 0.69231, 0.42857, 0.52941, 5);
    expectScore(second.rouge2, 12 / 25, 12 / 41, 24 / 66);
  });

  test('the tokenizer lower-cases, keeps [a-z0-9] runs and drops every non-ASCII letter, as rouge-score does', () => {
    // tokenize.py: text.lower(); re.sub(r"[^a-z0-9]+", " ", text); split. Python's lower() maps U+0130 (İ) to
    // "i" + U+0307 and U+212A (Kelvin sign) to "k": the only non-ASCII characters that yield ASCII letters.
    expect(rougeTokenize("Café naïve, 3.5 déjà-vu! İstanbul \u212Aelvin Σοφία 東京 don't")).toEqual([
      'caf', 'na', 've', '3', '5', 'd', 'j', 'vu', 'i', 'stanbul', 'kelvin', 'don', 't',
    ]);
    expect(rougeTokenize('')).toEqual([]);
    expect(rougeTokenize('¿¡ — …')).toEqual([]);
  });

  test('a text with no ASCII letter or digit scores 0 against anything, even itself', () => {
    expectScore(rougeL('Σοφία γράφει', 'Σοφία γράφει'), 0, 0, 0);
    expectScore(rougeScore('東京は晴れ', '東京は晴れ').rouge1, 0, 0, 0);
  });

  test('accented texts score on their ASCII letters only', () => {
    // "résumé écrit" -> r sum crit; "resume ecrit" -> resume ecrit: nothing shared.
    expectScore(rougeScore('résumé écrit', 'resume ecrit').rouge1, 0, 0, 0);
    // "Crème brûlée" -> cr me br l e (5 tokens) against "creme brulee" -> creme brulee (2): nothing shared.
    expectScore(rougeL('Crème brûlée', 'creme brulee'), 0, 0, 0);
    expectScore(rougeL('Crème brûlée', 'Crème brûlée'), 1, 1, 1);
  });

  test('empty target or prediction scores 0 (rouge-score returns Score(0, 0, 0))', () => {
    for (const [target, prediction] of [['', ''], ['', 'words here'], ['words here', ''], ['...', '!!!']]) {
      const scores = rougeScore(target, prediction);
      for (const score of [scores.rouge1, scores.rouge2, scores.rougeL]) expectScore(score, 0, 0, 0);
    }
  });

  test('several targets: each type takes the target of best F-measure, as score_multi', () => {
    // Against "a b c d": rouge1 F = 1 (all of a b c d shared, in another order), rougeL F = 2/4 ("a b" or "c d").
    // Against "c d a b x": rouge1 P = 1, R = 4/5 -> F = 8/9; rougeL = LCS 4 ("c d a b") -> P 1, R 4/5, F 8/9.
    const scores = rougeScoreMulti(['a b c d', 'c d a b x'], 'c d a b');
    expectScore(scores.rouge1, 1, 1, 1);
    expectScore(scores.rougeL, 1, 4 / 5, 8 / 9);
    expectScore(rougeScoreMulti([], 'anything').rougeL, 0, 0, 0);
  });

  test('LCS matches rouge-score testLcsTable and the full-table DP on random sequences, both algorithms', () => {
    expect(lcsLength([1, 2, 3, 4, 5], [2, 5, 3, 4])).toBe(3);
    expect(lcsLength([1, 2, 3, 4, 5], [8, 9])).toBe(0);
    expect(lcsLength([], [1])).toBe(0);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const sequence = (length: number, alphabet: number) => Array.from({ length }, () => Math.floor(random() * alphabet));
    for (let trial = 0; trial < 300; trial++) {
      const a = sequence(Math.floor(random() * 140), 1 + Math.floor(random() * 8));
      const b = sequence(Math.floor(random() * 140), 1 + Math.floor(random() * 8));
      expect(lcsLength(a, b)).toBe(lcsTable(a, b));
    }
    // Short side over 4096 items: the one-row DP instead of the bit-parallel LCS.
    const long = sequence(4100, 4);
    const longer = sequence(4200, 4);
    expect(lcsLength(long, longer)).toBe(lcsTable(long, longer));
  });

  test('long texts: ROUGE-L of 10,000-token texts is exact and fast', () => {
    // Target w0 ... w9999; the prediction drops every third word: LCS = 6,666 = all prediction tokens.
    const words = Array.from({ length: 10_000 }, (_, i) => `w${i}`);
    const kept = words.filter((_, i) => i % 3 !== 0);
    const started = Date.now();
    expectScore(rougeL(words.join(' '), kept.join(' ')), 1, 6_666 / 10_000, (2 * (6_666 / 10_000)) / (1 + 6_666 / 10_000));
    // Reversed order: the LCS is one token.
    expectScore(rougeL(words.join(' '), [...words].reverse().join(' ')), 1 / 10_000, 1 / 10_000, 1 / 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('Porter stemmer (NLTK PorterStemmer, NLTK_EXTENSIONS mode)', () => {
  test('the NLTK stem HOWTO example', () => {
    // nltk/test/stem.doctest: print(' '.join(stemmer.stem(p) for p in plurals)) ->
    // "caress fli die mule deni die agre own humbl size meet state siez item sensat tradit refer colon plot"
    const plurals = ['caresses', 'flies', 'dies', 'mules', 'denied', 'died', 'agreed', 'owned', 'humbled', 'sized', 'meeting', 'stating',
      'siezing', 'itemization', 'sensational', 'traditional', 'reference', 'colonizer', 'plotted'];
    expect(plurals.map(porterStem).join(' ')).toBe(
      'caress fli die mule deni die agre own humbl size meet state siez item sensat tradit refer colon plot',
    );
  });

  test('NLTK unit test and extension cases', () => {
    // test_stem.py test_oed_bug: stem('oed') == 'o'. Irregular forms: skies -> sky, dying -> die, news -> news.
    expect(porterStem('oed')).toBe('o');
    expect(['skies', 'dying', 'lying', 'news', 'innings', 'proceed', 'howe'].map(porterStem)).toEqual(['sky', 'die', 'lie', 'news', 'inning', 'proceed', 'howe']);
    // Porter's paper examples under NLTK's rules (step 1b/1c/2/3/4/5): happy -> happi, relational -> relat, ...
    expect(['happy', 'relational', 'conditional', 'hopefulness', 'generalizations', 'controll', 'roll', 'geology', 'by'].map(porterStem))
      .toEqual(['happi', 'relat', 'condit', 'hope', 'gener', 'control', 'roll', 'geolog', 'by']);
  });

  test('a very long run of y is stemmed without recursion', () => {
    expect(porterStem('y'.repeat(100_000))).toHaveLength(100_000);
  });
});
