import { createHash } from 'node:crypto';

/**
 * The JSONL formats the adapt and align stages train on, and a streaming
 * checker that reports bad records by line number before any GPU hour is
 * spent. Pure: no AWS calls (the validate-dataset Lambda feeds it lines).
 *
 * - `sft`: `{"prompt": "...", "completion": "..."}` or
 *   `{"messages": [{"role": "system" | "user" | "assistant", "content": "..."}, ...]}`
 *   ending with an assistant message;
 * - `dpo`: `{"prompt": "...", "chosen": "...", "rejected": "..."}` with chosen != rejected;
 * - `pretrain`: `{"text": "..."}`, plain text that pre-training packs into
 *   context-length blocks (a long record is counted, not refused);
 * - `prompt-completion`: `{"prompt": "...", "completion": "..."}` only, as
 *   Bedrock fine-tunes most of its models on;
 * - `bedrock-conversation`: Bedrock's `bedrock-conversation-2024` schema for
 *   Amazon Nova: `{"schemaVersion": "bedrock-conversation-2024", "system": [{"text"}],
 *   "messages": [{"role": "user" | "assistant", "content": [{"text"}]}, ...]}`,
 *   turns alternating from the user's to the assistant's answer.
 */

export const DATASET_FORMATS = ['sft', 'dpo', 'pretrain', 'prompt-completion', 'bedrock-conversation'] as const;
/** The schemaVersion of Bedrock's conversation records. */
export const BEDROCK_CONVERSATION_SCHEMA = 'bedrock-conversation-2024';
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

const CHAT_ROLES = ['system', 'user', 'assistant'];
/** Problems kept in a report: enough to fix a file, small enough for a state machine payload. */
export const MAX_REPORTED_PROBLEMS = 20;

export interface RecordProblem {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly message: string;
}

export interface DatasetReport {
  /** Non-blank lines read. */
  readonly records: number;
  readonly validRecords: number;
  /** Records whose content repeats an earlier record's (counted, not an error). */
  readonly duplicates: number;
  /** Records with an empty or blank field. */
  readonly emptyFields: number;
  /** Records whose estimated tokens exceed the context length (a problem, except in pre-training, which splits them). */
  readonly overContext: number;
  /** Largest token estimate of a record. */
  readonly maxTokens: number;
  /** Problems beyond the first MAX_REPORTED_PROBLEMS are counted here only. */
  readonly problemCount: number;
  readonly problems: RecordProblem[];
}

/**
 * A rough token count: the larger of characters / 4 and words x 1.3, the
 * usual ratios of English text under BPE tokenizers. It errs high, so a
 * record it passes fits the context.
 */
export function estimateTokens(text: string): number {
  const words = text.trim().length === 0 ? 0 : text.trim().split(/\s+/).length;
  return Math.max(Math.ceil(text.length / 4), Math.ceil(words * 1.3));
}

type Parsed = { texts: string[]; problem?: string; empty?: boolean };

function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim().length === 0;
}

function checkFields(record: Record<string, unknown>, fields: readonly string[]): Parsed {
  const unknown = Object.keys(record).filter((key) => !fields.includes(key));
  if (unknown.length > 0) return { texts: [], problem: `unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${fields.join(', ')}` };
  const missing = fields.filter((field) => record[field] === undefined);
  if (missing.length > 0) return { texts: [], problem: `missing ${missing.join(', ')}` };
  const notText = fields.filter((field) => typeof record[field] !== 'string');
  if (notText.length > 0) return { texts: [], problem: `${notText.join(', ')} must be text` };
  const blank = fields.filter((field) => isBlank(record[field]));
  if (blank.length > 0) return { texts: [], problem: `empty ${blank.join(', ')}`, empty: true };
  return { texts: fields.map((field) => record[field] as string) };
}

function checkMessages(messages: unknown): Parsed {
  if (!Array.isArray(messages) || messages.length < 2) return { texts: [], problem: 'messages must be a list of at least two turns' };
  const texts: string[] = [];
  for (const [index, message] of messages.entries()) {
    const { role, content } = (message ?? {}) as Record<string, unknown>;
    if (typeof role !== 'string' || !CHAT_ROLES.includes(role)) {
      return { texts: [], problem: `messages[${index}].role received ${JSON.stringify(role)}; allowed: ${CHAT_ROLES.join(' | ')}` };
    }
    if (isBlank(content)) return { texts: [], problem: `empty messages[${index}].content`, empty: true };
    texts.push(content as string);
  }
  if ((messages[messages.length - 1] as { role: string }).role !== 'assistant') {
    return { texts: [], problem: 'the last message must be the assistant\'s answer' };
  }
  return { texts };
}

/** The texts of a list of `{"text": "..."}` blocks. */
function textBlocks(blocks: unknown, where: string): Parsed {
  if (!Array.isArray(blocks) || blocks.length === 0) return { texts: [], problem: `${where} must be a list of {"text": "..."} blocks` };
  const texts: string[] = [];
  for (const [index, block] of blocks.entries()) {
    const keys = block !== null && typeof block === 'object' ? Object.keys(block) : [];
    if (keys.length !== 1 || keys[0] !== 'text') return { texts: [], problem: `${where}[${index}] must be {"text": "..."}` };
    const text = (block as { text: unknown }).text;
    if (isBlank(text)) return { texts: [], problem: `empty ${where}[${index}].text`, empty: true };
    texts.push(text as string);
  }
  return { texts };
}

