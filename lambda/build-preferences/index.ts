import { S3Client } from '@aws-sdk/client-s3';
import { buildPreferences, type BuildPreferencesOutput } from './build';

const s3 = new S3Client({});

/** Builds the align stage's preference dataset from the feedback in S3 (see build.ts). */
export async function handler(event: unknown): Promise<BuildPreferencesOutput> {
  return buildPreferences(s3, event);
}
