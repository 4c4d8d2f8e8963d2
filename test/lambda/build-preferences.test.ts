import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { DatasetChecker, usable } from '../../lib/adapt/dataset-format';
import { feedbackRecordSchema, type FeedbackRecord } from '../../lib/align/feedback-record';
import { buildPreferencePairs, pairHash, type PreferencePair } from '../../lib/align/preference-pairs';
import { BuildPreferencesInputError, DatasetUnusableError, ManifestInvalidError, buildPreferences, type DatasetReady } from '../../lambda/build-preferences/build';

const s3 = mockClient(S3Client);
const client = new S3Client({});

/** An in-memory versioned S3 behind the mocked client: listings come in pages of PAGE_SIZE keys, conditional writes are enforced. */
const PAGE_SIZE = 2;
let store: Map<string, { body: string; versionId: string; etag: string }>;
let writes = 0;

beforeEach(() => {
  store = new Map();
  writes = 0;
  s3.reset();
  s3.on(ListObjectsV2Command).callsFake(async (input) => {
    const keys = [...store.keys()].filter((id) => id.startsWith(`${input.Bucket}/${input.Prefix ?? ''}`)).map((id) => id.slice(`${input.Bucket}/`.length)).sort();
    const start = input.ContinuationToken === undefined ? 0 : Number(input.ContinuationToken);
    const more = start + PAGE_SIZE < keys.length;
    return { Contents: keys.slice(start, start + PAGE_SIZE).map((Key) => ({ Key })), IsTruncated: more, NextContinuationToken: more ? String(start + PAGE_SIZE) : undefined };
  });
  s3.on(GetObjectCommand).callsFake(async (input) => {
    const object = store.get(`${input.Bucket}/${input.Key}`);
    if (object === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    return { Body: Readable.from([object.body]), VersionId: object.versionId, ETag: object.etag };
  });
  s3.on(PutObjectCommand).callsFake(async (input) => {
    const id = `${input.Bucket}/${input.Key}`;
    const current = store.get(id);
    if ((input.IfNoneMatch === '*' && current !== undefined) || (input.IfMatch !== undefined && current?.etag !== input.IfMatch)) {
      throw new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' });
    }
    writes += 1;
    store.set(id, { body: String(input.Body), versionId: `v${writes}`, etag: `"e${writes}"` });
    return { VersionId: `v${writes}`, ETag: `"e${writes}"` };
  });
});

const put = (key: string, body: string) => store.set(`feedback-bucket/${key}`, { body, versionId: 'f', etag: '"f"' });
const read = (key: string) => store.get(`datasets-bucket/${key}`)?.body as string;

let counter = 0;
/** Feedback built and checked by the shared feedback format. */
const record = (fields: object): FeedbackRecord => feedbackRecordSchema.parse({ version: 1, id: `f-${(counter += 1)}`, timestamp: '2026-11-28T18:00:00Z', ...fields });
const preference = (prompt: string, chosen: string, rejected: string) => record({ kind: 'preference', prompt, chosen, rejected });
const rating = (prompt: string, response: string, value: 1 | -1) => record({ kind: 'rating', prompt, response, rating: value });
const jsonl = (records: FeedbackRecord[]) => records.map((one) => JSON.stringify(one)).join('\n') + '\n';
const prompts = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => preference(`Question ${from + index}?`, 'A clear answer.', 'A vague answer.'));

const input = { feedbackBucket: 'feedback-bucket', feedbackPrefix: 'feedback/', datasetsBucket: 'datasets-bucket', datasetPrefix: 'preference/', minNewPairs: 5, validationFraction: 0.5 };
const at = (iso: string) => ({ now: () => new Date(iso) });
const puts = () => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);

