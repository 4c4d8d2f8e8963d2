import type { ToolSpecification } from '@aws-sdk/client-bedrock-runtime';
import { CALCULATOR_DEFAULTS, CalculatorOptions, calculatorToolSpec, evaluate, runCalculatorTool } from '../../lambda/tool-agent/calculator';

/** The value of a successful evaluation; fails the test with the error otherwise. */
function valueOf(expression: string, options?: CalculatorOptions): { value: string; exact: boolean } {
  const result = evaluate(expression, options);
  if (!result.ok) throw new Error(`${expression}: ${result.error}`);
  return { value: result.value, exact: result.exact };
}

/** The error of a failed evaluation, checking it did not throw; fails the test if it succeeded. */
function errorOf(expression: string, options?: CalculatorOptions): { error: string; position?: number } {
  let result: ReturnType<typeof evaluate> | undefined;
  expect(() => {
    result = evaluate(expression, options);
  }).not.toThrow();
  if (!result || result.ok) throw new Error(`${expression.slice(0, 60)} evaluated to ${result?.ok && result.value}`);
  return { error: result.error, position: result.position };
}

describe('evaluate: exact decimal arithmetic', () => {
  test('0.1 + 0.2 is exactly 0.3', () => {
    expect(valueOf('0.1 + 0.2')).toEqual({ value: '0.3', exact: true });
  });

  test('(0.1 + 0.2) * 3 is exactly 0.9', () => {
    expect(valueOf('(0.1 + 0.2) * 3')).toEqual({ value: '0.9', exact: true });
  });

  test('1/3 * 3 is exactly 1', () => {
    expect(valueOf('1/3*3')).toEqual({ value: '1', exact: true });
  });

  test('1/3 is rounded to 34 significant digits and flagged inexact', () => {
    expect(valueOf('1/3')).toEqual({ value: `0.${'3'.repeat(34)}`, exact: false });
    expect(valueOf('2/3')).toEqual({ value: `0.${'6'.repeat(33)}7`, exact: false });
  });

  test('the precision option sets the significant digits of a rounded result', () => {
    expect(valueOf('2/3', { precision: 5 })).toEqual({ value: '0.66667', exact: false });
  });

  test('large integers stay exact: 2^200 digit by digit', () => {
    expect(valueOf('2^200')).toEqual({ value: (2n ** 200n).toString(), exact: true });
    expect(valueOf('2^200 + 1 - 2^200')).toEqual({ value: '1', exact: true });
  });

  test('terminating fractions are written in full', () => {
    expect(valueOf('2^-10')).toEqual({ value: '0.0009765625', exact: true });
    expect(valueOf('1 / 1024 / 5^10')).toEqual({ value: '0.0000000001', exact: true });
  });

  test('sums and products of random decimals match exact integer arithmetic', () => {
    // Decimals with 3 places: scaled by 1000 they are integers, so BigInt gives the reference.
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const decimal = () => BigInt(Math.floor(random() * 2_000_000) - 1_000_000);
    const write = (scaled: bigint, places: number) => {
      const digits = (scaled < 0n ? -scaled : scaled).toString().padStart(places + 1, '0');
      const text = `${digits.slice(0, -places)}.${digits.slice(-places)}`.replace(/\.?0+$/, '');
      return scaled < 0n ? `-${text}` : text;
    };
    for (let i = 0; i < 200; i++) {
      const [a, b] = [decimal(), decimal()];
      expect(valueOf(`${write(a, 3)} + (${write(b, 3)})`).value).toBe(write(a + b, 3));
      expect(valueOf(`${write(a, 3)} * (${write(b, 3)})`).value).toBe(write(a * b, 6));
    }
  });
});

