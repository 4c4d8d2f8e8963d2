import type { Task } from '../../config/tasks';
import { describe, KitError } from '../../errors';
import type { Entity, Prediction } from '../record';
import { corpusBleu, sentenceBleu } from './bleu';
import { classificationScores, normalizeLabel } from './classification';
import { entityScores, matchEntities, parseEntities } from './entities';
import { rougeScoreMulti } from './rouge';
import { squadScore } from './squad';

export * from './bleu';
export * from './classification';
export * from './entities';
export * from './porter';
export * from './rouge';
export * from './squad';

/**
 * The task metrics of the evaluation stage: one dispatcher over the metric
 * families, each of which reproduces its reference implementation (see the
 * files beside this one). Pure: no AWS calls, no I/O.
 *
 * SCALE: every metric is on 0..1, including BLEU (sacreBLEU prints 0..100:
 * divide its number by 100 to compare) and SQuAD exact match / F1 (the SQuAD
 * script prints 0..100).
 *
 * | task | metrics | primary (ranks examples) | per-example score |
 * |---|---|---|---|
 * | summarization | rouge1, rouge2, rougeL: mean F-measure (rouge-score, no stemming; several references: the best per type, as `score_multi`) | rougeL | ROUGE-L F |
 * | chat | rougeL | rougeL | ROUGE-L F |
 * | generation | bleu: corpus BLEU (sacreBLEU defaults) | bleu | sentence BLEU (`sacrebleu.sentence_bleu`) |
 * | question-answering | exactMatch, f1: means of the best over the accepted answers (SQuAD v1.1 script) | f1 | token F1 |
 * | classification | accuracy, macroF1 (scikit-learn; labels trimmed, NFC, lower-cased) | accuracy | 1 if right, else 0 |
 * | entity-extraction | precision, recall, f1: micro over (type, text) pairs | f1 | the example's F1 |
 *
 * An empty list of predictions scores 0 on every metric.
 */

/** The metrics each task reports, the primary first. */
export const TASK_METRICS: Readonly<Record<Task, readonly string[]>> = {
  'summarization': ['rougeL', 'rouge1', 'rouge2'],
  'chat': ['rougeL'],
  'generation': ['bleu'],
  'question-answering': ['f1', 'exactMatch'],
  'classification': ['accuracy', 'macroF1'],
  'entity-extraction': ['f1', 'precision', 'recall'],
};

export interface TaskScore {
  /** Corpus-level metrics, each on 0..1, named as in `TASK_METRICS`. */
  readonly metrics: Record<string, number>;
  /** The metric whose per-example value ranks the examples (best and worst in the report). */
  readonly primary: string;
  /** The primary metric of each example (0..1), in the order of the predictions. */
  readonly perExample: { readonly id: string; readonly score: number }[];
}

const mean = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length);

function referenceProblem(task: Task, prediction: Prediction, allowed: string): KitError {
  return new KitError(`record ${prediction.id}: the ${task} reference must be ${allowed}; received ${describe(prediction.reference)}`);
}

/** The reference texts of a text task: a text, or a list of texts (an empty list: none). */
function referenceTexts(task: Task, prediction: Prediction): readonly string[] {
  const reference = prediction.reference;
  if (typeof reference === 'string') return [reference];
  if (reference.every((item): item is string => typeof item === 'string')) return reference;
  throw referenceProblem(task, prediction, 'a text or a list of texts');
}

/** The label of a classification record: the text, or the first of a list of texts. */
function referenceLabel(prediction: Prediction): string {
  const texts = referenceTexts('classification', prediction);
  if (texts.length === 0) throw referenceProblem('classification', prediction, 'a label');
  return texts[0];
}

function referenceEntities(prediction: Prediction): readonly Entity[] {
  const reference = prediction.reference;
  if (Array.isArray(reference) && reference.every((item): item is Entity => typeof item === 'object' && item !== null)) return reference;
  throw referenceProblem('entity-extraction', prediction, 'a list of {"type", "text"} entities');
}

function perExample(predictions: readonly Prediction[], scores: readonly number[]): TaskScore['perExample'] {
  return predictions.map((prediction, i) => ({ id: prediction.id, score: scores[i] }));
}

function scoreRouge(task: Task, predictions: readonly Prediction[], types: readonly ('rouge1' | 'rouge2' | 'rougeL')[]): TaskScore {
  const scores = predictions.map((p) => rougeScoreMulti(referenceTexts(task, p), p.prediction));
  const metrics = Object.fromEntries(types.map((type) => [type, mean(scores.map((s) => s[type].fmeasure))]));
  return { metrics, primary: 'rougeL', perExample: perExample(predictions, scores.map((s) => s.rougeL.fmeasure)) };
}

function scoreGeneration(predictions: readonly Prediction[]): TaskScore {
  const references = predictions.map((p) => referenceTexts('generation', p));
  const hypotheses = predictions.map((p) => p.prediction);
  return {
    metrics: { bleu: corpusBleu(hypotheses, references).score },
    primary: 'bleu',
    perExample: perExample(predictions, hypotheses.map((h, i) => sentenceBleu(h, references[i]).score)),
  };
}

function scoreQuestionAnswering(predictions: readonly Prediction[]): TaskScore {
  const scores = predictions.map((p) => squadScore(p.prediction, referenceTexts('question-answering', p)));
  return {
    metrics: { f1: mean(scores.map((s) => s.f1)), exactMatch: mean(scores.map((s) => s.exactMatch)) },
    primary: 'f1',
    perExample: perExample(predictions, scores.map((s) => s.f1)),
  };
}

function scoreClassification(predictions: readonly Prediction[]): TaskScore {
  const labels = predictions.map(referenceLabel);
  const { accuracy, macroF1 } = classificationScores(labels, predictions.map((p) => p.prediction));
  const right = predictions.map((p, i) => (normalizeLabel(p.prediction) === normalizeLabel(labels[i]) ? 1 : 0));
  return { metrics: { accuracy, macroF1 }, primary: 'accuracy', perExample: perExample(predictions, right) };
}

function scoreEntities(predictions: readonly Prediction[]): TaskScore {
  const counts = predictions.map((p) => matchEntities(parseEntities(p.prediction), referenceEntities(p)));
  const { precision, recall, f1 } = entityScores(counts);
  return { metrics: { f1, precision, recall }, primary: 'f1', perExample: perExample(predictions, counts.map((c) => entityScores([c]).f1)) };
}

/**
 * Scores a candidate's predictions for a task (see the table above).
 * Throws a KitError naming the record when a reference has the wrong shape
 * for the task (entities for a text task, texts for entity extraction).
 */
export function scoreTask(task: Task, predictions: readonly Prediction[]): TaskScore {
  if (predictions.length === 0) {
    return { metrics: Object.fromEntries(TASK_METRICS[task].map((name) => [name, 0])), primary: TASK_METRICS[task][0], perExample: [] };
  }
  switch (task) {
    case 'summarization':
      return scoreRouge(task, predictions, ['rougeL', 'rouge1', 'rouge2']);
    case 'chat':
      return scoreRouge(task, predictions, ['rougeL']);
    case 'generation':
      return scoreGeneration(predictions);
    case 'question-answering':
      return scoreQuestionAnswering(predictions);
    case 'classification':
      return scoreClassification(predictions);
    case 'entity-extraction':
      return scoreEntities(predictions);
  }
}
