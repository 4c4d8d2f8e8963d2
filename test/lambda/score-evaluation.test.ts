import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { bedrockDataset, bedrockRecord, modelIdentifierOf, NO_ANSWER, referenceText, sampleForBedrock } from '../../lambda/score-evaluation/bedrock-dataset';
import { ScoreInputError, scoreEvaluation } from '../../lambda/score-evaluation/score';
import { recordId } from '../../lambda/invoke-candidate/records';
import { compareScores } from '../../lambda/score-evaluation/verdict';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });
const store = new Map<string, string>();

beforeEach(() => {
  store.clear();
  s3.reset();
  s3.on(ListObjectsV2Command).callsFake(async ({ Bucket, Prefix }) => ({ Contents: [...store.keys()].filter((key) => key.startsWith(`${Bucket}/${Prefix}`)).map((key) => ({ Key: key.slice(Bucket.length + 1) })) }));
  s3.on(GetObjectCommand).callsFake(async ({ Bucket, Key }) => {
    const body = store.get(`${Bucket}/${Key}`) ?? '';
    return { Body: Object.assign(Readable.from([body]), { transformToString: async () => body }) as never };
  });
  s3.on(PutObjectCommand).callsFake(async ({ Bucket, Key, Body }) => {
    store.set(`${Bucket}/${Key}`, String(Body));
    return {};
  });
});

const prediction = (id: string, text: string, reference: string[]) => JSON.stringify({ id, prediction: text, reference, latencyMs: 10 });
const input = {
  runId: 'run-1',
  task: 'question-answering' as const,
  candidate: { kind: 'endpoint', endpointName: 'e' },
  bucket: 'artifacts',
  predictionsPrefix: 'evaluations/run-1/candidate/',
  reportPrefix: 'evaluations/run-1/',
  dataset: { bucket: 'datasets', key: 'evaluation/qa.jsonl' },
  thresholds: { f1: 0.5 },
  tolerance: 0.01,
};

function dataset(): void {
  store.set('datasets/evaluation/qa.jsonl', '{"prompt":"a","reference":["x"]}\n{"prompt":"b","reference":["y"]}\n\n');
  store.set('artifacts/evaluations/run-1/candidate/predictions/b1.jsonl', `${prediction('q1', 'Paris', ['Paris'])}\n${prediction('q2', 'the Madrid', ['Madrid'])}\n`);
}

test('scores every prediction, reads the baseline from an earlier report and writes the JSON and Markdown reports', async () => {
  dataset();
  store.set('artifacts/evaluations/run-0/report.json', JSON.stringify({ task: 'question-answering', dataset: input.dataset, metrics: { f1: 1, exactMatch: 1 } }));
  const output = await scoreEvaluation(client, { ...input, baseline: { reportKey: 'evaluations/run-0/report.json' } });
  expect(output).toEqual(expect.objectContaining({ approved: true, records: 2, predictions: 2, metrics: { f1: 1, exactMatch: 1 }, deltas: { f1: 0, exactMatch: 0 }, reportKey: 'evaluations/run-1/report.json' }));
  expect(output.summary).toBe('approved: f1 1.0000, exactMatch 1.0000');
  expect(JSON.parse(store.get('artifacts/evaluations/run-1/report.json') as string).worst).toHaveLength(2);
  expect(store.get('artifacts/evaluations/run-1/report.md')).toMatch(/\| f1 \| 1\.0000 \| 0\.5000 \| 1\.0000 \| \+0\.0000 \|/);
});

test('refuses a baseline report of another task or set', async () => {
  dataset();
  store.set('artifacts/evaluations/run-0/report.json', JSON.stringify({ task: 'question-answering', dataset: { bucket: 'datasets', key: 'evaluation/other.jsonl' }, metrics: { f1: 1 } }));
  await expect(scoreEvaluation(client, { ...input, baseline: { reportKey: 'evaluations/run-0/report.json' } })).rejects.toThrow(/scored task question-answering on evaluation\/other\.jsonl; this run scores question-answering on evaluation\/qa\.jsonl/);
});

test('rejects a run missing more of the set than the tolerance allows', async () => {
  dataset();
  store.set('datasets/evaluation/qa.jsonl', '{"prompt":"a","reference":["x"]}\n{"prompt":"b","reference":["y"]}\n{"prompt":"c","reference":["z"]}\n');
  const output = await scoreEvaluation(client, { ...input, toleratedFailurePercentage: 10 });
  expect(output.reasons).toEqual(['1 of 3 records have no prediction, more than the 10 % tolerated']);
  expect((await scoreEvaluation(client, { ...input, toleratedFailurePercentage: 50 })).approved).toBe(true);
});

