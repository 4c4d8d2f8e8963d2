import type { JsonSchema } from './json-schema';

/** A tool the model may call: its Converse tool spec and how to run it. */
export interface AgentTool {
  /** `^[a-zA-Z0-9_-]{1,64}$`, unique in the registry. */
  readonly name: string;
  /** What the tool does and when to use it, for the model. */
  readonly description: string;
  /** The input schema, in the subset of ./json-schema; the input is checked against it before `run`. */
  readonly inputSchema: JsonSchema;
  /**
   * Runs the tool on an input that matches the schema; the object returned
   * is the tool result the model reads. A ToolError's message goes to the
   * model; any other error is logged and the model reads only that the tool
   * failed. The signal aborts when the tool's time is up.
   */
  readonly run: (input: Record<string, unknown>, signal: AbortSignal) => Promise<Record<string, unknown>>;
}

/** A tool failure the model may read and act on (a bad time zone, an error the tool's function reported). */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** Text from elsewhere put in a message for the model: at most `max` characters. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
