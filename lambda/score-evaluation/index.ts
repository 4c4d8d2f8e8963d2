import { S3Client } from '@aws-sdk/client-s3';
import { scoreEvaluation, type ScoreInput, type ScoreOutput } from './score';

const s3 = new S3Client({});

/** Scores an evaluation run and writes its report (see score.ts). */
export async function handler(event: Partial<ScoreInput>): Promise<ScoreOutput> {
  return scoreEvaluation(s3, event);
}