test('rejects a run with no prediction at all', async () => {
  store.set('datasets/evaluation/qa.jsonl', '{"prompt":"a","reference":["x"]}\n');
  const output = await scoreEvaluation(client, input);
  expect(output.approved).toBe(false);
  expect(output.reasons).toContain('no prediction to score (the dataset has 1 records)');
});

test('rejects its own bad input as a wiring error', async () => {
  await expect(scoreEvaluation(client, { ...input, task: 'poetry' as never, tolerance: 2 })).rejects.toThrow(ScoreInputError);
  await expect(scoreEvaluation(client, { ...input, tolerance: 2 })).rejects.toThrow(/tolerance: a number from 0 to 1/);
});

describe('verdict', () => {
  test('names every threshold missed, every regression beyond the tolerance, and a threshold the task does not compute', () => {
    const verdict = compareScores({ metrics: { f1: 0.55, exactMatch: 0.4 }, thresholds: { f1: 0.6, rougeL: 0.3 }, baseline: { f1: 0.6, exactMatch: 0.405 }, tolerance: 0.01, records: 10, predictions: 10 });
    expect(verdict.approved).toBe(false);
    expect(verdict.reasons).toEqual([
      'f1 0.5500 is below its threshold 0.6000',
      'threshold on rougeL, which this task does not compute (it computes f1, exactMatch)',
      "f1 0.5500 regresses from the baseline's 0.6000 by more than the tolerance 0.0100",
    ]);
    expect(verdict.deltas.exactMatch).toBeCloseTo(-0.005, 12);
  });
});