test('turns feedback of the shared format into a DPO dataset the validator accepts, with its manifest', async () => {
  put('feedback/2026/11/28/a.jsonl', jsonl(prompts(0, 6)));
  put('feedback/2026/11/28/b.jsonl', jsonl([...prompts(6, 10), rating('What is 2+2?', '4', 1), rating('What is 2+2?', '5', -1)]));

  const output = (await buildPreferences(client, input, at('2026-11-28T18:00:00.123Z'))) as DatasetReady;

  expect(output).toEqual(expect.objectContaining({ ready: true, bucket: 'datasets-bucket', pairs: 11, newPairs: 11, feedbackObjects: 2, feedbackRecords: 12 }));
  expect(output.skipped).toEqual({ badLines: 0, duplicates: 0, conflicts: 0 });
  expect(output.datasetId).toMatch(/^20261128T180000Z-[0-9a-f]{8}$/);
  expect(output.trainKey).toBe(`preference/${output.datasetId}/train.jsonl`);
  expect(output.validationKey).toBe(`preference/${output.datasetId}/validation.jsonl`);
  expect(output.trainPairs).toBeGreaterThan(0);
  expect(output.validationPairs).toBeGreaterThan(0);
  expect(output.trainPairs + output.validationPairs).toBe(11);
  for (const [key, count] of [[output.trainKey, output.trainPairs], [output.validationKey, output.validationPairs]] as const) {
    const checker = new DatasetChecker('dpo', 4096);
    for (const line of read(key).split('\n')) checker.add(line);
    expect(usable(checker.report())).toBe(true);
    expect(checker.report().validRecords).toBe(count);
  }
  expect([output.trainVersionId, output.validationVersionId]).toEqual([store.get(`datasets-bucket/${output.trainKey}`)?.versionId, store.get(`datasets-bucket/${output.validationKey}`)?.versionId]);

  const pairs = [...read(output.trainKey).trim().split('\n'), ...read(output.validationKey).trim().split('\n')].map((line) => JSON.parse(line) as PreferencePair);
  expect(JSON.parse(read('preference/latest.json'))).toEqual({
    version: 1,
    datasetId: output.datasetId,
    createdAt: '2026-11-28T18:00:00.123Z',
    bucket: 'datasets-bucket',
    trainKey: output.trainKey,
    validationKey: output.validationKey,
    trainVersionId: output.trainVersionId,
    validationVersionId: output.validationVersionId,
    validationFraction: 0.5,
    trainPairs: output.trainPairs,
    validationPairs: output.validationPairs,
    pairHashes: pairs.map(pairHash).sort(),
  });
  expect(output.manifestVersionId).toBe(store.get('datasets-bucket/preference/latest.json')?.versionId);
  // Datasets are new keys, written before the manifest; feedback is never written.
  expect(puts().map((call) => [call.Bucket, call.Key, call.IfNoneMatch])).toEqual([
    ['datasets-bucket', output.trainKey, '*'],
    ['datasets-bucket', output.validationKey, '*'],
    ['datasets-bucket', 'preference/latest.json', '*'],
  ]);
});

test('returns ready false and writes nothing on a second run with no new feedback', async () => {
  put('feedback/a.jsonl', jsonl(prompts(0, 10)));
  const first = (await buildPreferences(client, input, at('2026-11-28T18:00:00Z'))) as DatasetReady;
  const written = puts().length;

  const second = await buildPreferences(client, input, at('2026-11-29T18:00:00Z'));

  expect(second).toEqual(expect.objectContaining({ ready: false, pairs: 10, newPairs: 0, minNewPairs: 5, previousDatasetId: first.datasetId }));
  expect(second.ready === false && second.reason).toBe(`0 new preference pairs since dataset ${first.datasetId} (10 in all); 5 needed`);
  expect(puts()).toHaveLength(written);
});

