import { KitError, describe } from '../../lib/errors';
import { S3_BUCKET_NAME } from '../shared/names';

/** The feedback Lambda's settings, from its environment (set by the augment construct). */
export interface FeedbackConfig {
  readonly bucket: string;
  /** Prefix the align stage reads feedback from: "" or ending with "/". */
  readonly prefix: string;
}

export const DEFAULT_FEEDBACK_PREFIX = 'feedback/';

/** The settings from the environment; throws KitError naming every wrong variable. */
export function readFeedbackConfig(env: Readonly<Record<string, string | undefined>>): FeedbackConfig {
  const bucket = env.FEEDBACK_BUCKET;
  const prefix = env.FEEDBACK_PREFIX ?? DEFAULT_FEEDBACK_PREFIX;
  const problems = [
    ...(bucket !== undefined && S3_BUCKET_NAME.test(bucket) ? [] : [`FEEDBACK_BUCKET: received ${describe(bucket)}; allowed: a bucket name (not an s3:// URL or ARN)`]),
    ...(prefix === '' || (prefix.endsWith('/') && !prefix.startsWith('/')) ? [] : [`FEEDBACK_PREFIX: received ${describe(prefix)}; allowed: a prefix ending with "/" (not starting with one), or "" for the bucket root`]),
  ];
  if (problems.length > 0) throw new KitError('feedback: the environment is invalid:', problems);
  return { bucket: bucket as string, prefix };
}
