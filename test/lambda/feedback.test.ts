import { Logger } from '@aws-lambda-powertools/logger';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { parseFeedbackLine } from '../../lib/align/feedback-record';
import { createFeedbackHandler } from '../../lambda/feedback/feedback';

const s3 = mockClient(S3Client);
const logger = new Logger({ serviceName: 'feedback-test', logLevel: 'SILENT' });
const NOW = new Date('2026-11-28T18:00:00.000Z');
let sleeps: number[];

const handlerFor = (env: Record<string, string> = {}) =>
  createFeedbackHandler(new S3Client({}), { FEEDBACK_BUCKET: 'feedback-bucket', ...env }, {
    logger,
    now: () => NOW,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    clock: () => 0,
  });
const context = { awsRequestId: 'lambda-request-1', functionName: 'feedback' };
const send = async (body: unknown, env: Record<string, string> = {}) => {
  const response = await handlerFor(env)({ body: typeof body === 'string' ? body : JSON.stringify(body), requestContext: { requestId: 'api-request-1' } }, context);
  return { ...response, json: JSON.parse(response.body) };
};
const s3Error = (name: string, status: number) => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
const putInputs = () => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);

const rating = {
  requestId: 'chat-7f3a9c21',
  kind: 'rating',
  prompt: 'How many days of annual leave do new employees get?',
  response: 'New employees get 25 days of annual leave [1].',
  rating: 1,
  modelId: 'amazon.nova-lite-v1:0',
  promptTemplate: { id: 'grounded-answer', version: 2 },
};

beforeEach(() => {
  s3.reset();
  sleeps = [];
  s3.on(PutObjectCommand).resolves({});
});

describe('stored feedback', () => {
  test('stores a rating as one JSON line at <prefix>api/<requestId>.jsonl, only if the key is new', async () => {
    const response = await send(rating);

    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    expect(response.json).toEqual({ stored: true, id: 'chat-7f3a9c21' });
    const [input] = putInputs();
    expect(input).toEqual({
      Bucket: 'feedback-bucket',
      Key: 'feedback/api/chat-7f3a9c21.jsonl',
      Body: expect.any(String),
      ContentType: 'application/x-ndjson',
      IfNoneMatch: '*',
    });
    const body = input.Body as string;
    expect(body.endsWith('\n')).toBe(true);
    expect(body.trimEnd()).not.toContain('\n');
    const expected = {
      kind: 'rating',
      version: 1,
      id: 'chat-7f3a9c21',
      timestamp: '2026-11-28T18:00:00.000Z',
      prompt: rating.prompt,
      modelId: 'amazon.nova-lite-v1:0',
      promptTemplate: { id: 'grounded-answer', version: 2 },
      response: rating.response,
      rating: 1,
    };
    expect(JSON.parse(body)).toEqual(expected);
    // What the align stage reads back (lambda/build-preferences parses each line so).
    expect(parseFeedbackLine(body.trimEnd())).toEqual({ record: expected });
  });

  test('stores a preference under the configured prefix', async () => {
    const response = await send({ requestId: 'pref_000000042', kind: 'preference', prompt: 'Summarize the leave policy.', chosen: 'Short and right.', rejected: 'Long and wrong.' }, { FEEDBACK_PREFIX: 'align/feedback/' });

    expect(response.statusCode).toBe(201);
    expect(response.json).toEqual({ stored: true, id: 'pref_000000042' });
    const [input] = putInputs();
    expect(input.Key).toBe('align/feedback/api/pref_000000042.jsonl');
    expect(JSON.parse(input.Body as string)).toEqual({
      kind: 'preference',
      version: 1,
      id: 'pref_000000042',
      timestamp: '2026-11-28T18:00:00.000Z',
      prompt: 'Summarize the leave policy.',
      chosen: 'Short and right.',
      rejected: 'Long and wrong.',
    });
  });

  test('answers 200 duplicate, overwriting nothing, when the requestId was already stored (S3 412 PreconditionFailed)', async () => {
    s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));

    const response = await send(rating);

    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ stored: false, duplicate: true });
    expect(putInputs()).toHaveLength(1);
  });

  test("retries S3's 409 ConditionalRequestConflict of a concurrent write, then reports what the retry finds", async () => {
    s3.on(PutObjectCommand).rejectsOnce(s3Error('ConditionalRequestConflict', 409)).rejectsOnce(s3Error('PreconditionFailed', 412));

    const response = await send(rating);

    expect(response.json).toEqual({ stored: false, duplicate: true });
    expect(putInputs()).toHaveLength(2);
    expect(sleeps).toEqual([100]);
  });

  test('fails with 503 and Retry-After when S3 keeps answering SlowDown', async () => {
    s3.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Please reduce your request rate.' }));

    const response = await send(rating);

    expect(response.statusCode).toBe(503);
    expect(response.headers['Retry-After']).toBe('5');
    expect(response.json).toEqual({ error: expect.stringMatching(/try again in a few seconds$/), retryAfterSeconds: 5 });
    expect(putInputs()).toHaveLength(3);
  });

  test('fails with 500 and a generic message when S3 refuses the write', async () => {
    s3.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }));

    const response = await send(rating);

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('Access Denied');
    expect(putInputs()).toHaveLength(1);
  });
});

