import { classificationScores, normalizeLabel } from '../../lib/evaluate/metrics';

describe('classification accuracy and macro F1 (scikit-learn), on 0..1', () => {
  test('scikit-learn documentation examples', () => {
    // f1_score docstring: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1], average='macro' -> 0.267 (0.26...).
    // By hand: label 0 TP 2, FP 1, FN 0 -> F1 4/5; labels 1 and 2 have no TP -> 0; macro = (4/5) / 3 = 0.2666...
    const scores = classificationScores(['0', '1', '2', '0', '1', '2'], ['0', '2', '1', '0', '0', '1']);
    expect(scores.macroF1).toBeCloseTo(0.26666666666666666, 12);
    expect(scores.accuracy).toBeCloseTo(1 / 3, 12);
    // accuracy_score docstring: y_pred = [0, 2, 1, 3], y_true = [0, 1, 2, 3] -> 0.5.
    expect(classificationScores(['0', '1', '2', '3'], ['0', '2', '1', '3']).accuracy).toBe(0.5);
  });

  test('macro F1 averages over the union of true and predicted labels', () => {
    // f1_score(['cat', 'dog'], ['cat', 'bird'], average='macro'): labels bird, cat, dog; cat F1 1, dog 0, bird 0 -> 1/3.
    const scores = classificationScores(['cat', 'dog'], ['cat', 'bird']);
    expect(scores.labels).toEqual(['bird', 'cat', 'dog']);
    expect(scores.macroF1).toBeCloseTo(1 / 3, 12);
    expect(scores.accuracy).toBe(0.5);
  });

  test('labels are compared after trimming, NFC and lower-casing; nothing else is stripped', () => {
    expect(normalizeLabel('  Positive\n')).toBe('positive');
    expect(normalizeLabel('Ne\u0301gatif')).toBe(normalizeLabel('NÉGATIF'));
    const scores = classificationScores(['positive', 'négatif', 'neutral'], [' POSITIVE ', 'Ne\u0301gatif', 'neutral.']);
    // Two right; "neutral." is a label of its own: positive 1, négatif 1, neutral 0, "neutral." 0 -> macro 2/4.
    expect(scores.accuracy).toBeCloseTo(2 / 3, 12);
    expect(scores.macroF1).toBeCloseTo(0.5, 12);
  });

  test('empty predictions and labels are a label like any other', () => {
    const scores = classificationScores(['yes', ''], ['', '']);
    // "" TP 1, FP 1 -> 2/3; "yes" FN 1 -> 0: macro 1/3.
    expect(scores.accuracy).toBe(0.5);
    expect(scores.macroF1).toBeCloseTo(1 / 3, 12);
    expect(classificationScores([], [])).toEqual({ accuracy: 0, macroF1: 0, labels: [] });
  });

  test('rejects labels and predictions of different lengths', () => {
    expect(() => classificationScores(['a'], [])).toThrow(/1 labels but 0 predictions/);
  });
});
