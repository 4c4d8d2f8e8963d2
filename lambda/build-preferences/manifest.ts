import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from '../../lib/validation/zod-mini';

/** Name of the manifest of the latest dataset, under the dataset prefix. */
export const MANIFEST_NAME = 'latest.json';

const manifestSchema = z.object({
  version: z.literal(1),
  datasetId: z.string().check(z.minLength(1)),
  createdAt: z.iso.datetime(),
  bucket: z.string().check(z.minLength(1)),
  trainKey: z.string().check(z.minLength(1)),
  validationKey: z.string().check(z.minLength(1)),
  trainVersionId: z.optional(z.string()),
  validationVersionId: z.optional(z.string()),
  validationFraction: z.number(),
  trainPairs: z.int().check(z.nonnegative()),
  validationPairs: z.int().check(z.nonnegative()),
  /** pairHash of every pair of the dataset, sorted. */
  pairHashes: z.array(z.string().check(z.regex(/^[0-9a-f]{64}$/))),
});

/**
 * What the latest preference dataset holds: where it is (keys and S3
 * versions: the lineage of a model trained on it) and a hash per pair, so
 * the next run can tell which pairs are new.
 */
export type DatasetManifest = z.infer<typeof manifestSchema>;

export interface StoredManifest {
  readonly manifest: DatasetManifest;
  /** ETag read, so the next write replaces exactly this manifest. */
  readonly etag?: string;
}

/** The manifest exists but is not one: building on it could repeat or lose pairs. */
export class ManifestInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestInvalid';
  }
}

async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads the manifest; undefined when there is none yet (the first dataset). Other S3 errors go through. */
export async function readManifest(s3: S3Client, bucket: string, key: string): Promise<StoredManifest | undefined> {
  // A GetObject of a missing key answers AccessDenied, not NoSuchKey, to a role whose ListBucket is narrowed to a
  // prefix (S3 checks ListBucket without the prefix there): list first, which the narrowed grant allows.
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
  if (!(listed.Contents ?? []).some((object) => object.Key === key)) return undefined;
  let object;
  try {
    object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
  const where = `s3://${bucket}/${key}${object.VersionId === undefined ? '' : ` (version ${object.VersionId})`}`;
  const fix = 'restore its previous version (the bucket is versioned) and run again';
  let value: unknown;
  try {
    value = JSON.parse(object.Body === undefined ? '' : await readText(object.Body as Readable));
  } catch (error) {
    throw new ManifestInvalidError(`${where} is not JSON (${(error as Error).message}); ${fix}`);
  }
  const result = manifestSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(manifest)'}: ${issue.message}`).join('; ');
    throw new ManifestInvalidError(`${where} is not a dataset manifest: ${problems}; ${fix}`);
  }
  return { manifest: result.data, etag: object.ETag };
}

/**
 * Writes the manifest only over the one read (or only if there was none):
 * a run started meanwhile makes this fail with S3's PreconditionFailed
 * instead of one run silently replacing the other's manifest. Returns the
 * S3 version written.
 */
export async function writeManifest(s3: S3Client, bucket: string, key: string, manifest: DatasetManifest, previous?: StoredManifest): Promise<string | undefined> {
  const condition = previous?.etag !== undefined ? { IfMatch: previous.etag } : previous === undefined ? { IfNoneMatch: '*' } : {};
  const written = await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(manifest), ContentType: 'application/json', ...condition }),
  );
  return written.VersionId;
}
