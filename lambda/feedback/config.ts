import { KitError, describe } from '../../lib/errors';

/** The feedback Lambda's settings, from its environment (set by the augment construct). */
export interface FeedbackConfig {
  readonly bucket: string;
  /** Prefix the align stage reads feedback from: "" or ending with "/". */
  readonly prefix: string;
}

export const DEFAULT_FEEDBACK_PREFIX = 'feedback/';
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The settings from the environment; throws KitError naming every wrong variable. */
export function readFeedbackConfig(env: Readonly<Record<string, string | undefined>>): FeedbackConfig {
  const bucket = env.FEEDBACK_BUCKET;
  const prefix = env.FEEDBACK_PREFIX ?? DEFAULT_FEEDBACK_PREFIX;
  const problems = [
    ...(bucket !== undefined && BUCKET_NAME.test(bucket) ? [] : [`FEEDBACK_BUCKET: received ${describe(bucket)}; allowed: a bucket name (not an s3:// URL or ARN)`]),
    ...(prefix === '' || (prefix.endsWith('/') && !prefix.startsWith('/')) ? [] : [`FEEDBACK_PREFIX: received ${describe(prefix)}; allowed: a prefix ending with "/" (not starting with one), or "" for the bucket root`]),
  ];
  if (problems.length > 0) throw new KitError('feedback: the environment is invalid:', problems);
  return { bucket: bucket as string, prefix };
}
