import { BedrockAgentClient, ConflictException, type IngestionJobStatus, ListIngestionJobsCommand, StartIngestionJobCommand, ThrottlingException, ValidationException } from '@aws-sdk/client-bedrock-agent';
import { mockClient } from 'aws-sdk-client-mock';
import { clientToken, readTarget, startIngestion } from '../../lambda/start-ingestion/ingest';

const bedrock = mockClient(BedrockAgentClient);
const client = new BedrockAgentClient({});
const target = { knowledgeBaseId: 'KB12345678', dataSourceId: 'DS12345678' };
const batch = (...ids: string[]) => ({ Records: ids.map((messageId) => ({ messageId })) });
const job = (status: IngestionJobStatus) => ({ knowledgeBaseId: target.knowledgeBaseId, dataSourceId: target.dataSourceId, ingestionJobId: `JOB${status.slice(0, 7).padEnd(7, 'X')}`, status, startedAt: new Date(), updatedAt: new Date() });

beforeEach(() => {
  bedrock.reset();
  bedrock.on(ListIngestionJobsCommand).resolves({ ingestionJobSummaries: [] });
  bedrock.on(StartIngestionJobCommand).resolves({ ingestionJob: { ...job('STARTING'), ingestionJobId: 'NEWJOB0001' } as never });
});

test('starts one job of the data source for a whole batch of changes, idempotent per batch', async () => {
  const { response, result } = await startIngestion(client, target, batch('m1', 'm2', 'm3'));
  expect(response).toEqual({ batchItemFailures: [] });
  expect(result).toEqual({ outcome: 'started', ingestionJobId: 'NEWJOB0001', requests: 3 });
  const starts = bedrock.commandCalls(StartIngestionJobCommand).map((call) => call.args[0].input);
  expect(starts).toEqual([expect.objectContaining({ knowledgeBaseId: 'KB12345678', dataSourceId: 'DS12345678', clientToken: clientToken(['m3', 'm1', 'm2']) })]);
  expect(starts[0].clientToken).toMatch(/^[0-9a-f]{64}$/);
});

test('asks only for jobs of its data source that are starting, running or stopping', async () => {
  await startIngestion(client, target, batch('m1'));
  expect(bedrock.commandCalls(ListIngestionJobsCommand)[0].args[0].input).toEqual(
    expect.objectContaining({ ...target, filters: [{ attribute: 'STATUS', operator: 'EQ', values: ['STARTING', 'IN_PROGRESS', 'STOPPING'] }] }),
  );
});

test('fails the whole batch without starting a job while one is in progress, so SQS delivers it again later', async () => {
  bedrock.on(ListIngestionJobsCommand).resolves({ ingestionJobSummaries: [job('IN_PROGRESS')] });
  const { response, result } = await startIngestion(client, target, batch('m1', 'm2'));
  expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
  expect(result).toEqual(expect.objectContaining({ outcome: 'busy', requests: 2 }));
  expect(bedrock.commandCalls(StartIngestionJobCommand)).toHaveLength(0);
});

test('ignores finished jobs the listing returns', async () => {
  bedrock.on(ListIngestionJobsCommand).resolves({ ingestionJobSummaries: [job('COMPLETE'), job('FAILED')] });
  const { result } = await startIngestion(client, target, batch('m1'));
  expect(result.outcome).toBe('started');
});

test('hands the batch back when Bedrock throttles or a job started in between', async () => {
  for (const error of [new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }), new ConflictException({ message: 'A job is running', $metadata: {} })]) {
    bedrock.on(StartIngestionJobCommand).rejects(error);
    const { response, result } = await startIngestion(client, target, batch('m1'));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(result).toEqual({ outcome: 'retry-later', reason: error.name, requests: 1 });
  }
  bedrock.on(ListIngestionJobsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
  expect((await startIngestion(client, target, batch('m1'))).result.outcome).toBe('retry-later');
});

test('fails the invocation on an error a retry cannot fix, so it shows in the function\'s errors', async () => {
  bedrock.on(StartIngestionJobCommand).rejects(new ValidationException({ message: 'bad data source', $metadata: {} }));
  await expect(startIngestion(client, target, batch('m1'))).rejects.toThrow('bad data source');
});

test('does nothing for an empty batch', async () => {
  expect(await startIngestion(client, target, { Records: [] })).toEqual({ response: { batchItemFailures: [] }, result: { outcome: 'empty' } });
  expect(bedrock.calls()).toHaveLength(0);
});

test('rejects an environment without its knowledge base and data source ids, naming both', () => {
  expect(() => readTarget({ KNOWLEDGE_BASE_ID: 'KB12345678' })).toThrow(/DATA_SOURCE_ID received undefined; allowed: an id of 10 letters or digits/);
  expect(readTarget({ KNOWLEDGE_BASE_ID: 'KB12345678', DATA_SOURCE_ID: 'DS12345678' })).toEqual(target);
});
