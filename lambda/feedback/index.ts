import { S3Client } from '@aws-sdk/client-s3';
import { createFeedbackHandler } from './feedback';

// The write is retried by lambda/shared/retry.ts only (S3's 409 conflict included): one SDK attempt.
const s3 = new S3Client({ maxAttempts: 1 });

/** POST /feedback: one rating or preference stored for the align stage (see feedback.ts). */
export const handler = createFeedbackHandler(s3, process.env);