describe('LLM judge', () => {
  const judged = (id: string, text: string, reference: string[], judge: object) => JSON.stringify({ id, prediction: text, reference, latencyMs: 10, judge });
  const threeRecords = '{"prompt":"a","reference":["x"]}\n{"prompt":"b","reference":["y"]}\n{"prompt":"c","reference":["z"]}\n';
  const predictions = (...lines: string[]) => store.set('artifacts/evaluations/run-1/candidate/predictions/b1.jsonl', `${lines.join('\n')}\n`);
  const report = () => JSON.parse(store.get('artifacts/evaluations/run-1/report.json') as string);
  const markdown = () => store.get('artifacts/evaluations/run-1/report.md') as string;

  beforeEach(() => {
    dataset();
    predictions(judged('q1', 'Paris', ['Paris'], { score: 5, reason: 'Correct.' }), judged('q2', 'the Madrid', ['Madrid'], { score: 3, reason: 'Right city, odd article.' }));
  });

  test('computes the judge metric as the mean of (score - 1) / 4 and reports the judged counts', async () => {
    const output = await scoreEvaluation(client, input);

    // (5 - 1) / 4 = 1 and (3 - 1) / 4 = 0.5.
    expect(output.metrics).toEqual({ f1: 1, exactMatch: 1, judge: 0.75 });
    expect(output).toEqual(expect.objectContaining({ approved: true, judgeScored: 2, judgeFailed: 0 }));
    expect(output.summary).toBe('approved: f1 1.0000, exactMatch 1.0000, judge 0.7500');
    expect(report()).toEqual(expect.objectContaining({ judgeScored: 2, judgeFailed: 0, metrics: { f1: 1, exactMatch: 1, judge: 0.75 } }));
  });

  test('shows the judge metric and the reasons of the worst-judged records in the Markdown report', async () => {
    await scoreEvaluation(client, { ...input, thresholds: { f1: 0.5, judge: 0.6 } });

    expect(report().worstJudged).toEqual([
      { id: 'q2', judgeScore: 3, reason: 'Right city, odd article.', prediction: 'the Madrid', reference: ['Madrid'] },
      { id: 'q1', judgeScore: 5, reason: 'Correct.', prediction: 'Paris', reference: ['Paris'] },
    ]);
    expect(markdown()).toMatch(/\| judge \| 0\.7500 \| 0\.6000 \| {2}\| {2}\|/);
    expect(markdown()).toContain('2 of 2 predictions scored by the judge; 0 without a valid score');
    expect(markdown()).toMatch(/### Worst judged examples[\s\S]*\| q2 \| 3 \/ 5 \| Right city, odd article\. \| the Madrid \|/);
    expect(markdown()).toMatch(/## Worst examples\n\n\| id \| score \| prediction \| reference \| judge \|[\s\S]*\| 3 \/ 5: Right city, odd article\. \|/);
  });

  test('approves when the judge metric reaches its threshold', async () => {
    const output = await scoreEvaluation(client, { ...input, thresholds: { judge: 0.75 } });
    expect(output.approved).toBe(true);
    expect(output.reasons).toEqual([]);
  });

  test('rejects when the judge metric is below its threshold', async () => {
    const output = await scoreEvaluation(client, { ...input, thresholds: { f1: 0.5, judge: 0.8 } });
    expect(output.approved).toBe(false);
    expect(output.reasons).toEqual(['judge 0.7500 is below its threshold 0.8000']);
  });

  test('leaves records whose judge failed out of the mean, and rejects when more of the set than tolerated has no judge score', async () => {
    store.set('datasets/evaluation/qa.jsonl', threeRecords);
    predictions(
      judged('q1', 'Paris', ['Paris'], { score: 5, reason: 'Correct.' }),
      judged('q2', 'Madrid', ['Madrid'], { score: 3, reason: 'Terse.' }),
      judged('q3', 'Rome', ['Rome'], { error: 'the judge\'s reply holds no JSON object with a score: "4/5"' }),
    );

    const output = await scoreEvaluation(client, { ...input, toleratedFailurePercentage: 20 });

    expect(output.metrics.judge).toBe(0.75);
    expect(output).toEqual(expect.objectContaining({ approved: false, judgeScored: 2, judgeFailed: 1 }));
    expect(output.reasons).toEqual(['1 of 3 records have no judge score (1 prediction without a valid judge score), more than the 20 % tolerated']);
    expect(report().judgeErrors).toEqual([{ id: 'q3', error: 'the judge\'s reply holds no JSON object with a score: "4/5"' }]);
    expect(markdown()).toMatch(/### Without a judge score\n\n- q3: the judge's reply holds no JSON object/);
    expect((await scoreEvaluation(client, { ...input, toleratedFailurePercentage: 40 })).approved).toBe(true);
  });

  test('rejects when judge scores and predictions missing together exceed the tolerance, naming both counts', async () => {
    store.set('datasets/evaluation/qa.jsonl', `${threeRecords}{"prompt":"d","reference":["w"]}\n`);
    predictions(judged('q1', 'Paris', ['Paris'], { score: 5, reason: 'Correct.' }), judged('q2', 'Madrid', ['Madrid'], { error: 'no score' }), judged('q3', 'Rome', ['Rome'], { score: 4, reason: 'Fine.' }));

    const output = await scoreEvaluation(client, { ...input, toleratedFailurePercentage: 30 });

    // 1 of 4 without prediction is within 30 %; 2 of 4 without judge score is not.
    expect(output.reasons).toEqual(['2 of 4 records have no judge score (1 prediction without a valid judge score, 1 record without prediction), more than the 30 % tolerated']);
  });

  test('rejects with a reason, not a crash, when a judge threshold is set but no judge ran', async () => {
    predictions(prediction('q1', 'Paris', ['Paris']), prediction('q2', 'the Madrid', ['Madrid']));

    const output = await scoreEvaluation(client, { ...input, thresholds: { judge: 0.5 } });

    expect(output.approved).toBe(false);
    expect(output.metrics).toEqual({ f1: 1, exactMatch: 1 });
    expect(output).not.toHaveProperty('judgeScored');
    expect(output.reasons).toEqual(['threshold on judge, but no LLM judge ran on this run (no prediction carries a judge score): configure a judge or remove the threshold']);
    expect(markdown()).not.toContain('## LLM judge');
  });

  test('rejects with a reason when a judge threshold is set but the judge scored no record', async () => {
    predictions(judged('q1', 'Paris', ['Paris'], { error: 'no score' }), judged('q2', 'the Madrid', ['Madrid'], { error: 'no score' }));

    const output = await scoreEvaluation(client, { ...input, thresholds: { judge: 0.5 }, toleratedFailurePercentage: 100 });

    expect(output.metrics).not.toHaveProperty('judge');
    expect(output).toEqual(expect.objectContaining({ approved: false, judgeScored: 0, judgeFailed: 2 }));
    expect(output.reasons).toEqual(['threshold on judge, but no record has a judge score (the judge gave no valid score for any of the 2 predictions)']);
  });

  test('compares the judge metric with a baseline that has it, and not with one that has not', async () => {
    store.set('artifacts/evaluations/run-0/report.json', JSON.stringify({ task: 'question-answering', dataset: input.dataset, metrics: { f1: 1, exactMatch: 1, judge: 0.9 } }));
    const regressed = await scoreEvaluation(client, { ...input, baseline: { reportKey: 'evaluations/run-0/report.json' } });
    expect(regressed.deltas.judge).toBeCloseTo(-0.15, 12);
    expect(regressed.reasons).toEqual(["judge 0.7500 regresses from the baseline's 0.9000 by more than the tolerance 0.0100"]);

    const withoutJudge = await scoreEvaluation(client, { ...input, baseline: { metrics: { f1: 1, exactMatch: 1 } } });
    expect(withoutJudge.approved).toBe(true);
    expect(withoutJudge.deltas).toEqual({ f1: 0, exactMatch: 0 });
  });

  test('scores the judge of a baseline run from its predictions', async () => {
    store.set('artifacts/evaluations/run-1/baseline/predictions/b1.jsonl', `${judged('q1', 'Paris', ['Paris'], { score: 5, reason: 'Correct.' })}\n${judged('q2', 'Madrid', ['Madrid'], { score: 5, reason: 'Correct.' })}\n`);
    const output = await scoreEvaluation(client, { ...input, baseline: { predictionsPrefix: 'evaluations/run-1/baseline/' } });
    expect(output.baselineMetrics).toEqual({ f1: 1, exactMatch: 1, judge: 1 });
    expect(output.deltas.judge).toBe(-0.25);
  });
});

describe('Bedrock evaluation dataset', () => {
  const lines = (key: string) => (store.get(`artifacts/${key}`) ?? '').trim().split('\n').map((line) => JSON.parse(line));
  const bedrockInput = { ...input, bedrockDataset: { key: 'evaluations/run-1/bedrock/dataset.jsonl', maxRecords: 1000 } };

  test('writes one record per prediction: its prompt, first reference and answer, labelled with the candidate', async () => {
    store.set('datasets/evaluation/qa.jsonl', '{"id":"q1","prompt":"Capital of France?","reference":["Paris","paris"]}\n{"id":"q2","prompt":"Capital of Spain?","reference":["Madrid"]}\n');
    store.set('artifacts/evaluations/run-1/candidate/predictions/b1.jsonl', `${prediction('q2', 'Madrid', ['Madrid'])}\n${prediction('q1', 'Paris', ['Paris', 'paris'])}\n`);

    const output = await scoreEvaluation(client, bedrockInput);

    expect(output.bedrockDataset).toEqual({ key: 'evaluations/run-1/bedrock/dataset.jsonl', modelIdentifier: 'endpoint-e', records: 2, predictions: 2, sampled: false });
    expect(lines('evaluations/run-1/bedrock/dataset.jsonl')).toEqual([
      { prompt: 'Capital of France?', referenceResponse: 'Paris', modelResponses: [{ response: 'Paris', modelIdentifier: 'endpoint-e' }] },
      { prompt: 'Capital of Spain?', referenceResponse: 'Madrid', modelResponses: [{ response: 'Madrid', modelIdentifier: 'endpoint-e' }] },
    ]);
    expect(JSON.parse(store.get('artifacts/evaluations/run-1/report.json') as string).bedrockDataset).toEqual(output.bedrockDataset);
  });

  test('finds the records of predictions identified by a content hash, as the worker identifies them', async () => {
    const record = { prompt: 'a', reference: ['x'] };
    store.set('datasets/evaluation/qa.jsonl', `${JSON.stringify(record)}\n`);
    store.set('artifacts/evaluations/run-1/candidate/predictions/b1.jsonl', `${prediction(recordId(record), 'x', ['x'])}\n`);

    expect((await scoreEvaluation(client, bedrockInput)).bedrockDataset?.records).toBe(1);
    expect(lines('evaluations/run-1/bedrock/dataset.jsonl')[0].prompt).toBe('a');
  });

  test('writes no dataset, and says so, when the run has no prediction', async () => {
    store.set('datasets/evaluation/qa.jsonl', '{"prompt":"a","reference":["x"]}\n');
    const output = await scoreEvaluation(client, bedrockInput);
    expect(output.bedrockDataset).toEqual({ modelIdentifier: 'endpoint-e', records: 0, predictions: 0, sampled: false });
    expect(store.has('artifacts/evaluations/run-1/bedrock/dataset.jsonl')).toBe(false);
  });

  test('writes nothing for Bedrock unless asked, and rejects a malformed request', async () => {
    dataset();
    expect(await scoreEvaluation(client, input)).not.toHaveProperty('bedrockDataset');
    expect([...store.keys()].some((key) => key.includes('/bedrock/'))).toBe(false);
    await expect(scoreEvaluation(client, { ...input, bedrockDataset: { key: '', maxRecords: 0 } })).rejects.toThrow(/bedrockDataset: \{key: a non-empty string, maxRecords: a whole number above 0\}/);
  });

  test('labels the candidate by its kind and name, within the identifier pattern Bedrock accepts', () => {
    expect(modelIdentifierOf({ kind: 'bedrock', modelId: 'amazon.nova-micro-v1:0' })).toBe('bedrock-amazon.nova-micro-v1-0');
    expect(modelIdentifierOf({ kind: 'endpoint', endpointName: 'prod-llm', inferenceComponentName: 'llm-ic' })).toBe('endpoint-prod-llm-llm-ic');
    expect(modelIdentifierOf({ kind: 'prompt', promptArn: 'arn:aws:bedrock:us-east-1:111122223333:prompt/PROMPT12AB:3', modelId: 'm' })).toBe('prompt-PROMPT12AB-3');
    expect(modelIdentifierOf({ kind: 'model-package', modelPackageArn: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/ft-group/7' })).toBe('model-package-ft-group-7');
    expect(modelIdentifierOf(undefined)).toBe('candidate');
    const long = modelIdentifierOf({ kind: 'endpoint', endpointName: 'x'.repeat(400) });
    expect(long).toHaveLength(256);
    expect(long).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,255}$/);
  });

  test('renders the reference as one text: the text, the first accepted answer, or the entities one per line', () => {
    expect(referenceText('A summary.')).toBe('A summary.');
    expect(referenceText(['Paris', 'City of Paris'])).toBe('Paris');
    expect(referenceText([{ type: 'PERSON', text: 'Ada Lovelace' }, { type: 'ORG', text: 'Analytical Society' }])).toBe('PERSON: Ada Lovelace\nORG: Analytical Society');
    expect(referenceText([])).toBe('(no entities)');
  });

  test('gives a prompt template record its variables as the prompt, and an empty answer a visible placeholder', () => {
    const line = bedrockRecord({ variables: { question: 'Why?', context: 'Because.' } }, { prediction: '  ', reference: 'Because.' }, 'prompt-P-1');
    expect(line).toEqual({ prompt: 'context: Because.\nquestion: Why?', referenceResponse: 'Because.', modelResponses: [{ response: NO_ANSWER, modelIdentifier: 'prompt-P-1' }] });
  });

  test('keeps every prediction up to the limit, and above it a sample fixed by the ids, whatever their order', () => {
    const many = Array.from({ length: 30 }, (_, index) => ({ id: `r${String(index).padStart(2, '0')}` }));
    expect(sampleForBedrock(many, 30)).toEqual(many);
    const sample = sampleForBedrock(many, 10);
    expect(sample).toHaveLength(10);
    expect(sampleForBedrock([...many].reverse(), 10)).toEqual(sample);
    expect(sample.map((item) => item.id)).toEqual([...sample.map((item) => item.id)].sort());
    expect(sample).not.toEqual(many.slice(0, 10));
  });

  test('samples a run above the service limit and leaves out predictions whose record is not in the set', () => {
    const predictions = ['a', 'b', 'c'].map((id) => ({ id, prediction: id.toUpperCase(), reference: [id], latencyMs: 1 }));
    const sampled = sampleForBedrock(predictions, 2);
    const result = bedrockDataset({ sampled, predictions: 3, records: new Map([[sampled[0].id, { prompt: 'p' }]]), modelIdentifier: 'm' });
    expect(result).toEqual(expect.objectContaining({ records: 1, predictions: 3, sampled: true, missing: 1 }));
    expect(result.body.trim().split('\n')).toHaveLength(1);
  });
});