function checkConversation(record: Record<string, unknown>): Parsed {
  const allowed = ['schemaVersion', 'system', 'messages'];
  const unknown = Object.keys(record).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) return { texts: [], problem: `unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${allowed.join(', ')}` };
  if (record.schemaVersion !== BEDROCK_CONVERSATION_SCHEMA) return { texts: [], problem: `schemaVersion received ${JSON.stringify(record.schemaVersion)}; allowed: "${BEDROCK_CONVERSATION_SCHEMA}"` };
  const texts: string[] = [];
  if (record.system !== undefined) {
    const system = textBlocks(record.system, 'system');
    if (system.problem !== undefined) return system;
    texts.push(...system.texts);
  }
  const messages = record.messages;
  if (!Array.isArray(messages) || messages.length < 2) return { texts: [], problem: 'messages must be a list of at least two turns' };
  for (const [index, message] of messages.entries()) {
    const { role, content } = (message ?? {}) as Record<string, unknown>;
    const expected = index % 2 === 0 ? 'user' : 'assistant';
    if (role !== expected) return { texts: [], problem: `messages[${index}].role received ${JSON.stringify(role)}; allowed: "${expected}" (turns alternate, from the user's)` };
    const blocks = textBlocks(content, `messages[${index}].content`);
    if (blocks.problem !== undefined) return blocks;
    texts.push(...blocks.texts);
  }
  if (messages.length % 2 !== 0) return { texts: [], problem: 'the last message must be the assistant\'s answer' };
  return { texts };
}

function parseRecord(format: DatasetFormat, record: Record<string, unknown>): Parsed {
  if (format === 'pretrain') return checkFields(record, ['text']);
  if (format === 'prompt-completion') return checkFields(record, ['prompt', 'completion']);
  if (format === 'bedrock-conversation') return checkConversation(record);
  if (format === 'dpo') {
    const parsed = checkFields(record, ['prompt', 'chosen', 'rejected']);
    if (parsed.problem === undefined && (record.chosen as string).trim() === (record.rejected as string).trim()) {
      return { texts: [], problem: 'chosen and rejected are the same answer' };
    }
    return parsed;
  }
  if ('messages' in record) {
    const unknown = Object.keys(record).filter((key) => key !== 'messages');
    if (unknown.length > 0) return { texts: [], problem: `unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')} beside messages` };
    return checkMessages(record.messages);
  }
  return checkFields(record, ['prompt', 'completion']);
}

/** Checks a JSONL file line by line: feed `add()` every line, then read `report()`. */
export class DatasetChecker {
  private lineNumber = 0;
  private records = 0;
  private validRecords = 0;
  private duplicates = 0;
  private emptyFields = 0;
  private overContext = 0;
  private maxTokens = 0;
  private problemCount = 0;
  private readonly problems: RecordProblem[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly format: DatasetFormat,
    /** Largest sequence, in tokens, the model is trained on. */
    private readonly contextLength: number,
  ) {
    if (!DATASET_FORMATS.includes(format)) throw new Error(`format received ${JSON.stringify(format)}; allowed: ${DATASET_FORMATS.join(' | ')}`);
  }

  public add(line: string): void {
    this.lineNumber += 1;
    if (line.trim().length === 0) return;
    this.records += 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      this.problem(`not JSON: ${(error as Error).message}`);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.problem('not a JSON object');
      return;
    }
    const parsed = parseRecord(this.format, value as Record<string, unknown>);
    if (parsed.empty === true) this.emptyFields += 1;
    if (parsed.problem !== undefined) {
      this.problem(parsed.problem);
      return;
    }
    const tokens = parsed.texts.reduce((sum, text) => sum + estimateTokens(text), 0);
    this.maxTokens = Math.max(this.maxTokens, tokens);
    if (tokens > this.contextLength) this.overContext += 1;
    if (tokens > this.contextLength && this.format !== 'pretrain') {
      this.problem(`about ${tokens} tokens, more than the context length ${this.contextLength}`);
      return;
    }
    const digest = createHash('sha256').update(JSON.stringify(parsed.texts.map((text) => text.trim()))).digest('hex');
    if (this.seen.has(digest)) this.duplicates += 1;
    else this.seen.add(digest);
    this.validRecords += 1;
  }

  public report(): DatasetReport {
    return {
      records: this.records,
      validRecords: this.validRecords,
      duplicates: this.duplicates,
      emptyFields: this.emptyFields,
      overContext: this.overContext,
      maxTokens: this.maxTokens,
      problemCount: this.problemCount,
      problems: [...this.problems],
    };
  }

  private problem(message: string): void {
    this.problemCount += 1;
    if (this.problems.length < MAX_REPORTED_PROBLEMS) this.problems.push({ line: this.lineNumber, message });
  }
}

/** Whether a split can be trained on: at least one record, and none bad. */
export function usable(report: DatasetReport): boolean {
  return report.records > 0 && report.problemCount === 0;
}
