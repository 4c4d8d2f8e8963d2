/**
 * Exact rational numbers (BigInt numerator and denominator) and their decimal
 * strings: the arithmetic behind the calculator tool. No floating point takes
 * part anywhere, so `0.1 + 0.2` is exactly `0.3`.
 */

const abs = (n: bigint): bigint => (n < 0n ? -n : n);
const pow10 = (exponent: number): bigint => 10n ** BigInt(exponent);
/** Decimal digits of |n| (1 for zero). */
export const digitCount = (n: bigint): number => abs(n).toString().length;

function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Floor of the integer square root, by Newton's method from a guess above the root. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

/** A rational number in lowest terms with a positive denominator; immutable. */
export class Rational {
  /** The fraction `num / den`, reduced. The caller rules out a zero denominator. */
  static of(num: bigint, den = 1n): Rational {
    if (den === 0n) throw new RangeError('zero denominator');
    if (den < 0n) [num, den] = [-num, -den];
    const divisor = gcd(num, den);
    return divisor === 1n ? new Rational(num, den) : new Rational(num / divisor, den / divisor);
  }

  /** A decimal literal as the tokenizer accepts it: `12`, `0.1`, `.5`, `5.`, `1e-3`, `2.5E+4`. */
  static parse(literal: string): Rational {
    const [mantissa, exponent = '0'] = literal.toLowerCase().split('e');
    const [whole, fraction = ''] = mantissa.split('.');
    const scale = Number(exponent) - fraction.length;
    const digits = BigInt(`${whole}${fraction}` || '0');
    return scale >= 0 ? Rational.of(digits * pow10(scale)) : Rational.of(digits, pow10(-scale));
  }

  private constructor(
    readonly num: bigint,
    readonly den: bigint,
  ) {}

  get sign(): number {
    return this.num === 0n ? 0 : this.num < 0n ? -1 : 1;
  }

  isInteger(): boolean {
    return this.den === 1n;
  }

  /** Decimal digits of the larger of numerator and denominator: the size the calculator bounds. */
  size(): number {
    return Math.max(digitCount(this.num), digitCount(this.den));
  }

  negate(): Rational {
    return new Rational(-this.num, this.den);
  }

  abs(): Rational {
    return this.num < 0n ? this.negate() : this;
  }

  /** Sum with one gcd on operand-sized numbers (Knuth, TAOCP 4.5.1), not one on their products. */
  plus(other: Rational): Rational {
    const common = gcd(this.den, other.den);
    if (common === 1n) return new Rational(this.num * other.den + other.num * this.den, this.den * other.den);
    const num = this.num * (other.den / common) + other.num * (this.den / common);
    const divisor = gcd(num, common);
    return new Rational(num / divisor, (this.den / common) * (other.den / divisor));
  }

  minus(other: Rational): Rational {
    return this.plus(other.negate());
  }

  /** Product with the factors cancelled crosswise first, so the gcds run on operand-sized numbers (gcd(0, d) = d makes 0 * x = 0/1). */
  times(other: Rational): Rational {
    const a = gcd(this.num, other.den);
    const b = gcd(other.num, this.den);
    return new Rational((this.num / a) * (other.num / b), (this.den / b) * (other.den / a));
  }

  /** The caller rules out a zero divisor. */
  dividedBy(other: Rational): Rational {
    return this.times(Rational.of(other.den, other.num));
  }

  /** Floored modulo: `a - b * floor(a / b)`, so the result has the sign of the divisor (as in Python). */
  mod(other: Rational): Rational {
    return this.minus(other.times(this.dividedBy(other).floor()));
  }

  /** Integer power; a reduced fraction stays reduced, so no gcd is needed. The caller rules out `0 ^ -n`. */
  pow(exponent: number): Rational {
    const n = BigInt(Math.abs(exponent));
    const power = new Rational(this.num ** n, this.den ** n);
    return exponent < 0 ? Rational.of(power.den, power.num) : power;
  }

  compare(other: Rational): number {
    const difference = this.num * other.den - other.num * this.den;
    return difference === 0n ? 0 : difference < 0n ? -1 : 1;
  }

  floor(): Rational {
    const quotient = this.num / this.den; // truncates toward zero
    return new Rational(this.num < 0n && quotient * this.den !== this.num ? quotient - 1n : quotient, 1n);
  }

  ceil(): Rational {
    return this.negate().floor().negate();
  }

  /** Rounded to `digits` decimals (negative: to tens, hundreds...), ties away from zero: 2.5 -> 3, -2.5 -> -3. */
  round(digits: number): Rational {
    const scale = digits >= 0 ? Rational.of(pow10(digits)) : Rational.of(1n, pow10(-digits));
    const scaled = this.abs().times(scale);
    const whole = scaled.num / scaled.den;
    const remainder = scaled.num % scaled.den;
    const rounded = Rational.of(2n * remainder >= scaled.den ? whole + 1n : whole).dividedBy(scale);
    return this.sign < 0 ? rounded.negate() : rounded;
  }

