import type { IConstruct } from 'constructs';

/**
 * The one error class of the kit. Every message names where the problem is
 * (a config path or a construct path and prop), the value received and what
 * is allowed, so the reader can fix it without reading the code.
 */
export class KitError extends Error {
  /** Each problem found, one line each (a config file reports them all at once). */
  public readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = []) {
    super(problems.length > 0 ? `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}` : message);
    this.name = 'KitError';
    this.problems = problems;
  }

  /** A construct prop that is out of range: `path: prop received X; allowed: Y`. */
  static invalidProp(scope: IConstruct, prop: string, received: unknown, allowed: string): KitError {
    return new KitError(`${scope.node.path}: ${prop} received ${describe(received)}; allowed: ${allowed}`);
  }
}

/** A short, single-line rendering of a received value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