describe('requests', () => {
  test('answers 400 naming rating when the rating is not 1 or -1', async () => {
    const response = await send({ ...rating, rating: 5 });

    expect(response.statusCode).toBe(400);
    expect(response.json).toEqual({ error: 'rating: received 5; allowed: 1 (a good answer) or -1 (a bad one)', field: 'rating' });
    expect(putInputs()).toHaveLength(0);
  });

  test('answers 400 for malformed JSON', async () => {
    const response = await send('{"requestId": "chat-7f3a9c21", ');

    expect(response.statusCode).toBe(400);
    expect(response.json).toEqual({ error: expect.stringMatching(/^\(body\): received text that is not JSON; allowed: a JSON object/), field: '(body)' });
    expect(putInputs()).toHaveLength(0);
  });

  test.each([
    ['a requestId shorter than 8 characters', { ...rating, requestId: 'abc' }, 'requestId', /^requestId: received "abc"; allowed: an idempotency key chosen by the client, 8 to 128 letters, digits/],
    ['a requestId with a slash', { ...rating, requestId: '../../etc/passwd' }, 'requestId', /^requestId: received "\.\.\/\.\.\/etc\/passwd"/],
    ['no requestId', { ...rating, requestId: undefined }, 'requestId', /^requestId: received nothing/],
    ['an unknown kind', { ...rating, kind: 'comment' }, 'kind', /^kind: received "comment"; allowed: "rating" \| "preference"$/],
    ['a rating without its response', { ...rating, response: undefined }, 'response', /^response: received nothing/],
    ['a blank prompt', { ...rating, prompt: '  ' }, 'prompt', /^prompt: .*allowed: a non-empty text$/],
    ['a field the server sets', { ...rating, timestamp: '2020-01-01T00:00:00Z' }, 'timestamp', /^timestamp: received an unknown key/],
    ['chosen on a rating', { ...rating, chosen: 'x' }, 'chosen', /^chosen: received an unknown key/],
    ['a JSON list', [rating], '(body)', /^\(body\): received \[.*allowed: a JSON object/],
  ])('answers 400 for %s', async (_name, body, field, message) => {
    const response = await send(body);

    expect(response.statusCode).toBe(400);
    expect(response.json).toEqual({ error: expect.stringMatching(message), field });
    expect(putInputs()).toHaveLength(0);
  });

  test('fails with 500 when FEEDBACK_BUCKET is not a bucket name', async () => {
    const errors = jest.spyOn(logger, 'error');

    const response = await send(rating, { FEEDBACK_BUCKET: 's3://feedback-bucket' });

    expect(response.statusCode).toBe(500);
    expect(errors.mock.calls[0][1]).toEqual({ error: expect.objectContaining({ message: expect.stringContaining('FEEDBACK_BUCKET: received "s3://feedback-bucket"; allowed: a bucket name') }) });
    expect(putInputs()).toHaveLength(0);
    errors.mockRestore();
  });

  test('logs the ids, kind and lengths of the feedback, never its texts', async () => {
    const keys = jest.spyOn(logger, 'appendKeys');

    await send(rating);

    expect(JSON.stringify(keys.mock.calls)).not.toContain('annual leave');
    expect(keys).toHaveBeenCalledWith({ feedbackId: 'chat-7f3a9c21', kind: 'rating', promptChars: rating.prompt.length, modelId: 'amazon.nova-lite-v1:0' });
    expect(keys).toHaveBeenCalledWith({ outcome: 'stored' });
    keys.mockRestore();
  });
});
