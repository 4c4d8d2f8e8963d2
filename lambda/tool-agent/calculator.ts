/**
 * The calculator tool offered to the model by the tool-calling Lambda: a
 * hand-written tokenizer and recursive-descent parser (no `eval`, no
 * `Function`, no lookup on object prototypes) over exact rational arithmetic
 * (./decimal). Every failure is a value naming what is wrong and where, so
 * the model can correct its call.
 *
 * Grammar, loosest binding first:
 *
 *   expression := term (("+" | "-") term)*
 *   term       := unary (("*" | "/" | "%") unary)*
 *   unary      := ("+" | "-") unary | power
 *   power      := primary (("^" | "**") unary)?
 *   primary    := number | function "(" expression ("," expression)* ")" | "(" expression ")"
 *   number     := digits ["." [digits]] [exponent] | "." digits [exponent];  exponent := ("e" | "E") ["+" | "-"] digits
 *
 * Choices:
 * - `^` binds tighter than a sign on its left and is right-associative, as
 *   in mathematics (and Python's `**`): `-2^2` is -4, `2^3^2` is 2^9 = 512,
 *   `2^-1` is 0.5. `**` is accepted as another spelling of `^`.
 * - Exponents are integers from -maxExponent to maxExponent; a fractional
 *   exponent is an error that points to `sqrt`. `0^0` is 1.
 * - `%` is modulo only, floored: the result has the sign of the divisor, as
 *   in Python (`-7 % 3` is 2, `7 % -3` is -2); it applies to fractions too
 *   (`5.5 % 2` is 1.5). There is no postfix percent: write `x * 15 / 100`.
 * - Numbers are decimal only: no digit separators (`1_000`, `1,000`), no
 *   hexadecimal, no implicit multiplication (`2x`, `2(3)`), no variables or
 *   constants (`pi` is an unknown identifier).
 * - `round(x, digits)` rounds half away from zero (2.5 -> 3, 0.125 -> 0.13
 *   with 2 digits), as people and spreadsheets do; digits may be negative
 *   (`round(1250, -2)` is 1300). A result that cannot be written in full is
 *   rounded half-even instead (see toDecimalString), as IEEE decimal128.
 * - `sqrt` is exact on perfect squares (`sqrt(2.25)` is 1.5); otherwise it
 *   is computed to precision + 10 significant digits, and the result of the
 *   whole expression is rounded to the precision and flagged `exact: false`
 *   (so `sqrt(2)^2` is "2", not exact).
 * - Positions are 0-based indexes into the expression.
 */
import { Rational, toDecimalString } from './decimal';

export interface CalculatorOptions {
  /**
   * Significant digits of a result that is not written in full (a
   * non-terminating fraction such as 1/3, or a value longer than maxExactDigits).
   * @default 34 (as IEEE 754 decimal128)
   */
  readonly precision?: number;
  /** Longest exact result written in full, in digits. @default 1000 */
  readonly maxExactDigits?: number;
  /** Longest expression, in characters. @default 1000 */
  readonly maxLength?: number;
  /** Most tokens (numbers, names, operators, parentheses, commas). @default 500 */
  readonly maxTokens?: number;
  /** Deepest nesting of parentheses, function calls, signs and exponents. @default 100 */
  readonly maxDepth?: number;
  /**
   * Most decimal digits in the numerator or denominator of any value, literal
   * or intermediate. Reducing fractions costs time quadratic in this size: the
   * worst 1,000-character expressions measured take about 0.5 s at 2,000
   * digits, but 15 s at 10,000.
   * @default 2000
   */
  readonly maxDigits?: number;
  /** Largest magnitude of an exponent of `^`. @default 1000 */
  readonly maxExponent?: number;
}

export const CALCULATOR_DEFAULTS: Readonly<Required<CalculatorOptions>> = {
  precision: 34,
  maxExactDigits: 1000,
  maxLength: 1000,
  maxTokens: 500,
  maxDepth: 100,
  maxDigits: 2000,
  maxExponent: 1000,
};

export type CalculatorResult =
  | { readonly ok: true; readonly value: string; readonly exact: boolean }
  | { readonly ok: false; readonly error: string; readonly position?: number };

type Limits = Required<CalculatorOptions>;

/** Extra digits of an inexact square root, so that rounding the result to the precision stays correct. */
const SQRT_GUARD_DIGITS = 10;

