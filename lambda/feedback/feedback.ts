import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { jsonResponse, readJsonObject, serveJson, type ApiEvent, type ApiResponse, type LambdaContext } from '../shared/api';
import { isRetryable, retryForRequest, withRetry, type RequestRetryPolicy, type RetryOptions } from '../shared/retry';
import { readFeedbackConfig, type FeedbackConfig } from './config';
import { buildFeedbackRecord, checkFeedbackRequest, FEEDBACK_BODY, MAX_FEEDBACK_BODY_BYTES } from './request';
import { feedbackKey, isWriteConflict, putFeedback } from './store';

/** The body of 201: the record was written under its id. */
export interface Stored {
  readonly stored: true;
  readonly id: string;
}

/** The body of 200 for a repeat of a requestId: the first record stays, nothing was written. */
export interface Duplicate {
  readonly stored: false;
  readonly duplicate: true;
}

/** Retries of the write: throttling (SlowDown), transient errors and S3's 409 conflict of concurrent conditional writes, within 8 s. */
export const FEEDBACK_RETRY: RequestRetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2000, budgetMs: 8000 };

export interface FeedbackHandlerOptions {
  /** @default a Powertools Logger of service "feedback" */
  readonly logger?: Logger;
  /** The time a record is given. @default the system clock */
  readonly now?: () => Date;
  /** Waits of the retries; injected by tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter of the retries, in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Clock of the retry budget and the logged durations, milliseconds. @default Date.now */
  readonly clock?: () => number;
}

/**
 * Stores one feedback record: validates the request, builds the record of
 * the shared format (version, id = requestId, timestamp set here), and
 * writes it once to `<prefix>api/<requestId>.jsonl`. 201 `{stored, id}`;
 * a repeat of the requestId 200 `{stored: false, duplicate: true}`. Logs
 * ids, the kind and lengths, never the texts.
 */
export async function storeFeedback(s3: S3Client, config: FeedbackConfig, body: Record<string, unknown>, now: Date, retry: RetryOptions, logger: Logger): Promise<ApiResponse> {
  const request = checkFeedbackRequest(body);
  const record = buildFeedbackRecord(request, now);
  logger.appendKeys({ feedbackId: record.id, kind: record.kind, promptChars: record.prompt.length, modelId: record.modelId });
  const outcome = await withRetry(() => putFeedback(s3, config.bucket, feedbackKey(config.prefix, record.id), record), retry);
  logger.appendKeys({ outcome });
  return outcome === 'stored' ? jsonResponse(201, { stored: true, id: record.id } satisfies Stored) : jsonResponse(200, { stored: false, duplicate: true } satisfies Duplicate);
}

/** The POST /feedback handler: settings read from `env` at the first request and kept for the container's life. */
export function createFeedbackHandler(s3: S3Client, env: Readonly<Record<string, string | undefined>>, options: FeedbackHandlerOptions = {}): (event: ApiEvent, context: LambdaContext) => Promise<ApiResponse> {
  const logger = options.logger ?? new Logger({ serviceName: 'feedback' });
  const clock = options.clock ?? Date.now;
  const now = options.now ?? (() => new Date());
  let config: FeedbackConfig | undefined;
  return (event, context) =>
    serveJson(
      event,
      context,
      logger,
      async () => {
        config ??= readFeedbackConfig(env);
        const body = readJsonObject(event, MAX_FEEDBACK_BODY_BYTES, FEEDBACK_BODY);
        const retry = retryForRequest(FEEDBACK_RETRY, { sleep: options.sleep, random: options.random, clock, retryable: (error) => isRetryable(error) || isWriteConflict(error) });
        return storeFeedback(s3, config, body, now(), retry, logger);
      },
      { clock },
    );
}
