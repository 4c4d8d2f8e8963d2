import { Readable } from 'node:stream';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { DatasetInvalidError, validateDataset } from '../../lambda/validate-dataset/validate';

const s3 = mockClient(S3Client);
const client = new S3Client({});

function objects(files: Record<string, string>): void {
  s3.reset();
  for (const [key, body] of Object.entries(files)) {
    s3.on(GetObjectCommand, { Bucket: 'datasets', Key: key }).resolves({ Body: Readable.from([body]) as never, VersionId: `v-${key}` });
  }
}

const sft = (prompt: string, completion: string) => JSON.stringify({ prompt, completion });
const hyperparameters = { defaults: { epochs: '3' }, requested: {}, reserved: { sagemaker_program: 'sft_lora.py' } };
const input = { bucket: 'datasets', trainKey: 'train/data.jsonl', validationKey: 'validation/data.jsonl', format: 'sft' as const, contextLength: 2048, hyperparameters };

test('passes valid splits and returns their reports with the object versions', async () => {
  objects({ 'train/data.jsonl': `${sft('Hi', 'Hello')}\n${sft('Sum 2+2', '4')}\n`, 'validation/data.jsonl': sft('Hey', 'Hi there') });
  const output = await validateDataset(client, input);
  expect(output.train).toEqual(expect.objectContaining({ key: 'train/data.jsonl', versionId: 'v-train/data.jsonl', records: 2, validRecords: 2, problemCount: 0 }));
  expect(output.validation.records).toBe(1);
});

test('stops with DatasetInvalid, naming the bad lines of each split', async () => {
  objects({
    'train/data.jsonl': [sft('a', 'b'), '{"prompt": "x"', sft('', 'b'), JSON.stringify({ prompt: 'p', answer: 'a' })].join('\n'),
    'validation/data.jsonl': '\n',
  });
  const error = await validateDataset(client, input).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DatasetInvalidError);
  expect((error as Error).name).toBe('DatasetInvalid');
  expect((error as Error).message).toMatch(/^train \(train\/data\.jsonl\): 3 bad of 4 records: line 2: not JSON: .*; line 3: empty prompt; line 4: unknown field "answer"; allowed: prompt, completion \| validation \(validation\/data\.jsonl\) has no record$/);
});

test('reads preference pairs in the dpo format', async () => {
  objects({
    'train/data.jsonl': JSON.stringify({ prompt: 'p', chosen: 'good', rejected: 'bad' }),
    'validation/data.jsonl': JSON.stringify({ prompt: 'p', chosen: 'same', rejected: 'same' }),
  });
  await expect(validateDataset(client, { ...input, format: 'dpo' })).rejects.toThrow(/validation .*line 1: chosen and rejected are the same answer/);
});

test('rejects its own bad input as a wiring error, not a dataset error', async () => {
  await expect(validateDataset(client, { ...input, format: 'rlhf' as never, contextLength: 0 })).rejects.toThrow(
    /^invalid input; expected format: sft \| dpo \| pretrain \| prompt-completion \| bedrock-conversation, contextLength: a whole number > 0$/,
  );
});

test('lets S3 errors through for the state machine to retry or report', async () => {
  s3.reset();
  s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
  await expect(validateDataset(client, input)).rejects.toThrow(/The specified key does not exist/);
});

describe('hyperparameters', () => {
  test('merges defaults, the execution\'s values as strings, then the kit\'s', async () => {
    objects({ 'train/data.jsonl': sft('Hi', 'Hello'), 'validation/data.jsonl': sft('Hey', 'Hi there') });
    const output = await validateDataset(client, { ...input, hyperparameters: { ...hyperparameters, requested: { epochs: 1, merge_weights: false } } });
    expect(output.hyperparameters).toEqual({ epochs: '1', merge_weights: 'false', sagemaker_program: 'sft_lora.py' });
  });

  test('rejects a request that is not an object, or sets the kit\'s values, before reading the dataset', async () => {
    objects({});
    await expect(validateDataset(client, { ...input, hyperparameters: { ...hyperparameters, requested: 'epochs=1' } })).rejects.toThrow(/^hyperparameters received "epochs=1"; allowed: an object of name: value$/);
    await expect(validateDataset(client, { ...input, hyperparameters: { ...hyperparameters, requested: { sagemaker_program: 'x.py', lr: [1] } } })).rejects.toThrow(
      /hyperparameters\.sagemaker_program: another name: sagemaker_\* hyperparameters are set by the kit; hyperparameters\.lr received \[1\]; allowed: a string, number or boolean/,
    );
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
});
