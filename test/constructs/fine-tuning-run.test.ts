import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { StateMachine } from 'aws-local-stepfunctions';
import { validateDataset } from '../../lambda/validate-dataset/validate';
import { definitionOf, pipelineFixture } from '../helpers/pipeline';

// The fine-tuning workflow as synthesized, run locally: AWS calls are
// replaced by recording functions; the dataset check is the real handler
// logic over a mocked S3.
const definition = definitionOf(pipelineFixture().template, 'Pipeline');
const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });

const sft = (prompt: string, completion: string) => JSON.stringify({ prompt, completion });
function datasets(files: Record<string, string>): void {
  s3.reset();
  for (const [key, body] of Object.entries(files)) {
    s3.on(GetObjectCommand, { Bucket: 'datasets-bucket', Key: key }).resolves({ Body: Readable.from([body]) as never, VersionId: `v-${key.split('/')[0]}` });
  }
}
const VALID = { 'train.jsonl': `${sft('What is 2+2?', '4')}\n${sft('Capital of France?', 'Paris')}\n`, 'validation.jsonl': `${sft('Capital of Spain?', 'Madrid')}\n` };
const INPUT = { mode: 'sft', dataset: { trainKey: 'train.jsonl', validationKey: 'validation.jsonl' }, hyperparameters: { epochs: '1', learning_rate: '1e-4' } };

interface Calls {
  train: any[];
  lineage: any[];
  register: any[];
  events: any[];
  success: any[];
  failure: any[];
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

async function run(input: Record<string, unknown>, train: (input: any, attempt: number) => unknown = trainedJob): Promise<{ calls: Calls; output?: any; error?: any }> {
  const calls: Calls = { train: [], lineage: [], register: [], events: [], success: [], failure: [] };
  const machine = new StateMachine(JSON.parse(JSON.stringify(definition)), { validationOptions: { checkArn: false, checkPaths: false } });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: {
        ValidateDataset: (event: any) => validateDataset(client, event) as never,
        Train: async (job: any) => {
          calls.train.push(job);
          return train(job, calls.train.length) as never;
        },
        WriteLineage: async (request: any) => {
          calls.lineage.push(request);
          return { ETag: '"e"' } as never;
        },
        RegisterModel: async (request: any) => {
          calls.register.push(request);
          return { ModelPackageArn: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/group/1' } as never;
        },
        PublishModelEvent: async (request: any) => {
          calls.events.push(request);
          return { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] } as never;
        },
        NotifySuccess: async (request: any) => {
          calls.success.push(request);
          return { MessageId: 'm-1' } as never;
        },
        NotifyFailure: async (request: any) => {
          calls.failure.push(request);
          return { MessageId: 'm-2' } as never;
        },
      },
      waitTimeOverrides: { WaitBeforeCapacityRestart: 0, WaitBeforeTransientRestart: 0 },
      retryIntervalOverrides: { ValidateDataset: 0, WriteLineage: 0, RegisterModel: 0, PublishModelEvent: 0, NotifySuccess: 0, NotifyFailure: 0 },
    },
  });
  try {
    return { calls, output: await execution.result };
  } catch (error) {
    return { calls, error };
  }
}

function trainedJob(job: any): unknown {
  return { TrainingJobName: job.TrainingJobName, TrainingJobArn: `arn:aws:sagemaker:us-east-1:111122223333:training-job/${job.TrainingJobName}`, TrainingJobStatus: 'Completed', ModelArtifacts: { S3ModelArtifacts: `s3://artifacts-bucket/training/${job.TrainingJobName}/output/model/` } };
}