describe('evaluate: numbers', () => {
  test.each([
    ['12', '12'],
    ['0.1', '0.1'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['1e-3', '0.001'],
    ['2.5E+2', '250'],
    ['007', '7'],
  ])('reads the literal %s', (literal, value) => {
    expect(valueOf(literal)).toEqual({ value, exact: true });
  });

  test('rejects digit separators: 1_000 with a hint, 1,000 as a misplaced comma', () => {
    expect(errorOf('1_000')).toEqual({ error: expect.stringMatching(/^malformed number "1_000" at position 0: digit separators are not supported/), position: 0 });
    expect(errorOf('1,000').error).toMatch(/^unexpected "," at position 1: a comma only separates function arguments/);
  });

  test.each(['0x1f', '1.2.3', '1e', '2x'])('rejects the malformed number %s', (literal) => {
    expect(errorOf(literal).error).toMatch(/^malformed number .* at position 0/);
  });

  test('writes values in plain notation from 1e-21 up to 1e21, rounded ones in scientific notation outside', () => {
    expect(valueOf('1e21 / 3')).toEqual({ value: '333333333333333333333.3333333333333', exact: false });
    expect(valueOf('1e-21')).toEqual({ value: '0.000000000000000000001', exact: true });
    expect(valueOf('1e-22 / 3')).toEqual({ value: '3.333333333333333333333333333333333e-23', exact: false });
    expect(valueOf('10^25 / 3')).toEqual({ value: '3.333333333333333333333333333333333e+24', exact: false });
  });

  test('writes an exact value in full, whatever its size, up to maxExactDigits digits', () => {
    expect(valueOf('10^30')).toEqual({ value: `1${'0'.repeat(30)}`, exact: true });
    expect(valueOf('2^-100').value).toBe(`0.${'0'.repeat(30)}7888609052210118054117285652827862296732064351090230047702789306640625`);
    expect(valueOf('3^1000')).toEqual({ value: (3n ** 1000n).toString(), exact: true });
    expect(valueOf('3^1000', { maxExactDigits: 100 })).toEqual({ value: '1.322070819480806636890455259752144e+477', exact: false });
    expect(valueOf('10^500', { maxExactDigits: 100 })).toEqual({ value: '1e+500', exact: true });
  });

  test('a result not written in full is rounded half-even', () => {
    expect(valueOf('0.125', { maxExactDigits: 2, precision: 2 })).toEqual({ value: '0.12', exact: false });
    expect(valueOf('0.135', { maxExactDigits: 2, precision: 2 })).toEqual({ value: '0.14', exact: false });
    expect(valueOf('9.96', { maxExactDigits: 2, precision: 2 })).toEqual({ value: '10', exact: false });
  });
});

describe('evaluate: operators', () => {
  test.each([
    ['2 + 3 * 4', '14'],
    ['(2 + 3) * 4', '20'],
    ['10 - 4 - 3', '3'],
    ['100 / 10 / 5', '2'],
    ['2^3^2', '512'],
    ['(2^3)^2', '64'],
    ['2 ** 10', '1024'],
    ['2^-1', '0.5'],
    ['-2^2', '-4'],
    ['(-2)^2', '4'],
    ['2 * -3', '-6'],
    ['--3', '3'],
    ['+-+3', '-3'],
    ['0^0', '1'],
    ['-2^-2', '-0.25'],
  ])('%s is %s (^ is right-associative and binds tighter than a sign)', (expression, value) => {
    expect(valueOf(expression).value).toBe(value);
  });

  test.each([
    ['-7 % 3', '2'],
    ['7 % -3', '-2'],
    ['-7 % -3', '-1'],
    ['7 % 3', '1'],
    ['5.5 % 2', '1.5'],
    ['-0.5 % 0.2', '0.1'],
    ['7 % 3 * 2', '2'],
  ])('modulo %s is %s (floored: the sign of the divisor)', (expression, value) => {
    expect(valueOf(expression).value).toBe(value);
  });

  test('rejects division by zero with its position', () => {
    expect(errorOf('1 / 0')).toEqual({ error: 'division by zero at position 2', position: 2 });
    expect(errorOf('1 / (2 - 2)').error).toBe('division by zero at position 2');
    expect(errorOf('0^-1').error).toMatch(/^division by zero at position 1: 0 raised to a negative power/);
  });

  test('rejects modulo by zero', () => {
    expect(errorOf('5 % 0')).toEqual({ error: 'modulo by zero at position 2', position: 2 });
    expect(errorOf('5.5 % (1 - 1)').error).toBe('modulo by zero at position 4');
  });

  test('rejects a fractional exponent and points to sqrt', () => {
    expect(errorOf('2^0.5').error).toMatch(/^fractional exponent at position 1: .*use sqrt\(x\)/);
  });

  test('rejects exponents beyond 1000 in magnitude', () => {
    expect(valueOf('1^1000').value).toBe('1');
    expect(errorOf('2^1001').error).toMatch(/^exponent too large at position 1: exponents are integers from -1000 to 1000/);
    expect(errorOf('2^-1001').error).toMatch(/^exponent too large/);
  });

  test('rejects numbers too large before computing them', () => {
    expect(valueOf('10^1000 * 10^999').exact).toBe(true);
    expect(errorOf('(10^1000)^2').error).toMatch(/^number too large at position 9: .*more than 2000 digits/);
    expect(errorOf('10^1000 * 10^1000').error).toMatch(/^number too large at position 8/);
    expect(errorOf('1e2001').error).toMatch(/^number too large at position 0/);
    expect(errorOf('1e-99999999').error).toMatch(/^number too large at position 0/);
  });
});

describe('evaluate: functions', () => {
  test('sqrt(2) is correct to the 34 significant digits and flagged inexact', () => {
    expect(valueOf('sqrt(2)')).toEqual({ value: '1.414213562373095048801688724209698', exact: false });
    expect(valueOf('sqrt(3)')).toEqual({ value: '1.732050807568877293527446341505872', exact: false });
  });

  test('sqrt is correctly rounded at every precision', () => {
    // r is sqrt(n) correctly rounded to p digits when (r - u/2)^2 < n < (r + u/2)^2, u = 10^-places the unit of r's last place.
    for (const precision of [2, 5, 17, 34]) {
      for (let n = 2; n < 100; n++) {
        if (Number.isInteger(Math.sqrt(n))) continue;
        const { value } = valueOf(`sqrt(${n})`, { precision });
        const [whole, fraction = ''] = value.split('.');
        const places = precision - whole.length; // 1 <= sqrt(n) < 10 keeps one digit before the point
        const r = BigInt(whole + fraction.padEnd(places, '0'));
        const scaled = BigInt(n) * 4n * 10n ** BigInt(2 * places);
        expect([value, (2n * r - 1n) ** 2n < scaled && scaled < (2n * r + 1n) ** 2n]).toEqual([value, true]);
      }
    }
  });

  test('sqrt is exact on perfect squares of fractions', () => {
    expect(valueOf('sqrt(2.25)')).toEqual({ value: '1.5', exact: true });
    expect(valueOf('sqrt(1/4) + sqrt(0)')).toEqual({ value: '0.5', exact: true });
  });

  test('a result computed from an inexact sqrt is rounded and flagged inexact', () => {
    expect(valueOf('sqrt(2)^2')).toEqual({ value: '2', exact: false });
    expect(valueOf('sqrt(2) * 0')).toEqual({ value: '0', exact: false });
  });

  test('rejects sqrt of a negative number', () => {
    expect(errorOf('1 + sqrt(-4)')).toEqual({ error: 'square root of a negative number at position 4: there are no complex numbers', position: 4 });
  });

  test('round halves away from zero, unlike the half-even rounding of long results', () => {
    expect(valueOf('round(2.5)').value).toBe('3');
    expect(valueOf('round(3.5)').value).toBe('4');
    expect(valueOf('round(-2.5)').value).toBe('-3');
    expect(valueOf('round(2.4999)').value).toBe('2');
    expect(valueOf('round(0.125, 2)').value).toBe('0.13');
    expect(valueOf('round(1250, -2)').value).toBe('1300');
  });

  test('round to a number of digits gives an exact value', () => {
    expect(valueOf('round(1/3, 3)')).toEqual({ value: '0.333', exact: true });
    expect(valueOf('round(sqrt(2), 4)')).toEqual({ value: '1.4142', exact: false });
  });

  test('rejects round to a fractional number of digits', () => {
    expect(errorOf('round(1, 0.5)').error).toMatch(/^invalid number of digits for round at position 9/);
  });

  test.each([
    ['floor(-2.5)', '-3'],
    ['floor(2.5)', '2'],
    ['ceil(-2.5)', '-2'],
    ['ceil(2.1)', '3'],
    ['abs(-0.5)', '0.5'],
    ['min(3, -1.5, 2)', '-1.5'],
    ['max(3, -1.5, 2)', '3'],
    ['max(1/3, 0.3)', `0.${'3'.repeat(34)}`],
    ['sqrt(abs(-16)) + max(1, min(2, 3))', '6'],
  ])('%s is %s', (expression, value) => {
    expect(valueOf(expression).value).toBe(value);
  });

  test('rejects a call with the wrong number of arguments', () => {
    expect(errorOf('sqrt(1, 2)').error).toBe('wrong number of arguments to sqrt at position 0: sqrt takes exactly 1 argument, got 2');
    expect(errorOf('round(1, 2, 3)').error).toBe('wrong number of arguments to round at position 0: round takes 1 or 2 arguments, got 3');
    expect(errorOf('max()').error).toBe('wrong number of arguments to max at position 0: max takes at least 1 argument, got 0');
  });

  test('rejects a function name without parentheses', () => {
    expect(errorOf('sqrt 4').error).toBe('expected "(" after sqrt at position 5: call it as sqrt(x)');
  });
});

describe('evaluate: syntax errors', () => {
  test('rejects an unknown identifier with its position', () => {
    expect(errorOf('2 * x')).toEqual({ error: expect.stringMatching(/^unknown identifier "x" at position 4: there are no variables or constants/), position: 4 });
    expect(errorOf('pi * 2').error).toMatch(/^unknown identifier "pi" at position 0/);
  });

  test('rejects unbalanced parentheses, naming the one without a partner', () => {
    expect(errorOf('(1 + 2').error).toBe('unbalanced parenthesis at position 0: this "(" is never closed');
    expect(errorOf('1 + 2)').error).toBe('unbalanced parenthesis at position 5: this ")" has no matching "("');
    expect(errorOf('max(1, (2)').error).toBe('unbalanced parenthesis at position 3: this "(" is never closed');
  });

  test('rejects unexpected tokens, saying what was expected', () => {
    expect(errorOf('1 +').error).toBe('unexpected end of the expression at position 3: expected a number, a function or "("');
    expect(errorOf('* 2').error).toBe('unexpected "*" at position 0: expected a number, a function or "("');
    expect(errorOf('()').error).toBe('unexpected ")" at position 1: expected a number, a function or "("');
    expect(errorOf('2 (3)').error).toBe('unexpected "(" at position 2: expected an operator or the end of the expression; write * to multiply');
    expect(errorOf('(1 2)').error).toBe('unexpected "2" at position 3: expected an operator or ")"; write * to multiply');
  });

  test('rejects an empty expression', () => {
    expect(errorOf('').error).toMatch(/^empty expression/);
    expect(errorOf(' \n\t').error).toMatch(/^empty expression/);
  });

  test('rejects an expression over the length limit without reading it', () => {
    expect(errorOf(`1${'+1'.repeat(500)}`)).toEqual({ error: 'expression too long: 1001 characters, at most 1000' });
  });

  test('rejects an expression over the token limit', () => {
    expect(errorOf(`1${'+1'.repeat(250)}`).error).toMatch(/^too many tokens \(more than 500\) at position 500/);
  });
});

describe('evaluate: hostile input', () => {
  test.each([
    ['constructor', /^unknown identifier "constructor" at position 0/],
    ['__proto__', /^unknown identifier "__proto__" at position 0/],
    ['toString()', /^unknown identifier "toString" at position 0/],
    ['hasOwnProperty(1)', /^unknown identifier "hasOwnProperty"/],
    ['process.exit(1)', /^unknown identifier "process" at position 0/],
    ['require("fs")', /^unknown identifier "require"/],
    ['eval(1)', /^unknown identifier "eval"/],
    ['Function("return 1")()', /^unknown identifier "Function"/],
    ['a=1', /^unknown identifier "a" at position 0/],
    ['1; 2', /^unexpected character ";" at position 1/],
    ['`ls`', /^unexpected character "`" at position 0/],
    ['${1}', /^unexpected character "\$" at position 0/],
    ['"1"', /^unexpected character "\\"" at position 0/],
    ['1 \u0000', /^unexpected character "\\u0000" at position 2/],
    ['3 × 4', /^unexpected character "×" at position 2/],
    ['9^9^9^9', /^exponent too large at position 3/],
    ['2^2^2^2^2^2', /^exponent too large at position 3/],
  ])('rejects %j with a clear error', (expression, error) => {
    expect(errorOf(expression).error).toMatch(error);
  });

  test('rejects very long input', () => {
    expect(errorOf('9'.repeat(1_000_000)).error).toBe('expression too long: 1000000 characters, at most 1000');
  });

  test('rejects 10,000 nested parentheses, by length and by depth', () => {
    const nested = `${'('.repeat(10_000)}1${')'.repeat(10_000)}`;
    expect(errorOf(nested).error).toMatch(/^expression too long/);
    const unbounded = { maxLength: 100_000, maxTokens: 100_000 };
    expect(errorOf(nested, unbounded)).toEqual({ error: expect.stringMatching(/^expression nested too deeply at position 100: at most 100 levels/), position: 100 });
    expect(valueOf(`${'('.repeat(99)}1${')'.repeat(99)}`).value).toBe('1');
  });

  test('rejects deep chains of signs and exponents', () => {
    expect(errorOf(`${'-'.repeat(200)}1`).error).toMatch(/^expression nested too deeply at position 100/);
    expect(errorOf(`${'sqrt('.repeat(150)}1${')'.repeat(150)}`).error).toMatch(/^expression nested too deeply/);
  });

  test('evaluates the costliest expression found within the digit bound (its time is a benchmark matter, not asserted here)', () => {
    // Sums over a 2,000-digit common denominator: every step reduces a 2,000-digit fraction.
    const numerators = [97, 89, 83, 79, 73, 71, 67, 61, 59, 53];
    const expression = numerators.concat(numerators, numerators, numerators, numerators, numerators).map((n) => `(${n}/99)^999`).join('%');
    expect(evaluate(expression).ok).toBe(true);
  });

  test('fails loudly on invalid options: they are a programming error, not input', () => {
    expect(() => evaluate('1', { precision: 0 })).toThrow(/calculator option precision must be a positive integer, got 0/);
    expect(() => evaluate('1', { maxDigits: 1.5 })).toThrow(RangeError);
  });

  test('defaults bound length, tokens, depth, digits and exponents', () => {
    expect(CALCULATOR_DEFAULTS).toEqual({ precision: 34, maxExactDigits: 1000, maxLength: 1000, maxTokens: 500, maxDepth: 100, maxDigits: 2000, maxExponent: 1000 });
  });
});

describe('calculator tool', () => {
  test('the tool spec is a Converse ToolSpecification named calculator taking one expression', () => {
    const spec: ToolSpecification = calculatorToolSpec;
    expect(spec.name).toBe('calculator');
    expect(spec.inputSchema).toEqual({
      json: {
        type: 'object',
        properties: { expression: { type: 'string', description: expect.any(String) } },
        required: ['expression'],
        additionalProperties: false,
      },
    });
  });

  test('the tool description names every function and the rules a model would otherwise guess', () => {
    for (const word of ['sqrt', 'abs', 'round', 'floor', 'ceil', 'min', 'max', 'sign of the divisor', '-2^2 is -4', 'away from zero']) {
      expect(calculatorToolSpec.description).toContain(word);
    }
  });

  test('runs an expression into a result and its exactness', () => {
    expect(runCalculatorTool({ expression: '0.1 + 0.2' })).toEqual({ result: '0.3', exact: true });
    expect(runCalculatorTool({ expression: '1/3' }, { precision: 3 })).toEqual({ result: '0.333', exact: false });
  });

  test('rejects an expression that fails with the evaluation error', () => {
    expect(runCalculatorTool({ expression: '1/0' })).toEqual({ error: 'division by zero at position 1' });
  });

  test.each([
    ['null', null, /^the calculator input must be an object/],
    ['undefined', undefined, /^the calculator input must be an object/],
    ['a string', '1 + 1', /^the calculator input must be an object/],
    ['an array', ['1 + 1'], /^the calculator input must be an object/],
    ['an empty object', {}, /^"expression" must be a string .*, got nothing$/],
    ['a number expression', { expression: 42 }, /got a number$/],
    ['a null expression', { expression: null }, /got null$/],
    ['an array expression', { expression: ['1'] }, /got an array$/],
    ['another property name', { expr: '1 + 1' }, /^unexpected input property "expr": the calculator takes only "expression"$/],
    ['an extra property', { expression: '1', precision: 2 }, /^unexpected input property "precision"/],
    ['an own __proto__ property', JSON.parse('{"__proto__": {"expression": "1"}}'), /^unexpected input property "__proto__"/],
    ['an inherited expression', Object.create({ expression: '1 + 1' }), /got nothing$/],
  ])('rejects %s as input', (_, input, error) => {
    const result = runCalculatorTool(input);
    expect(result).toEqual({ error: expect.stringMatching(error) });
  });
});
