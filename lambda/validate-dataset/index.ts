import { S3Client } from '@aws-sdk/client-s3';
import { validateDataset, type ValidateDatasetInput, type ValidateDatasetOutput } from './validate';

const s3 = new S3Client({});

/** Checks the train and validation splits of a fine-tuning run (see validate.ts). */
export async function handler(event: Partial<ValidateDatasetInput>): Promise<ValidateDatasetOutput> {
  return validateDataset(s3, event);
}