test('a valid dataset trains once and registers a model package with its lineage', async () => {
  datasets(VALID);
  const { calls, error } = await run(INPUT);
  expect(error).toBeUndefined();
  expect(calls.train).toHaveLength(1);
  const job = calls.train[0];
  expect(job.TrainingJobName).toMatch(/^ft-[0-9a-f]{8}-[0-9a-f-]{36}$/);
  expect(job.HyperParameters).toEqual(
    expect.objectContaining({ epochs: '1', learning_rate: '1e-4', sagemaker_program: 'sft_lora.py', sagemaker_submit_directory: expect.stringMatching(/^\/opt\/ml\/input\/data\/code\/[0-9a-f]{64}\.gz$/), sagemaker_torch_distributed_enabled: 'true' }),
  );
  expect(job.InputDataConfig.slice(0, 2).map((channel: any) => channel.DataSource.S3DataSource.S3Uri)).toEqual(['s3://datasets-bucket/train.jsonl', 's3://datasets-bucket/validation.jsonl']);
  expect(job.CheckpointConfig.S3Uri).toMatch(/^s3:\/\/artifacts-bucket\/checkpoints\/[0-9a-f-]{36}\/$/);

  const lineage = JSON.parse(calls.lineage[0].Body);
  expect(lineage).toEqual(
    expect.objectContaining({
      mode: 'sft',
      baseModel: 'meta-llama/Llama-3.1-8B-Instruct',
      kitRevision: 'abc123',
      dataset: { bucket: 'datasets-bucket', trainKey: 'train.jsonl', trainVersionId: 'v-train.jsonl', validationKey: 'validation.jsonl', validationVersionId: 'v-validation.jsonl' },
      hyperparameters: expect.objectContaining({ epochs: '1' }),
    }),
  );
  expect(calls.register).toHaveLength(1);
  expect(calls.register[0]).toEqual(
    expect.objectContaining({
      ModelApprovalStatus: 'PendingManualApproval',
      CustomerMetadataProperties: expect.objectContaining({ baseModel: 'meta-llama/Llama-3.1-8B-Instruct', trainVersionId: 'v-train.jsonl', validationVersionId: 'v-validation.jsonl', kitRevision: 'abc123', mode: 'sft' }),
    }),
  );
  expect(calls.register[0].InferenceSpecification.Containers[0].ModelDataSource.S3DataSource).toEqual({ S3Uri: `s3://artifacts-bucket/training/${job.TrainingJobName}/output/model/`, S3DataType: 'S3Prefix', CompressionType: 'None' });
  expect(calls.events[0].Entries[0]).toEqual(expect.objectContaining({ Source: 'genai-kit.adapt', DetailType: 'Fine-tuned model registered' }));
  expect(JSON.parse(JSON.stringify(calls.events[0].Entries[0].Detail))).toEqual(expect.objectContaining({ modelPackageArn: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/group/1' }));
  expect(calls.success).toHaveLength(1);
  expect(calls.failure).toHaveLength(0);
});

test('fails an invalid dataset before any training job, naming the bad lines, and registers nothing', async () => {
  datasets({ 'train.jsonl': `${sft('What is 2+2?', '4')}\n{"prompt": "no answer"}\n`, 'validation.jsonl': VALID['validation.jsonl'] });
  const { calls, error } = await run(INPUT);
  expect(error).toBeDefined();
  expect(calls.train).toHaveLength(0);
  expect(calls.register).toHaveLength(0);
  expect(calls.failure).toHaveLength(1);
  expect(calls.failure[0].Message).toMatch(/failed: DatasetInvalid: .*train \(train\.jsonl\): 1 bad of 2 records: line 2: missing completion/);
});

test('fails a training job that fails, notifying its cause, and registers nothing', async () => {
  datasets(VALID);
  const { calls, error } = await run(INPUT, () => {
    throw namedError('States.TaskFailed', '{"FailureReason":"AlgorithmError: CUDA out of memory"}');
  });
  expect(error).toBeDefined();
  expect(calls.train).toHaveLength(1);
  expect(calls.register).toHaveLength(0);
  expect(calls.failure[0].Message).toMatch(/failed: States\.TaskFailed: .*CUDA out of memory/);
});

test('starts a throttled training call again under a new name, and then trains', async () => {
  datasets(VALID);
  const { calls, error } = await run(INPUT, (job, attempt) => {
    if (attempt === 1) throw namedError('SageMaker.AmazonSageMakerException', 'Rate exceeded (Service: AmazonSageMaker; Error Code: ThrottlingException)');
    return trainedJob(job);
  });
  expect(error).toBeUndefined();
  expect(calls.train).toHaveLength(2);
  expect(calls.train[1].TrainingJobName).not.toBe(calls.train[0].TrainingJobName);
  expect(calls.register).toHaveLength(1);
});

test('gives up on a call throttled again and again, with a notification', async () => {
  datasets(VALID);
  const { calls, error } = await run(INPUT, () => {
    throw namedError('SageMaker.ResourceLimitExceededException', 'The account-level service limit for ml.g6e.2xlarge training is 0 instances');
  });
  expect(error).toBeDefined();
  expect(calls.train).toHaveLength(5);
  expect(calls.failure[0].Message).toMatch(/failed: SageMaker\.ResourceLimitExceededException: .*service limit/);
});

test('starts a job that found no capacity again under a new name, keeping the checkpoints of the run', async () => {
  datasets(VALID);
  const { calls, error } = await run(INPUT, (job, attempt) => {
    if (attempt === 1) throw namedError('States.TaskFailed', '{"FailureReason":"CapacityError: Unable to provision requested ML compute capacity"}');
    return trainedJob(job);
  });
  expect(error).toBeUndefined();
  expect(calls.train).toHaveLength(2);
  expect(calls.train[1].TrainingJobName).not.toBe(calls.train[0].TrainingJobName);
  expect(calls.train[1].CheckpointConfig.S3Uri).toBe(calls.train[0].CheckpointConfig.S3Uri);
});

test('gives up after the configured capacity retries, with a notification', async () => {
  datasets(VALID);
  const { calls, error } = await run(INPUT, () => {
    throw namedError('States.TaskFailed', '{"FailureReason":"CapacityError: Unable to provision requested ML compute capacity"}');
  });
  expect(error).toBeDefined();
  expect(calls.train).toHaveLength(4);
  expect(calls.failure[0].Message).toMatch(/CapacityError/);
});

test('rejects an input without a mode it runs or without dataset keys, with a notification that says what is expected', async () => {
  datasets(VALID);
  for (const input of [{ ...INPUT, mode: 'pretrain' }, { mode: 'sft' }, { ...INPUT, dataset: { trainKey: 'train.jsonl' } }]) {
    const { calls, error } = await run(input);
    expect(error).toBeDefined();
    expect(calls.train).toHaveLength(0);
    expect(calls.failure[0].Message).toMatch(/failed: InvalidInput: expected \{"mode": "sft" \| "dpo", "dataset"/);
  }
});

test('rejects hyperparameters the kit sets, or that are not an object, before training, with a notification', async () => {
  datasets(VALID);
  for (const hyperparameters of [{ sagemaker_program: 'evil.py' }, 'epochs=1', ['epochs']]) {
    const { calls, error } = await run({ ...INPUT, hyperparameters });
    expect(error).toBeDefined();
    expect(calls.train).toHaveLength(0);
    expect(calls.failure[0].Message).toMatch(/failed: InvalidInput: hyperparameters/);
  }
});

test('runs with the kit\'s defaults when the execution gives no hyperparameters', async () => {
  datasets(VALID);
  const { calls, error } = await run({ mode: 'dpo', dataset: INPUT.dataset }, trainedJob);
  expect(error).toBeDefined(); // the SFT records are not DPO records
  expect(calls.failure[0].Message).toMatch(/DatasetInvalid: train \(train\.jsonl\): 2 bad of 2 records: line 1: unknown field "completion"; allowed: prompt, chosen, rejected/);
  datasets(VALID);
  const sftRun = await run({ mode: 'sft', dataset: INPUT.dataset });
  expect(sftRun.calls.train[0].HyperParameters).toEqual(expect.objectContaining({ epochs: '2', sagemaker_program: 'sft_lora.py' }));
});
