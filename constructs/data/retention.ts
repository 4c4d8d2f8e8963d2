/**
 * S3 lifecycle rules of one bucket class, in whole days, and the checks S3
 * applies to them. Kept free of CDK types so the config schema and the
 * DataLake construct check retention with the same function.
 */

/** Storage classes a current object version can move to, in S3's waterfall order. */
export const ARCHIVE_STORAGE_CLASSES = [
  'STANDARD_IA',
  'INTELLIGENT_TIERING',
  'ONEZONE_IA',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
] as const;

export type ArchiveStorageClass = (typeof ARCHIVE_STORAGE_CLASSES)[number];

/** Move current versions to another storage class some days after creation. */
export interface ArchiveTransition {
  /** The target storage class (S3 API name). */
  readonly storageClass: ArchiveStorageClass;
  /** Days after object creation. */
  readonly afterDays: number;
}

/** Lifecycle of one bucket class of the data lake. */
export interface BucketRetention {
  /** Days a noncurrent (overwritten or deleted) version is kept before it expires. */
  readonly noncurrentVersionExpirationDays: number;
  /**
   * Days after creation when current versions expire (become noncurrent).
   * @default - current versions never expire
   */
  readonly expirationDays?: number;
  /**
   * Archive transitions of current versions, in increasing days.
   * @default - objects stay in S3 Standard
   */
  readonly transitions?: readonly ArchiveTransition[];
}

/** One problem found in a retention, with the field it concerns. */
export interface RetentionProblem {
  /** Field of the retention, e.g. `transitions.1.afterDays`. */
  readonly field: string;
  /** The value found there. */
  readonly received: unknown;
  /** What S3 allows there, and why. */
  readonly allowed: string;
}

/** Infrequent-access classes: S3 requires 30 days in them, and 30 days before moving there. */
const INFREQUENT_ACCESS: readonly ArchiveStorageClass[] = ['STANDARD_IA', 'ONEZONE_IA'];
const MIN_INFREQUENT_ACCESS_DAYS = 30;

/**
 * The problems S3 would reject (or that would lose data silently) in a
 * retention: infrequent-access transitions before day 30, transitions out of
 * waterfall order or less than 30 days after an infrequent-access one, and an
 * expiration that comes before the last transition.
 */
export function retentionProblems(retention: BucketRetention): RetentionProblem[] {
  const problems: RetentionProblem[] = [];
  const transitions = retention.transitions ?? [];
  transitions.forEach((transition, index) => {
    const field = `transitions.${index}`;
    if (!Number.isInteger(transition.afterDays) || transition.afterDays < 0) {
      problems.push({ field: `${field}.afterDays`, received: transition.afterDays, allowed: 'a whole number of days >= 0' });
      return;
    }
    if (INFREQUENT_ACCESS.includes(transition.storageClass) && transition.afterDays < MIN_INFREQUENT_ACCESS_DAYS) {
      problems.push({
        field: `${field}.afterDays`,
        received: transition.afterDays,
        allowed: `${MIN_INFREQUENT_ACCESS_DAYS} or more for ${transition.storageClass} (S3 keeps objects 30 days in Standard before infrequent access)`,
      });
    }
    const previous = transitions[index - 1];
    if (previous === undefined) return;
    const order = ARCHIVE_STORAGE_CLASSES.indexOf(transition.storageClass);
    if (order <= ARCHIVE_STORAGE_CLASSES.indexOf(previous.storageClass)) {
      problems.push({
        field: `${field}.storageClass`,
        received: transition.storageClass,
        allowed: `a class colder than ${previous.storageClass}, in the order ${ARCHIVE_STORAGE_CLASSES.join(' > ')}`,
      });
    }
    const gap = INFREQUENT_ACCESS.includes(previous.storageClass) ? MIN_INFREQUENT_ACCESS_DAYS : 1;
    if (transition.afterDays < previous.afterDays + gap) {
      problems.push({
        field: `${field}.afterDays`,
        received: transition.afterDays,
        allowed: `${previous.afterDays + gap} or more (the previous transition, to ${previous.storageClass}, is on day ${previous.afterDays})`,
      });
    }
  });
  const last = transitions[transitions.length - 1];
  if (retention.expirationDays !== undefined && last !== undefined && retention.expirationDays <= last.afterDays) {
    problems.push({
      field: 'expirationDays',
      received: retention.expirationDays,
      allowed: `more than ${last.afterDays} (the last transition, to ${last.storageClass})`,
    });
  }
  return problems;
}
