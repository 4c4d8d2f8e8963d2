import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/**
 * The S3 reads the kit's handlers share: every key under a prefix (all
 * pages), and an object's lines streamed one by one, so a large JSONL file
 * never sits in memory whole.
 */

/** Every key under the prefix, all pages of the listing, "folder" placeholders (keys ending with /) left out. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) if (object.Key !== undefined && !object.Key.endsWith('/')) keys.push(object.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

/** An object's lines, blank ones included (line numbers stay true), with the version read. */
export async function objectLines(s3: S3Client, bucket: string, key: string): Promise<{ readonly lines: AsyncIterable<string>; readonly versionId?: string }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const lines: AsyncIterable<string> = object.Body === undefined ? (async function* () {})() : readline.createInterface({ input: object.Body as Readable, crlfDelay: Infinity });
  return { lines, versionId: object.VersionId };
}