test('counts only pairs not in the previous dataset against minNewPairs', async () => {
  put('feedback/a.jsonl', jsonl(prompts(0, 10)));
  const first = (await buildPreferences(client, { ...input, minNewPairs: 1 }, at('2026-11-28T18:00:00Z'))) as DatasetReady;
  const firstTrain = read(first.trainKey);
  const firstManifestEtag = store.get('datasets-bucket/preference/latest.json')?.etag;

  // Two new pairs, and a repeat of a known pair with other whitespace (not new).
  put('feedback/b.jsonl', jsonl([...prompts(10, 12), preference(' Question 3? ', 'A clear answer.', 'A vague  answer.')]));
  const short = await buildPreferences(client, { ...input, minNewPairs: 3 }, at('2026-11-29T18:00:00Z'));
  expect(short).toEqual(expect.objectContaining({ ready: false, pairs: 12, newPairs: 2, minNewPairs: 3, reason: `2 new preference pairs since dataset ${first.datasetId} (12 in all); 3 needed` }));

  put('feedback/c.jsonl', jsonl(prompts(12, 13)));
  const second = (await buildPreferences(client, { ...input, minNewPairs: 3 }, at('2026-11-30T18:00:00Z'))) as DatasetReady;
  expect(second).toEqual(expect.objectContaining({ ready: true, pairs: 13, newPairs: 3, previousDatasetId: first.datasetId }));
  expect(second.datasetId > first.datasetId).toBe(true);
  expect(second.trainKey).not.toBe(first.trainKey);
  // The earlier dataset stays as it was; the manifest is replaced only over the one read.
  expect(read(first.trainKey)).toBe(firstTrain);
  expect(puts().at(-1)).toEqual(expect.objectContaining({ Key: 'preference/latest.json', IfMatch: firstManifestEtag }));
  expect(JSON.parse(read('preference/latest.json')).pairHashes).toHaveLength(13);
});

test('reports bad feedback lines with object key and line number, and builds from the good ones', async () => {
  const badRating = JSON.stringify({ ...rating('Q', 'A', 1), rating: 5 });
  put('feedback/mixed.jsonl', [JSON.stringify(prompts(0, 1)[0]), '{"kind": "preference"', '', badRating, ...prompts(1, 10).map((one) => JSON.stringify(one))].join('\n'));
  put('feedback/noise.jsonl', Array.from({ length: 30 }, (_, index) => `garbage ${index}`).join('\n'));

  const output = await buildPreferences(client, input, at('2026-11-28T18:00:00Z'));

  expect(output).toEqual(expect.objectContaining({ ready: true, pairs: 10, skipped: { badLines: 32, duplicates: 0, conflicts: 0 } }));
  expect(output.badLines).toHaveLength(20);
  expect(output.badLines[0]).toEqual({ key: 'feedback/mixed.jsonl', line: 2, problem: expect.stringMatching(/^not JSON/) });
  expect(output.badLines[1]).toEqual({ key: 'feedback/mixed.jsonl', line: 4, problem: expect.stringMatching(/^rating: /) });
  expect(output.badLines[2]).toEqual({ key: 'feedback/noise.jsonl', line: 1, problem: expect.stringMatching(/^not JSON/) });
});

test('says why it is not ready when feedback lines are bad', async () => {
  put('feedback/v2.jsonl', '{"version": 2}\n');
  const output = await buildPreferences(client, input, at('2026-11-28T18:00:00Z'));
  expect(output).toEqual(expect.objectContaining({ ready: false, pairs: 0, reason: '0 new preference pairs and no earlier dataset (0 in all); 5 needed; 1 feedback lines were not feedback records (see badLines)' }));
});

test('reads every page of the feedback listing, skipping folder placeholders', async () => {
  put('feedback/', '');
  for (let file = 0; file < 5; file += 1) put(`feedback/part-${file}.jsonl`, jsonl(prompts(file * 2, file * 2 + 2)));

  const output = await buildPreferences(client, input, at('2026-11-28T18:00:00Z'));

  expect(output).toEqual(expect.objectContaining({ ready: true, feedbackObjects: 5, pairs: 10 }));
  expect(
    s3
      .commandCalls(ListObjectsV2Command)
      .filter((call) => call.args[0].input.Bucket === 'feedback-bucket')
      .map((call) => call.args[0].input.ContinuationToken),
  ).toEqual([undefined, '2', '4']);
  expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key)).not.toContain('feedback/');
});

