import { createHash } from 'node:crypto';
import { ListIngestionJobsCommand, StartIngestionJobCommand, type BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import { BEDROCK_KB_ID } from '../shared/names';

/**
 * Starts one ingestion job of a knowledge base's data source for a batch of
 * requests (document changes, the schedule), unless a job of that data
 * source is still starting, running or stopping: then the whole batch is
 * handed back to SQS, which delivers it again after the queue's visibility
 * timeout. A burst of uploads thus becomes one job, and no change is lost
 * while a job runs (a job that started before a change may not see it).
 */

/** The SQS records of a batch, as Lambda delivers them (only what is used). */
export interface SqsBatch {
  readonly Records?: ReadonlyArray<{ readonly messageId: string }>;
}

/** Lambda's partial batch response: the messages SQS delivers again. */
export interface BatchResponse {
  readonly batchItemFailures: Array<{ readonly itemIdentifier: string }>;
}

export interface IngestionTarget {
  readonly knowledgeBaseId: string;
  readonly dataSourceId: string;
}

/** What happened to a batch, for the log. */
export type IngestionOutcome =
  | { readonly outcome: 'started'; readonly ingestionJobId: string; readonly requests: number }
  | { readonly outcome: 'busy'; readonly runningJobId: string; readonly requests: number }
  | { readonly outcome: 'retry-later'; readonly reason: string; readonly requests: number }
  | { readonly outcome: 'empty' };

/** Job states in which another job of the same data source cannot start yet. */
export const BUSY_STATES = ['STARTING', 'IN_PROGRESS', 'STOPPING'];

/** Errors that mean "not now": a job started in between, throttling, or the account's concurrent-job quota. */
const RETRYABLE = new Set(['ConflictException', 'ThrottlingException', 'ServiceQuotaExceededException', 'TooManyRequestsException']);

/** The data source and knowledge base ids the function's environment names; throws naming what is missing. */
export function readTarget(env: Readonly<Record<string, string | undefined>>): IngestionTarget {
  const problems = (['KNOWLEDGE_BASE_ID', 'DATA_SOURCE_ID'] as const).filter((name) => !BEDROCK_KB_ID.test(env[name] ?? ''));
  if (problems.length > 0) throw new Error(`start-ingestion: ${problems.map((name) => `${name} received ${JSON.stringify(env[name])}; allowed: an id of 10 letters or digits`).join('; ')}`);
  return { knowledgeBaseId: env.KNOWLEDGE_BASE_ID as string, dataSourceId: env.DATA_SOURCE_ID as string };
}

/**
 * The client token of a batch: the same batch delivered twice (a retried
 * invocation) starts the job once (Bedrock ignores a token it has seen).
 */
export function clientToken(messageIds: readonly string[]): string {
  return createHash('sha256').update([...messageIds].sort().join('\n')).digest('hex');
}

/** Starts an ingestion job for the batch unless one is busy; returns the messages to deliver again and what happened. */
export async function startIngestion(client: BedrockAgentClient, target: IngestionTarget, batch: SqsBatch): Promise<{ response: BatchResponse; result: IngestionOutcome }> {
  const ids = (batch.Records ?? []).map((record) => record.messageId);
  if (ids.length === 0) return { response: { batchItemFailures: [] }, result: { outcome: 'empty' } };
  const later = (result: IngestionOutcome) => ({ response: { batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) }, result });
  try {
    const listed = await client.send(
      new ListIngestionJobsCommand({
        ...target,
        filters: [{ attribute: 'STATUS', operator: 'EQ', values: BUSY_STATES }],
        sortBy: { attribute: 'STARTED_AT', order: 'DESCENDING' },
        maxResults: 10,
      }),
    );
    const running = (listed.ingestionJobSummaries ?? []).find((job) => BUSY_STATES.includes(job.status ?? ''));
    if (running !== undefined) return later({ outcome: 'busy', runningJobId: running.ingestionJobId ?? 'unknown', requests: ids.length });
    const started = await client.send(
      new StartIngestionJobCommand({ ...target, clientToken: clientToken(ids), description: `${ids.length} change request(s) of the documents or the schedule` }),
    );
    return { response: { batchItemFailures: [] }, result: { outcome: 'started', ingestionJobId: started.ingestionJob?.ingestionJobId ?? 'unknown', requests: ids.length } };
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (RETRYABLE.has(name)) return later({ outcome: 'retry-later', reason: name, requests: ids.length });
    throw error;
  }
}
