import type { S3Client } from '@aws-sdk/client-s3';
import { MAX_REPORTED_PROBLEMS } from '../../lib/adapt/dataset-format';
import { parseFeedbackLine, type FeedbackRecord } from '../../lib/align/feedback-record';
import { listKeys, objectLines } from '../shared/s3-objects';

/** A feedback line that is not a record of the shared format. */
export interface BadLine {
  /** Object key of the feedback file. */
  readonly key: string;
  /** 1-based line number in that file. */
  readonly line: number;
  readonly problem: string;
}

export interface FeedbackRead {
  /** Feedback objects read. */
  readonly objects: number;
  readonly records: FeedbackRecord[];
  readonly badLineCount: number;
  /** The first MAX_REPORTED_PROBLEMS bad lines, in key then line order. */
  readonly badLines: BadLine[];
}

/** Objects read at once: many small feedback files, each a round trip. */
const READ_CONCURRENCY = 8;
/** Keeps a report of bad lines within a state machine payload. */
const MAX_PROBLEM_LENGTH = 300;

async function readObject(s3: S3Client, bucket: string, key: string): Promise<Omit<FeedbackRead, 'objects'>> {
  const { lines } = await objectLines(s3, bucket, key);
  const records: FeedbackRecord[] = [];
  const badLines: BadLine[] = [];
  let badLineCount = 0;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim().length === 0) continue;
    const { record, problem } = parseFeedbackLine(line);
    if (record !== undefined) {
      records.push(record);
      continue;
    }
    badLineCount += 1;
    if (badLines.length < MAX_REPORTED_PROBLEMS) badLines.push({ key, line: lineNumber, problem: (problem ?? 'not a feedback record').slice(0, MAX_PROBLEM_LENGTH) });
  }
  return { records, badLineCount, badLines };
}

/**
 * Reads every feedback object under the prefix (all pages of the listing),
 * line by line, streaming. A bad line is counted and reported with its key
 * and line number, never fatal: one malformed write must not stop the
 * dataset. Reads only; feedback is never changed.
 */
export async function readFeedback(s3: S3Client, bucket: string, prefix: string): Promise<FeedbackRead> {
  const keys = await listKeys(s3, bucket, prefix);
  const records: FeedbackRecord[] = [];
  const badLines: BadLine[] = [];
  let badLineCount = 0;
  for (let start = 0; start < keys.length; start += READ_CONCURRENCY) {
    const reads = await Promise.all(keys.slice(start, start + READ_CONCURRENCY).map((key) => readObject(s3, bucket, key)));
    for (const read of reads) {
      records.push(...read.records);
      badLineCount += read.badLineCount;
      badLines.push(...read.badLines.slice(0, MAX_REPORTED_PROBLEMS - badLines.length));
    }
  }
  return { objects: keys.length, records, badLineCount, badLines };
}