/** Functions by name, with their arity (min, max). A Map: `constructor` or `__proto__` find nothing. */
const FUNCTIONS = new Map<string, readonly [number, number]>([
  ['sqrt', [1, 1]],
  ['abs', [1, 1]],
  ['round', [1, 2]],
  ['floor', [1, 1]],
  ['ceil', [1, 1]],
  ['min', [1, Infinity]],
  ['max', [1, Infinity]],
]);
const SUPPORTED = `use numbers, + - * / % ^, parentheses and the functions ${[...FUNCTIONS.keys()].join(', ')}`;

/**
 * Evaluates an arithmetic expression exactly. Never throws on any expression;
 * throws a RangeError only on invalid options (a programming error).
 */
export function evaluate(expression: string, options: CalculatorOptions = {}): CalculatorResult {
  const limits = resolveLimits(options);
  if (typeof expression !== 'string') return { ok: false, error: 'the expression must be a string' };
  if (expression.length > limits.maxLength) {
    return { ok: false, error: `expression too long: ${expression.length} characters, at most ${limits.maxLength}` };
  }
  try {
    const tree = new Parser(expression, limits).parse();
    const evaluator = new Evaluator(limits);
    const value = evaluator.evaluate(tree);
    const { text, exact } = toDecimalString(value, limits, !evaluator.exact);
    return { ok: true, value: text, exact };
  } catch (error) {
    if (error instanceof CalculationError) return { ok: false, error: error.message, ...(error.position === undefined ? {} : { position: error.position }) };
    // An engine limit (BigInt size, call stack) the bounds above should prevent: still an answer, not a crash.
    if (error instanceof RangeError) return { ok: false, error: `expression too complex to evaluate: ${error.message}` };
    throw error;
  }
}

function resolveLimits(options: CalculatorOptions): Limits {
  const limits = { ...CALCULATOR_DEFAULTS };
  for (const name of Object.keys(limits) as (keyof Limits)[]) {
    const value = options[name] ?? limits[name];
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`calculator option ${name} must be a positive integer, got ${value}`);
    limits[name] = value;
  }
  return limits;
}

/** A failure the model can act on: what is wrong, where, and (optionally) how to write it instead. */
class CalculationError extends Error {
  constructor(
    what: string,
    readonly position?: number,
    hint?: string,
  ) {
    super(`${what}${position === undefined ? '' : ` at position ${position}`}${hint ? `: ${hint}` : ''}`);
  }
}

/** Input echoed in a message: quoted, escaped, shortened. */
const quote = (text: string): string => JSON.stringify(text.length > 30 ? `${text.slice(0, 30)}...` : text);

// ---------------------------------------------------------------------------
// Tokenizer

type TokenKind = 'number' | 'name' | 'operator' | 'open' | 'close' | 'comma' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly position: number;
}

// Sticky patterns, each linear in the input (no nested quantifiers).
const WHITESPACE = /\s*/y;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORD = /[\w.]+/y;
const NAME = /[A-Za-z_]\w*/y;
const OPERATOR = /\*\*|[-+*/%^]/y;
const PUNCTUATION: Readonly<Record<string, TokenKind>> = { '(': 'open', ')': 'close', ',': 'comma' };

function matchAt(pattern: RegExp, source: string, position: number): string | undefined {
  pattern.lastIndex = position;
  return pattern.exec(source)?.[0];
}

/** Reads tokens one at a time, as the parser asks: errors come in reading order. */
class Lexer {
  private position = 0;
  private count = 0;

  constructor(
    private readonly source: string,
    private readonly maxTokens: number,
  ) {}

  next(): Token {
    this.position += matchAt(WHITESPACE, this.source, this.position)?.length ?? 0;
    const position = this.position;
    if (position >= this.source.length) return { kind: 'end', text: '', position };
    if (++this.count > this.maxTokens) throw new CalculationError(`too many tokens (more than ${this.maxTokens})`, position, 'split the calculation into several calls');
    const token = this.read(position);
    this.position += token.text.length;
    return token;
  }

