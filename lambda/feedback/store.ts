import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FeedbackRecord } from '../../lib/align/feedback-record';
import { httpStatusOf } from '../shared/retry';

/**
 * Where and how a feedback record is written: one object per record under
 * `<prefix>api/`, one JSON line, never overwritten.
 */

/** Sub-prefix of the API's feedback under the feedback prefix (the align stage reads everything under the prefix). */
export const API_SUB_PREFIX = 'api/';
export const FEEDBACK_CONTENT_TYPE = 'application/x-ndjson';

/** `<prefix>api/<id>.jsonl`. */
export function feedbackKey(prefix: string, id: string): string {
  return `${prefix}${API_SUB_PREFIX}${id}.jsonl`;
}

/** The object's body: the record on one line, and a newline (the align stage reads JSON Lines). */
export function feedbackBody(record: FeedbackRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** S3 refused a conditional write because the key exists: 412 PreconditionFailed (an unmodeled error: S3ServiceException named by its code). */
export function isAlreadyStored(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'PreconditionFailed' || httpStatusOf(error) === 412;
}

/**
 * S3 refused a conditional write because another write of the key was in
 * progress: 409 ConditionalRequestConflict, which S3 says to retry (the
 * retry then finds the key written, or writes it).
 */
export function isWriteConflict(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ConditionalRequestConflict' || httpStatusOf(error) === 409;
}

/**
 * Writes the record only if its key does not exist yet (If-None-Match: *);
 * encrypted by the bucket's default encryption. "duplicate" when the key
 * exists: a repeat of the same requestId, which keeps the first record.
 */
export async function putFeedback(s3: S3Client, bucket: string, key: string, record: FeedbackRecord): Promise<'stored' | 'duplicate'> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: feedbackBody(record), ContentType: FEEDBACK_CONTENT_TYPE, IfNoneMatch: '*' }));
    return 'stored';
  } catch (error) {
    if (isAlreadyStored(error)) return 'duplicate';
    throw error;
  }
}