test('rejects its own bad input as a wiring error before any S3 call', async () => {
  const bad = { ...input, feedbackBucket: 's3://feedback-bucket', datasetPrefix: 'preference', minNewPairs: 0, validationFraction: 1, validationFranction: 0.2 };
  const error = await buildPreferences(client, bad).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(BuildPreferencesInputError);
  expect((error as Error).name).toBe('BuildPreferencesInputError');
  expect((error as Error).message).toBe(
    'invalid input; expected no field "validationFranction" (allowed: feedbackBucket, feedbackPrefix, datasetsBucket, datasetPrefix, minNewPairs, validationFraction), ' +
      'feedbackBucket: a bucket name (not an s3:// URL or ARN), datasetPrefix: a prefix ending with "/", or "" for the whole bucket, ' +
      'minNewPairs: a whole number >= 1, validationFraction: a number between 0 and 1 (exclusive)',
  );
  await expect(buildPreferences(client, { ...input, datasetsBucket: 'feedback-bucket', datasetPrefix: 'feedback/preference/' })).rejects.toThrow(
    /feedbackPrefix and datasetPrefix that do not contain one another in the same bucket \(received "feedback\/" and "feedback\/preference\/"\)/,
  );
  await expect(buildPreferences(client, null)).rejects.toThrow(BuildPreferencesInputError);
  expect(s3.calls()).toHaveLength(0);
});

test('refuses to write a dataset whose validation split is empty, saying what to do', async () => {
  const feedback = [preference('Only prompt', 'good', 'bad'), preference('Only prompt', 'fine', 'worse')];
  expect(buildPreferencePairs(feedback, { validationShare: 0.1 }).validation).toEqual([]);
  put('feedback/a.jsonl', jsonl(feedback));

  const error = await buildPreferences(client, { ...input, minNewPairs: 1, validationFraction: 0.1 }).catch((caught: unknown) => caught);

  expect(error).toBeInstanceOf(DatasetUnusableError);
  expect((error as Error).name).toBe('DatasetUnusable');
  expect((error as Error).message).toBe(
    'refusing to write the preference dataset: the validation split is empty: the split holds out about 10% of prompts by a hash of the prompt, ' +
      'and none of the 1 prompts fell into validation; collect feedback on more prompts, or raise validationFraction',
  );
  expect((error as DatasetUnusableError).reports.train.validRecords).toBe(2);
  expect(puts()).toEqual([]);
});

test('fails on a manifest that is not one rather than guessing which pairs are new', async () => {
  store.set('datasets-bucket/preference/latest.json', { body: '{"version": 1, "datasetId": "x"}', versionId: 'm7', etag: '"m"' });
  put('feedback/a.jsonl', jsonl(prompts(0, 10)));
  const error = await buildPreferences(client, input).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ManifestInvalidError);
  expect((error as Error).name).toBe('ManifestInvalid');
  expect((error as Error).message).toMatch(/^s3:\/\/datasets-bucket\/preference\/latest\.json \(version m7\) is not a dataset manifest: createdAt: .*; restore its previous version/);
  expect(puts()).toEqual([]);
});

test('fails rather than starting over when the manifest cannot be read', async () => {
  store.set('datasets-bucket/preference/latest.json', { body: '{}', versionId: 'm', etag: '"m"' });
  s3.on(GetObjectCommand, { Key: 'preference/latest.json' }).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'Access Denied' }));
  put('feedback/a.jsonl', jsonl(prompts(0, 10)));
  await expect(buildPreferences(client, input)).rejects.toThrow(/Access Denied/);
  expect(puts()).toEqual([]);
});