  private read(position: number): Token {
    const char = this.source[position];
    const number = matchAt(NUMBER, this.source, position);
    if (number !== undefined) {
      // A number running into letters, digits, "_" or "." (0x1f, 1_000, 2x, 1.2.3, 1e) is one malformed word.
      const rest = matchAt(WORD, this.source, position + number.length);
      if (rest === undefined) return { kind: 'number', text: number, position };
      const word = number + rest;
      throw new CalculationError(`malformed number ${quote(word)}`, position, word.includes('_')
        ? 'digit separators are not supported, write 1000 rather than 1_000'
        : 'numbers are decimal (12, 0.5, .5, 1e-3) and a number cannot be followed directly by a letter: write * to multiply');
    }
    const name = matchAt(NAME, this.source, position);
    if (name !== undefined) return { kind: 'name', text: name, position };
    const operator = matchAt(OPERATOR, this.source, position);
    if (operator !== undefined) return { kind: 'operator', text: operator, position };
    if (Object.hasOwn(PUNCTUATION, char)) return { kind: PUNCTUATION[char], text: char, position };
    throw new CalculationError(`unexpected character ${quote(String.fromCodePoint(this.source.codePointAt(position) ?? 0))}`, position, SUPPORTED);
  }
}

// ---------------------------------------------------------------------------
// Parser

type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '^';

type Node =
  | { readonly kind: 'number'; readonly value: Rational; readonly position: number }
  | { readonly kind: 'negate'; readonly operand: Node; readonly position: number }
  | { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: Node; readonly right: Node; readonly position: number }
  | CallNode;

interface CallNode {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly Node[];
  readonly position: number;
}

class Parser {
  private readonly lexer: Lexer;
  private token: Token;
  private depth = 0;

  constructor(
    source: string,
    private readonly limits: Limits,
  ) {
    this.lexer = new Lexer(source, limits.maxTokens);
    this.token = this.lexer.next();
    if (this.token.kind === 'end') throw new CalculationError('empty expression', undefined, 'write an arithmetic expression such as 2 * (3 + 4)');
  }

  parse(): Node {
    const tree = this.expression();
    if (this.token.kind === 'close') throw new CalculationError('unbalanced parenthesis', this.token.position, 'this ")" has no matching "("');
    if (this.token.kind !== 'end') throw this.missingOperator('the end of the expression');
    return tree;
  }

  private expression(): Node {
    let node = this.term();
    while (this.atOperator('+', '-')) node = this.binary(node, () => this.term());
    return node;
  }

  private term(): Node {
    let node = this.unary();
    while (this.atOperator('*', '/', '%')) node = this.binary(node, () => this.unary());
    return node;
  }

  private unary(): Node {
    if (!this.atOperator('+', '-')) return this.power();
    const sign = this.advance();
    const operand = this.nested(sign.position, () => this.unary());
    return sign.text === '-' ? { kind: 'negate', operand, position: sign.position } : operand;
  }

  private power(): Node {
    const base = this.primary();
    if (!this.atOperator('^', '**')) return base;
    // The exponent is a unary, which itself may hold a power: right-associative.
    return this.binary(base, () => this.nested(base.position, () => this.unary()));
  }

  private primary(): Node {
    const token = this.token;
    if (token.kind === 'number') {
      this.advance();
      return { kind: 'number', value: this.literal(token), position: token.position };
    }
    if (token.kind === 'name') return this.call();
    if (token.kind !== 'open') {
      const what = token.kind === 'end' ? 'unexpected end of the expression' : `unexpected ${quote(token.text)}`;
      throw new CalculationError(what, token.position, 'expected a number, a function or "("');
    }
    this.advance();
    const node = this.nested(token.position, () => this.expression());
    this.close(token, '")"');
    return node;
  }

  private call(): CallNode {
    // Looked up before reading on, so `process.exit` fails on `process`, not on the dot.
    const arity = FUNCTIONS.get(this.token.text);
    if (arity === undefined) {
      throw new CalculationError(`unknown identifier ${quote(this.token.text)}`, this.token.position, `there are no variables or constants; ${SUPPORTED}`);
    }
    const name = this.advance();
    if (this.token.kind !== 'open') throw new CalculationError(`expected "(" after ${name.text}`, this.token.position, `call it as ${name.text}(x)`);
    const open = this.advance();
    const args = this.nested(name.position, () => {
      if (this.token.kind === 'close') return [];
      const list = [this.expression()];
      while (this.token.kind === 'comma') {
        this.advance();
        list.push(this.expression());
      }
      return list;
    });
    this.close(open, '"," or ")"');
    const [min, max] = arity;
    if (args.length < min || args.length > max) {
      const expected = min === max ? `exactly ${min}` : max === Infinity ? `at least ${min}` : `${min} or ${max}`;
      const noun = (max === Infinity ? min : max) === 1 ? 'argument' : 'arguments';
      throw new CalculationError(`wrong number of arguments to ${name.text}`, name.position, `${name.text} takes ${expected} ${noun}, got ${args.length}`);
    }
    return { kind: 'call', name: name.text, args, position: name.position };
  }

