import { TASKS } from '../../lib/config/tasks';
import { KitError } from '../../lib/errors';
import { corpusBleu, rougeScoreMulti, scoreTask, sentenceBleu, TASK_METRICS } from '../../lib/evaluate/metrics';
import type { Prediction } from '../../lib/evaluate/record';

function prediction(id: string, text: string, reference: Prediction['reference']): Prediction {
  return { id, prediction: text, reference, latencyMs: 10 };
}

describe('scoreTask', () => {
  test('summarization: mean rouge1 / rouge2 / rougeL F-measure, the best reference per type; ranked by rougeL', () => {
    const predictions = [
      prediction('1', 'The quick brown dog jumps on the log.', ['The quick brown fox jumps over the lazy dog', 'A dog jumps.']),
      prediction('2', 'testing one', 'testing one two'),
    ];
    const result = scoreTask('summarization', predictions);
    const first = rougeScoreMulti(['The quick brown fox jumps over the lazy dog', 'A dog jumps.'], 'The quick brown dog jumps on the log.');
    // Example 2 (rouge_scorer_test.py): rouge1 F 4/5, rouge2 F 2/3, rougeL F 4/5.
    expect(result.metrics.rouge1).toBeCloseTo((first.rouge1.fmeasure + 4 / 5) / 2, 12);
    expect(result.metrics.rouge2).toBeCloseTo((first.rouge2.fmeasure + 2 / 3) / 2, 12);
    expect(result.metrics.rougeL).toBeCloseTo((first.rougeL.fmeasure + 4 / 5) / 2, 12);
    expect(result.primary).toBe('rougeL');
    expect(result.perExample.map((e) => e.id)).toEqual(['1', '2']);
    expect(result.perExample[1].score).toBeCloseTo(4 / 5, 12);
  });

  test('chat: rougeL only', () => {
    const result = scoreTask('chat', [prediction('a', 'testing two', 'testing one two')]);
    expect(Object.keys(result.metrics)).toEqual(['rougeL']);
    expect(result.metrics.rougeL).toBeCloseTo(4 / 5, 12);
  });

  test('generation: corpus BLEU on 0..1 (sacreBLEU README example: 48.530827 / 100), sentence BLEU per example', () => {
    const refs = [
      ['The dog bit the man.', 'The dog had bit the man.'],
      ['It was not unexpected.', 'No one was surprised.'],
      ['The man bit him first.', 'The man had bitten the dog.'],
    ];
    const sys = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
    const result = scoreTask('generation', sys.map((text, i) => prediction(`${i + 1}`, text, refs[i])));
    expect(Math.abs(result.metrics.bleu - 0.48530827)).toBeLessThan(1e-8);
    expect(result.metrics.bleu).toBe(corpusBleu(sys, refs).score);
    expect(result.primary).toBe('bleu');
    expect(result.perExample[0].score).toBeCloseTo(1, 12);
    expect(result.perExample[2].score).toBe(sentenceBleu(sys[2], refs[2]).score);
  });

  test('question answering: SQuAD exact match and F1 averaged over questions, ranked by F1', () => {
    const result = scoreTask('question-answering', [
      prediction('q1', 'The Denver Broncos', ['Denver Broncos', 'Broncos']),
      prediction('q2', 'the Eiffel Tower in Paris', 'Eiffel Tower'),
    ]);
    // q1: EM 1, F1 1; q2: EM 0, F1 2/3.
    expect(result.metrics.exactMatch).toBeCloseTo(0.5, 12);
    expect(result.metrics.f1).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(result.primary).toBe('f1');
    expect(result.perExample.map((e) => e.score)).toEqual([1, expect.closeTo(2 / 3, 12)]);
  });

  test('classification: accuracy and macro F1, trimmed and case-folded; a list reference uses its first label', () => {
    const result = scoreTask('classification', [
      prediction('1', ' Positive ', 'positive'),
      prediction('2', 'negative', ['NEGATIVE', 'neg']),
      prediction('3', 'positive', 'negative'),
    ]);
    // positive: TP 1, FP 1 -> 2/3; negative: TP 1, FN 1 -> 2/3; macro 2/3; accuracy 2/3.
    expect(result.metrics.accuracy).toBeCloseTo(2 / 3, 12);
    expect(result.metrics.macroF1).toBeCloseTo(2 / 3, 12);
    expect(result.primary).toBe('accuracy');
    expect(result.perExample.map((e) => e.score)).toEqual([1, 1, 0]);
  });

  test('entity extraction: micro precision / recall / F1 of entities parsed from the model text', () => {
    const ada = { type: 'PERSON', text: 'Ada Lovelace' };
    const london = { type: 'LOCATION', text: 'London' };
    const result = scoreTask('entity-extraction', [
      prediction('1', 'Entities:\n```json\n[{"type": "person", "text": "Ada Lovelace"}, {"type": "ORG", "text": "London"}]\n```', [ada, london]),
      prediction('2', 'I could not find any.', [london]),
      prediction('3', '[]', []),
    ]);
    // Hits 1, predicted 2, expected 3: P 1/2, R 1/3, F1 2/5. Per example F1: 1/2, 0, and 1 (nothing to find, nothing found).
    expect(result.metrics.precision).toBeCloseTo(1 / 2, 12);
    expect(result.metrics.recall).toBeCloseTo(1 / 3, 12);
    expect(result.metrics.f1).toBeCloseTo(2 / 5, 12);
    expect(result.primary).toBe('f1');
    expect(result.perExample.map((e) => e.score)).toEqual([expect.closeTo(1 / 2, 12), 0, 1]);
  });

  test.each(TASKS)('%s: reports the metrics TASK_METRICS lists, the primary first, each within 0..1', (task) => {
    const reference = task === 'entity-extraction' ? [{ type: 'PERSON', text: 'Ada' }] : 'Ada wrote the first program.';
    const result = scoreTask(task, [prediction('1', '[{"type": "PERSON", "text": "Ada"}] Ada wrote a program.', reference), prediction('2', '', reference)]);
    expect(Object.keys(result.metrics).sort()).toEqual([...TASK_METRICS[task]].sort());
    expect(result.primary).toBe(TASK_METRICS[task][0]);
    for (const value of [...Object.values(result.metrics), ...result.perExample.map((e) => e.score)]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
  });

  test.each(TASKS)('%s: no predictions scores 0 on every metric', (task) => {
    const result = scoreTask(task, []);
    expect(result.metrics).toEqual(Object.fromEntries(TASK_METRICS[task].map((name) => [name, 0])));
    expect(result.perExample).toEqual([]);
  });

  test('rejects a reference of the wrong shape, naming the record', () => {
    const entities = [{ type: 'PERSON', text: 'Ada' }];
    expect(() => scoreTask('summarization', [prediction('rec-7', 'x', entities)])).toThrow(KitError);
    expect(() => scoreTask('summarization', [prediction('rec-7', 'x', entities)])).toThrow(/record rec-7: the summarization reference must be a text or a list of texts; received \[\{"type":"PERSON"/);
    expect(() => scoreTask('entity-extraction', [prediction('rec-8', '[]', 'Ada')])).toThrow(/record rec-8: the entity-extraction reference must be a list of \{"type", "text"\} entities; received "Ada"/);
    expect(() => scoreTask('classification', [prediction('rec-9', 'yes', [])])).toThrow(/record rec-9: the classification reference must be a label; received \[\]/);
  });
});