  /**
   * The square root of a non-negative number: exact when numerator and
   * denominator are perfect squares; otherwise (the root is irrational)
   * truncated to about `significantDigits` digits with the last digit forced
   * odd ("round to odd"), which keeps a later rounding to fewer digits correct.
   */
  sqrt(significantDigits: number): { value: Rational; exact: boolean } {
    const rootNum = isqrt(this.num);
    const rootDen = isqrt(this.den);
    if (rootNum * rootNum === this.num && rootDen * rootDen === this.den) return { value: new Rational(rootNum, rootDen), exact: true };
    // The root is about 10^magnitude; scaling by 10^shift leaves about significantDigits digits before the point.
    const magnitude = Math.floor((digitCount(this.num) - digitCount(this.den)) / 2);
    const shift = significantDigits - magnitude;
    const [num, den] = shift >= 0 ? [this.num * pow10(2 * shift), this.den] : [this.num, this.den * pow10(-2 * shift)];
    let root = isqrt(num / den);
    if (root % 2n === 0n) root += 1n;
    return { value: shift >= 0 ? Rational.of(root, pow10(shift)) : Rational.of(root * pow10(-shift)), exact: false };
  }
}

/** How a value is written. */
export interface DecimalFormat {
  /** Significant digits of a value that is not written in full (rounded half-even). */
  readonly precision: number;
  /** Longest value (digits, point and sign not counted) written in full. */
  readonly maxExactDigits: number;
}

/**
 * The decimal string of a value, and whether it is the value exactly.
 *
 * A value with a terminating decimal expansion of at most `maxExactDigits`
 * digits is written in full, in plain notation (`0.3`, `2^200` digit by
 * digit). Any other value is rounded half-even to `precision` significant
 * digits, trailing zeros dropped, and written in plain notation when
 * 1e-21 <= |value| < 1e21, in scientific notation outside (`1.5e+25`,
 * `3.3e-22`); `exact` then says whether the rounding changed nothing.
 * An `approximate` value (one computed from an inexact square root) is always
 * rounded, and never exact.
 */
export function toDecimalString(value: Rational, format: DecimalFormat, approximate = false): { text: string; exact: boolean } {
  if (value.sign === 0) return { text: '0', exact: !approximate };
  const full = approximate ? undefined : fullDecimal(value, format.maxExactDigits);
  if (full !== undefined) return { text: full, exact: true };
  const sign = value.sign < 0 ? '-' : '';
  const { digits, exponent, exact } = roundSignificant(value.abs(), format.precision);
  const text = exponent >= -21 && exponent < 21 ? plain(digits, exponent) : scientific(digits, exponent);
  return { text: sign + text, exact: exact && !approximate };
}

/** All the digits of a terminating expansion, or undefined when it does not terminate within maxDigits. */
function fullDecimal(value: Rational, maxDigits: number): string | undefined {
  const sign = value.sign < 0 ? '-' : '';
  if (value.isInteger()) return digitCount(value.num) <= maxDigits ? value.num.toString() : undefined;
  const scale = pow10(maxDigits);
  if (scale % value.den !== 0n) return undefined; // a prime other than 2 and 5 divides the denominator, or too many decimals
  const digits = (abs(value.num) * (scale / value.den)).toString().padStart(maxDigits + 1, '0');
  const whole = digits.slice(0, -maxDigits);
  const fraction = trimTrailingZeros(digits.slice(-maxDigits));
  return whole.length + fraction.length <= maxDigits ? `${sign}${whole}.${fraction}` : undefined;
}

/** A positive value as `0.d1d2d3... x 10^(exponent + 1)`: digits d1... (no trailing zeros) and the exponent of d1. */
function roundSignificant(value: Rational, precision: number): { digits: string; exponent: number; exact: boolean } {
  // 10^exponent <= value < 10^(exponent + 1); the digit counts give it to within one.
  let exponent = digitCount(value.num) - digitCount(value.den);
  if (value.compare(exponent >= 0 ? Rational.of(pow10(exponent)) : Rational.of(1n, pow10(-exponent))) < 0) exponent -= 1;
  const shift = precision - 1 - exponent;
  const [num, den] = shift >= 0 ? [value.num * pow10(shift), value.den] : [value.num, value.den * pow10(-shift)];
  let mantissa = num / den;
  const twiceRemainder = 2n * (num % den);
  if (twiceRemainder > den || (twiceRemainder === den && mantissa % 2n === 1n)) mantissa += 1n;
  if (mantissa === pow10(precision)) {
    // 9.99... rounded up to 10.0...
    mantissa /= 10n;
    exponent += 1;
  }
  return { digits: trimTrailingZeros(mantissa.toString()), exponent, exact: twiceRemainder === 0n };
}

function plain(digits: string, exponent: number): string {
  if (exponent < 0) return `0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return fraction ? `${whole}.${fraction}` : whole;
}

function scientific(digits: string, exponent: number): string {
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
}

function trimTrailingZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits[end - 1] === '0') end -= 1;
  return digits.slice(0, end);
}