  private literal(token: Token): Rational {
    const exponent = Number(/e([+-]?\d+)$/i.exec(token.text)?.[1] ?? 0);
    const value = Math.abs(exponent) <= this.limits.maxDigits ? Rational.parse(token.text) : undefined;
    if (value === undefined || value.size() > this.limits.maxDigits) throw tooLarge(token.position, this.limits);
    return value;
  }

  private binary(left: Node, right: () => Node): Node {
    const operator = this.advance();
    const rightNode = right();
    const symbol = (operator.text === '**' ? '^' : operator.text) as BinaryOperator;
    return { kind: 'binary', operator: symbol, left, right: rightNode, position: operator.position };
  }

  /** Parses one level deeper: parentheses, calls, signs and exponents all count against maxDepth. */
  private nested<T>(position: number, parse: () => T): T {
    if (++this.depth > this.limits.maxDepth) {
      throw new CalculationError('expression nested too deeply', position, `at most ${this.limits.maxDepth} levels of parentheses, function calls, signs and exponents`);
    }
    const result = parse();
    this.depth -= 1;
    return result;
  }

  private close(open: Token, expected: string): void {
    if (this.token.kind === 'close') this.advance();
    else if (this.token.kind === 'end') throw new CalculationError('unbalanced parenthesis', open.position, 'this "(" is never closed');
    else throw this.missingOperator(expected);
  }

  private missingOperator(alternative: string): CalculationError {
    const { kind, text, position } = this.token;
    const hint = kind === 'comma'
      ? 'a comma only separates function arguments: write 1000, not 1,000'
      : `expected an operator or ${alternative}; write * to multiply`;
    return new CalculationError(`unexpected ${quote(text)}`, position, hint);
  }

  private atOperator(...operators: string[]): boolean {
    return this.token.kind === 'operator' && operators.includes(this.token.text);
  }

  private advance(): Token {
    const token = this.token;
    this.token = this.lexer.next();
    return token;
  }
}

function tooLarge(position: number, limits: Limits): CalculationError {
  return new CalculationError('number too large', position, `a value (numerator or denominator) would need more than ${limits.maxDigits} digits`);
}

// ---------------------------------------------------------------------------
// Evaluator

class Evaluator {
  /** False once an inexact square root took part. */
  exact = true;

  constructor(private readonly limits: Limits) {}

  evaluate(node: Node): Rational {
    switch (node.kind) {
      case 'number':
        return node.value;
      case 'negate':
        return this.evaluate(node.operand).negate();
      case 'binary':
        return this.bounded(this.binary(node.operator, this.evaluate(node.left), this.evaluate(node.right), node.position), node.position);
      case 'call':
        return this.bounded(this.call(node), node.position);
    }
  }

  private binary(operator: BinaryOperator, left: Rational, right: Rational, position: number): Rational {
    switch (operator) {
      case '+':
        return left.plus(right);
      case '-':
        return left.minus(right);
      case '*':
        return left.times(right);
      case '/':
        if (right.sign === 0) throw new CalculationError('division by zero', position);
        return left.dividedBy(right);
      case '%':
        if (right.sign === 0) throw new CalculationError('modulo by zero', position);
        return left.mod(right);
      case '^':
        return this.power(left, right, position);
    }
  }

  private power(base: Rational, exponent: Rational, position: number): Rational {
    const { maxExponent, maxDigits } = this.limits;
    if (!exponent.isInteger()) throw new CalculationError('fractional exponent', position, 'exponents are integers; use sqrt(x) for a square root');
    if (exponent.abs().compare(Rational.of(BigInt(maxExponent))) > 0) {
      throw new CalculationError('exponent too large', position, `exponents are integers from -${maxExponent} to ${maxExponent}`);
    }
    const n = Number(exponent.num);
    if (base.sign === 0 && n < 0) throw new CalculationError('division by zero', position, '0 raised to a negative power');
    // base^n has at least (digits - 1) * |n| + 1 digits: refuse before computing it.
    if ((base.size() - 1) * Math.abs(n) + 1 > maxDigits) throw tooLarge(position, this.limits);
    return base.pow(n);
  }

