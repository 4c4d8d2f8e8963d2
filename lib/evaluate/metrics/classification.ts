/**
 * Accuracy and macro F1 as scikit-learn computes them
 * (`accuracy_score(y_true, y_pred)` and `f1_score(y_true, y_pred, average='macro')`),
 * on the 0..1 scale. Pure.
 *
 * Macro F1 is the unweighted mean of the per-label F1 = 2·TP / (2·TP + FP + FN)
 * over the UNION of the labels seen in the references and in the predictions
 * (scikit-learn's `unique_labels`): a label the model invents counts as a
 * class with F1 0, and so does a true label it never predicts (scikit-learn's
 * `zero_division` default, without its warning).
 *
 * Labels are compared after `normalizeLabel`: surrounding whitespace trimmed,
 * Unicode NFC, then lower-cased with `String.prototype.toLowerCase` (simple
 * Unicode lower-casing, not full case folding: "ß" and "ss" stay different).
 * "Positive", " positive\n" and "POSITIVE" are one label; "positive." is
 * another: nothing else is stripped.
 */

/** The form in which a prediction and a label are compared. */
export function normalizeLabel(label: string): string {
  return label.trim().normalize('NFC').toLowerCase();
}

export interface ClassificationScores {
  /** Share of predictions equal to their label, 0..1. */
  readonly accuracy: number;
  /** Mean per-label F1 over the union of labels, 0..1. */
  readonly macroF1: number;
  /** The normalized labels averaged over, sorted. */
  readonly labels: readonly string[];
}

/**
 * Scores predictions against their labels, pair by pair (scikit-learn's
 * argument order: truth first). No pair gives zeros (scikit-learn raises).
 */
export function classificationScores(labels: readonly string[], predictions: readonly string[]): ClassificationScores {
  if (labels.length !== predictions.length) {
    throw new RangeError(`classificationScores: ${labels.length} labels but ${predictions.length} predictions`);
  }
  const perLabel = new Map<string, { tp: number; fp: number; fn: number }>();
  const counts = (label: string) => {
    let entry = perLabel.get(label);
    if (entry === undefined) perLabel.set(label, (entry = { tp: 0, fp: 0, fn: 0 }));
    return entry;
  };
  let correct = 0;
  labels.forEach((raw, i) => {
    const truth = normalizeLabel(raw);
    const predicted = normalizeLabel(predictions[i]);
    if (truth === predicted) {
      correct++;
      counts(truth).tp++;
    } else {
      counts(truth).fn++;
      counts(predicted).fp++;
    }
  });
  let f1Sum = 0;
  for (const { tp, fp, fn } of perLabel.values()) f1Sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  return {
    accuracy: labels.length === 0 ? 0 : correct / labels.length,
    macroF1: perLabel.size === 0 ? 0 : f1Sum / perLabel.size,
    labels: [...perLabel.keys()].sort(),
  };
}
