import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ScoreInputError, scoreEvaluation } from '../../lambda/score-evaluation/score';
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