  private call({ name, args, position }: CallNode): Rational {
    const values = args.map((arg) => this.evaluate(arg));
    const [x] = values;
    switch (name) {
      case 'sqrt':
        return this.sqrt(x, position);
      case 'abs':
        return x.abs();
      case 'floor':
        return x.floor();
      case 'ceil':
        return x.ceil();
      case 'round':
        return x.round(values.length > 1 ? this.roundingDigits(values[1], args[1].position) : 0);
      case 'min':
        return values.reduce((least, value) => (value.compare(least) < 0 ? value : least));
      case 'max':
        return values.reduce((most, value) => (value.compare(most) > 0 ? value : most));
      default:
        throw new Error(`calculator function ${name} is declared but not implemented`);
    }
  }

  private sqrt(x: Rational, position: number): Rational {
    if (x.sign < 0) throw new CalculationError('square root of a negative number', position, 'there are no complex numbers');
    const root = x.sqrt(this.limits.precision + SQRT_GUARD_DIGITS);
    if (!root.exact) this.exact = false;
    return root.value;
  }

  private roundingDigits(digits: Rational, position: number): number {
    if (!digits.isInteger() || digits.abs().compare(Rational.of(BigInt(this.limits.maxDigits))) > 0) {
      throw new CalculationError('invalid number of digits for round', position, `a whole number from -${this.limits.maxDigits} to ${this.limits.maxDigits}`);
    }
    return Number(digits.num);
  }

  private bounded(value: Rational, position: number): Rational {
    if (value.size() > this.limits.maxDigits) throw tooLarge(position, this.limits);
    return value;
  }
}

// ---------------------------------------------------------------------------
// Bedrock Converse tool

/** The `toolSpec` of the calculator in a Converse `toolConfig.tools` entry. */
export const calculatorToolSpec = {
  name: 'calculator',
  description:
    'Evaluates an arithmetic expression exactly (rational arithmetic, no floating-point error) and returns the result as a decimal string '
    + 'with a flag saying whether it is exact. Use it for any arithmetic rather than computing in your head. '
    + 'Supports decimal numbers (12, 0.5, 1e-3; no thousands separators), +, -, *, /, % (modulo; the result has the sign of the divisor), '
    + '^ (integer powers; -2^2 is -4, 2^3^2 is 512), parentheses, and the functions sqrt(x), abs(x), round(x, digits) (halves away from zero), '
    + 'floor(x), ceil(x), min(a, b, ...), max(a, b, ...). No variables, constants, units or percent signs: write 15% of 80 as 80 * 15 / 100. '
    + 'A non-terminating result is rounded to 34 significant digits.',
  inputSchema: {
    json: {
      type: 'object',
      properties: {
        expression: {
          type: 'string',
          description: 'The arithmetic expression, for example "(1250 * 1.08 - 100) / 12" or "round(sqrt(2) * 100, 2)".',
        },
      },
      required: ['expression'],
      additionalProperties: false,
    },
  },
};

/** What a Converse `toolResult` carries as its `json` content. */
export type CalculatorToolResult = { readonly result: string; readonly exact: boolean } | { readonly error: string };

/**
 * Runs the calculator on a tool-use input as the model sent it (unvalidated
 * JSON). An `error` result is meant to be returned with status "error" so the
 * model can correct its call.
 */
export function runCalculatorTool(input: unknown, options?: CalculatorOptions): CalculatorToolResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { error: 'the calculator input must be an object such as {"expression": "2 * (3 + 4)"}' };
  }
  const extra = Object.keys(input).find((key) => key !== 'expression');
  if (extra !== undefined) return { error: `unexpected input property ${quote(extra)}: the calculator takes only "expression"` };
  const expression: unknown = Object.hasOwn(input, 'expression') ? (input as { expression: unknown }).expression : undefined;
  if (typeof expression !== 'string') {
    const got = expression === undefined ? 'nothing' : expression === null ? 'null' : Array.isArray(expression) ? 'an array' : `a ${typeof expression}`;
    return { error: `"expression" must be a string such as "2 * (3 + 4)", got ${got}` };
  }
  const outcome = evaluate(expression, options);
  return outcome.ok ? { result: outcome.value, exact: outcome.exact } : { error: outcome.error };
}
