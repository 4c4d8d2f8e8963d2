import { createHash } from 'node:crypto';
import { formatIssue } from '../../lib/config/issues';
import { evaluationRecordSchema, type EvaluationRecord } from '../../lib/evaluate/record';
import type { Candidate } from './input';

/** A record of the batch with the id its prediction carries. */
export interface IdentifiedRecord {
  readonly id: string;
  readonly record: EvaluationRecord;
}

/** Records of the batch that are not evaluation records; nothing was invoked. */
export class EvaluationRecordInvalidError extends Error {
  constructor(
    message: string,
    public readonly problems: readonly string[],
  ) {
    super(message);
    this.name = 'EvaluationRecordInvalid';
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The id of a record: its `id`, else `sha256-` and the first 24 hex digits of
 * the SHA-256 of its content (prompt, variables sorted by name, reference).
 *
 * A JSONL ItemReader gives the Lambda no line number, so the id must come from
 * the record itself. The content hash is the same whichever batch, run or
 * retry the record is in, and does not depend on key order or formatting
 * (Step Functions re-serializes each line). Identical records get the same
 * id: give records an `id` when the dataset may repeat one.
 */
export function recordId(record: EvaluationRecord): string {
  if (record.id !== undefined) return record.id;
  const content = JSON.stringify({
    prompt: record.prompt ?? null,
    variables: record.variables === undefined ? null : Object.keys(record.variables).sort().map((name) => [name, record.variables?.[name]]),
    reference: typeof record.reference === 'string' ? record.reference : record.reference.map((item) => (typeof item === 'string' ? item : [item.type, item.text])),
  });
  return `sha256-${sha256(content).slice(0, 24)}`;
}

/**
 * The batch's id: the SHA-256 (hex) of its record ids, sorted. A retried
 * batch holds the same records, so it writes the same file again and no
 * other.
 */
export function batchId(ids: readonly string[]): string {
  return sha256([...ids].sort().join('\n'));
}

/** What a candidate of this kind sends: the prompt as is, or the variables of a prompt template. */
function kindProblem(record: EvaluationRecord, candidate: Candidate): string | undefined {
  if (candidate.kind === 'prompt' && record.variables === undefined) {
    return 'prompt: received a prompt; allowed: variables (the candidate is a prompt template, rendered with each record\'s variables)';
  }
  if (candidate.kind !== 'prompt' && record.prompt === undefined) {
    return `variables: received variables; allowed: a prompt (the candidate is ${candidate.kind === 'bedrock' ? 'a Bedrock model' : 'served by a SageMaker endpoint'}, which is sent each record's prompt as is)`;
  }
  return undefined;
}

/** How a bad item is named in the error: its id when it has one, else its place in the batch. */
function describeItem(item: unknown, index: number): string {
  const id = item !== null && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0 ? `record ${JSON.stringify(id)}` : `item ${index + 1} of the batch (no id)`;
}

/**
 * Validates every item of the batch against the evaluation record format
 * and the candidate's kind, and gives each its id. Throws one
 * EvaluationRecordInvalidError naming every bad record and its problems.
 */
export function checkRecords(items: readonly unknown[], candidate: Candidate): IdentifiedRecord[] {
  const problems: string[] = [];
  const records: IdentifiedRecord[] = [];
  items.forEach((item, index) => {
    const parsed = evaluationRecordSchema.safeParse(item, { reportInput: true });
    const lines = parsed.success ? [kindProblem(parsed.data, candidate)].filter((line) => line !== undefined) : parsed.error.issues.flatMap((issue) => formatIssue(issue, evaluationRecordSchema, item));
    if (lines.length > 0 || !parsed.success) {
      problems.push(...lines.map((line) => `${describeItem(item, index)}: ${line}`));
      return;
    }
    records.push({ id: recordId(parsed.data), record: parsed.data });
  });
  if (problems.length > 0) {
    throw new EvaluationRecordInvalidError(`the batch has records that are not evaluation records; nothing was invoked:\n${problems.map((line) => `  - ${line}`).join('\n')}`, problems);
  }
  return records;
}
