import { DatasetChecker, type DatasetFormat, estimateTokens, MAX_REPORTED_PROBLEMS, usable } from '../../lib/adapt/dataset-format';

function check(format: DatasetFormat, lines: unknown[], contextLength = 4096) {
  const checker = new DatasetChecker(format, contextLength);
  for (const line of lines) checker.add(typeof line === 'string' ? line : JSON.stringify(line));
  return checker.report();
}

describe('sft records', () => {
  test('accepts prompt/completion and chat messages ending with the assistant', () => {
    const report = check('sft', [
      { prompt: 'Capital of France?', completion: 'Paris.' },
      { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }] },
      '',
    ]);
    expect(report).toEqual(expect.objectContaining({ records: 2, validRecords: 2, problemCount: 0 }));
    expect(usable(report)).toBe(true);
  });

  test('rejects chat turns with an unknown role or ending with the user, with line numbers', () => {
    const report = check('sft', [
      { messages: [{ role: 'user', content: 'Hi' }, { role: 'bot', content: 'Hello' }] },
      { messages: [{ role: 'assistant', content: 'Hi' }, { role: 'user', content: 'Hello' }] },
      { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: ' ' }] },
    ]);
    expect(report.problems).toEqual([
      { line: 1, message: 'messages[1].role received "bot"; allowed: system | user | assistant' },
      { line: 2, message: "the last message must be the assistant's answer" },
      { line: 3, message: 'empty messages[1].content' },
    ]);
    expect(report.emptyFields).toBe(1);
    expect(usable(report)).toBe(false);
  });

  test('counts duplicates without failing, and fails records longer than the context', () => {
    const long = 'word '.repeat(400);
    const report = check('sft', [{ prompt: 'a', completion: 'b' }, { prompt: 'a ', completion: 'b' }, { prompt: long, completion: 'b' }], 100);
    expect(report.duplicates).toBe(1);
    expect(report.overContext).toBe(1);
    expect(report.problems).toEqual([{ line: 3, message: expect.stringMatching(/^about \d+ tokens, more than the context length 100$/) }]);
    expect(report.maxTokens).toBeGreaterThan(100);
  });

  test('keeps the first problems and counts the rest', () => {
    const report = check('sft', Array.from({ length: MAX_REPORTED_PROBLEMS + 5 }, () => 'not json'));
    expect(report.problems).toHaveLength(MAX_REPORTED_PROBLEMS);
    expect(report.problemCount).toBe(MAX_REPORTED_PROBLEMS + 5);
  });

  test('an empty file is not usable', () => {
    expect(usable(check('sft', []))).toBe(false);
  });
});

describe('dpo records', () => {
  test('needs prompt, chosen and rejected, and two different answers', () => {
    const report = check('dpo', [
      { prompt: 'p', chosen: 'good', rejected: 'bad' },
      { prompt: 'p', chosen: 'good' },
      { prompt: 'p', chosen: 'same', rejected: 'same ' },
      ['not', 'an', 'object'],
    ]);
    expect(report.problems).toEqual([
      { line: 2, message: 'missing rejected' },
      { line: 3, message: 'chosen and rejected are the same answer' },
      { line: 4, message: 'not a JSON object' },
    ]);
  });
});

test('estimates tokens on the high side of the usual BPE ratios', () => {
  expect(estimateTokens('')).toBe(0);
  expect(estimateTokens('one two three four')).toBe(6);
  expect(estimateTokens('x'.repeat(400))).toBe(100);
});

describe('pretrain records', () => {
  test('needs non-empty text and counts long records without refusing them', () => {
    const report = check('pretrain', [{ text: 'word '.repeat(5000) }, { text: ' ' }, { text: 'short', source: 'x' }]);
    expect(report.overContext).toBe(1);
    expect(report.emptyFields).toBe(1);
    expect(report.problems).toEqual([
      { line: 2, message: 'empty text' },
      { line: 3, message: 'unknown field "source"; allowed: text' },
    ]);
    expect(report.validRecords).toBe(1);
  });
});

describe('Bedrock records', () => {
  const turn = (role: string, text: string) => ({ role, content: [{ text }] });
  test('bedrock-conversation: the schema version, text blocks and alternating turns ending with the answer', () => {
    const report = check('bedrock-conversation', [
      { schemaVersion: 'bedrock-conversation-2024', system: [{ text: 'Be brief.' }], messages: [turn('user', 'Hi'), turn('assistant', 'Hello')] },
      { schemaVersion: 'bedrock-conversation-2023', messages: [turn('user', 'Hi'), turn('assistant', 'Hello')] },
      { schemaVersion: 'bedrock-conversation-2024', messages: [turn('assistant', 'Hi'), turn('user', 'Hello')] },
      { schemaVersion: 'bedrock-conversation-2024', messages: [{ role: 'user', content: 'Hi' }, turn('assistant', 'Hello')] },
      { schemaVersion: 'bedrock-conversation-2024', messages: [turn('user', 'Hi'), turn('assistant', 'Hello'), turn('user', 'Bye')] },
      { schemaVersion: 'bedrock-conversation-2024', messages: [turn('user', ' '), turn('assistant', 'Hello')] },
    ]);
    expect(report.problems).toEqual([
      { line: 2, message: 'schemaVersion received "bedrock-conversation-2023"; allowed: "bedrock-conversation-2024"' },
      { line: 3, message: 'messages[0].role received "assistant"; allowed: "user" (turns alternate, from the user\'s)' },
      { line: 4, message: 'messages[0].content must be a list of {"text": "..."} blocks' },
      { line: 5, message: "the last message must be the assistant's answer" },
      { line: 6, message: 'empty messages[0].content[0].text' },
    ]);
  });

  test('prompt-completion: refuses chat records', () => {
    const report = check('prompt-completion', [{ prompt: 'p', completion: 'c' }, { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] }]);
    expect(report.problems).toEqual([{ line: 2, message: 'unknown field "messages"; allowed: prompt, completion' }]);
  });
});
