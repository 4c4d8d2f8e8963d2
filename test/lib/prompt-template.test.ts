import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main as lockMain, updatePromptLock } from '../../lib/adapt/prompt-lock';
import {
  checkPrompt,
  fewShotText,
  LOCK_FILE,
  loadPromptLibrary,
  MAX_TEMPLATE_CHARACTERS,
  promptSha256,
  readPromptLock,
  renderPrompt,
  templateWithExamples,
  type PromptTemplate,
} from '../../lib/adapt/prompt-template';
import { KitError } from '../../lib/errors';
import { ROOT } from '../helpers/app';

const PROMPTS_DIR = path.join(ROOT, 'prompts');

/** A valid prompt, as a prompt file holds it. */
function validPrompt(): Record<string, any> {
  return {
    id: 'greet',
    version: 1,
    description: 'Greets a customer by name',
    template: 'Greet the customer.\n\n{{examples}}\n\nName: {{name}}\nTone: {{tone}}',
    variables: { name: "The customer's first name", tone: 'formal or casual' },
    examples: [{ values: { name: 'Ada', tone: 'formal' }, output: 'Good morning, Ada.' }],
    inference: { maxTokens: 100, temperature: 0.5, topP: 0.9 },
  };
}

function problemsOf(raw: unknown): string[] {
  return checkPrompt(raw).problems;
}

function parsed(raw: unknown = validPrompt()): PromptTemplate {
  const { prompt, problems } = checkPrompt(raw);
  expect(problems).toEqual([]);
  return prompt as PromptTemplate;
}

/** A fresh folder holding the given prompt files (name -> content). */
function promptDir(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompts-'));
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

function thrown(action: () => unknown): KitError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(KitError);
    return error as KitError;
  }
  throw new Error('expected a KitError');
}

describe('the shipped prompt library', () => {
  test('loads prompts/ and matches its lock file', () => {
    const prompts = loadPromptLibrary(PROMPTS_DIR);
    expect(prompts.map((prompt) => prompt.id)).toEqual(['grounded-answer', 'support-qa']);
    const supportQa = prompts[1];
    expect(Object.keys(supportQa.variables)).toEqual(['context', 'question']);
    expect(supportQa.examples).toHaveLength(2);
    expect(readPromptLock(PROMPTS_DIR)['support-qa']).toEqual({ version: supportQa.version, sha256: promptSha256(supportQa) });
  });

  test('renders the support prompt with its two examples before the question', () => {
    const supportQa = loadPromptLibrary(PROMPTS_DIR)[1];
    const text = renderPrompt(supportQa, { context: 'Refunds take 5 days.', question: 'How long do refunds take?' });
    expect(text.match(/<example>/g)).toHaveLength(2);
    expect(text.indexOf('</examples>')).toBeLessThan(text.indexOf('How long do refunds take?'));
    expect(text).not.toMatch(/\{\{|\}\}/);
  });
});

describe('rejected prompt files', () => {
  test('accepts the valid prompt', () => {
    expect(problemsOf(validPrompt())).toEqual([]);
  });

  test('rejects a bad id, version and description at once, with paths and allowed values', () => {
    const raw = { ...validPrompt(), id: 'Greet_Customer', version: 0, description: 'x'.repeat(201) };
    const problems = problemsOf(raw);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toBe('id: received "Greet_Customer"; allowed: lower-case letters and digits in dash-separated words, starting with a letter, such as support-qa');
    expect(problems[1]).toBe('version: received 0; allowed: a whole number > 0, raised by the author whenever the prompt changes');
    expect(problems[2]).toMatch(/^description: received "x+\.\.\.; allowed: what the prompt does in at most 200 characters \(Bedrock's limit\)$/);
  });

  test('rejects an id longer than 64 characters and a version that is not a whole number', () => {
    expect(problemsOf({ ...validPrompt(), id: `a${'-b'.repeat(40)}`, version: 1.5 })).toEqual([
      expect.stringMatching(/^id: received "a-b-b.*; allowed: an id of at most 64 characters$/),
      'version: received 1.5; allowed: a whole number > 0, raised by the author whenever the prompt changes',
    ]);
  });

  test('rejects missing fields, naming each as required', () => {
    expect(problemsOf({ id: 'greet' })).toEqual([
      'version: received nothing; allowed: a whole number > 0, raised by the author whenever the prompt changes (required)',
      'description: received nothing; allowed: what the prompt does, a non-empty text (required)',
      'template: received nothing; allowed: the prompt text with {{variable}} placeholders, a non-empty text (required)',
      'variables: received nothing; allowed: an object of variable names, each with its description (required)',
    ]);
  });

  test('rejects unknown keys, listing the known ones', () => {
    expect(problemsOf({ ...validPrompt(), model: 'x', inference: { maxTokens: 10, stopSequences: [] } })).toEqual([
      'inference.stopSequences: received an unknown key; allowed: one of the keys maxTokens, temperature, topP',
      'model: received an unknown key; allowed: one of the keys id, version, description, template, variables, examples, inference',
    ]);
  });

  test("rejects inference settings outside Bedrock's ranges", () => {
    expect(problemsOf({ ...validPrompt(), inference: { maxTokens: 512_001, temperature: 1.5, topP: -0.1 } })).toEqual([
      'inference.maxTokens: received 512001; allowed: a whole number of tokens from 1 to 512000',
      'inference.temperature: received 1.5; allowed: randomness, a number from 0 to 1',
      'inference.topP: received -0.1; allowed: the probability mass of the candidate tokens, a number from 0 to 1',
    ]);
  });

  test('rejects blank descriptions of variables, blank example values and a blank expected output', () => {
    const raw = validPrompt();
    raw.variables.tone = ' ';
    raw.examples[0].values.name = '';
    raw.examples[0].output = '\n';
    expect(problemsOf(raw)).toEqual([
      'variables.tone: received " "; allowed: a description of the variable, a non-empty text',
      'examples.0.values.name: received ""; allowed: the value of the variable in this example, a non-empty text',
      'examples.0.output: received "\\n"; allowed: the expected output for these values, a non-empty text',
    ]);
  });

  test('rejects a placeholder that is not declared', () => {
    const raw = { ...validPrompt(), template: 'Greet {{name}} in a {{tone}} way, {{title}}.\n{{examples}}' };
    expect(problemsOf(raw)).toEqual([
      'template: received the placeholder {{title}}; allowed: placeholders of declared variables (name, tone) and {{examples}}; declare title under variables or remove it',
    ]);
  });

  test('rejects a declared variable the template does not use', () => {
    const raw = { ...validPrompt(), template: 'Greet {{name}}.\n{{examples}}' };
    expect(problemsOf(raw)).toEqual(['variables.tone: received a variable the template does not use; allowed: only variables the template has as {{tone}}']);
  });

  test('rejects placeholders with spaces and stray double braces', () => {
    const raw = { ...validPrompt(), template: 'Greet {{ name }} {{name}} {{tone}} }} and {{ {{examples}}' };
    expect(problemsOf(raw)).toEqual([
      'template: received the placeholder "{{ name }}"; allowed: {{name}} with a variable name and no spaces inside the braces',
      'template: received a "{{" or "}}" that is not part of a {{name}} placeholder; allowed: double braces only around a placeholder name',
    ]);
  });

  test('rejects variable names Bedrock does not accept and the reserved names examples and output, once each', () => {
    const raw = validPrompt();
    raw.variables = { ...raw.variables, 'first name': 'x', examples: 'y', output: 'z' };
    expect(problemsOf(raw)).toEqual([
      'variables.first name: received the name "first name"; allowed: letters, digits and single underscores, starting with a letter, at most 64 characters',
      'variables.examples: received the name "examples"; allowed: any other name: {{examples}} marks where the few-shot examples go',
      'variables.output: received the name "output"; allowed: any other name: <output> holds the expected output of each few-shot example',
    ]);
  });

  test('rejects more than 20 variables', () => {
    const names = Array.from({ length: 21 }, (_, index) => `v${index}`);
    const raw = {
      ...validPrompt(),
      template: names.map((name) => `{{${name}}}`).join(' '),
      variables: Object.fromEntries(names.map((name) => [name, 'a value'])),
      examples: [],
    };
    expect(problemsOf(raw)).toEqual(["variables: received 21 variables; allowed: at most 20 (Bedrock's limit of input variables)"]);
  });

  test('rejects examples without an {{examples}} placeholder, or with two', () => {
    expect(problemsOf({ ...validPrompt(), template: '{{name}} {{tone}}' })).toEqual([
      'template: received 0 {{examples}} placeholders; allowed: exactly one {{examples}}, where the few-shot examples go',
    ]);
    expect(problemsOf({ ...validPrompt(), template: '{{examples}} {{name}} {{tone}} {{examples}}' })).toEqual([
      'template: received 2 {{examples}} placeholders; allowed: exactly one {{examples}}, where the few-shot examples go',
    ]);
  });

  test('rejects an {{examples}} placeholder in a prompt without examples', () => {
    expect(problemsOf({ ...validPrompt(), examples: [] })).toEqual(['template: received {{examples}} with no examples; allowed: {{examples}} only when the prompt has examples']);
  });

  test('rejects an example that misses a variable or gives an unknown one', () => {
    const raw = validPrompt();
    raw.examples.push({ values: { name: 'Bob', mood: 'happy' }, output: 'Hi Bob!' });
    expect(problemsOf(raw)).toEqual([
      'examples.1.values.tone: received nothing; allowed: a value for every declared variable',
      'examples.1.values.mood: received an unknown variable; allowed: the declared variables name, tone',
    ]);
  });

  test('rejects double braces in example values and outputs, which Bedrock would read as placeholders', () => {
    const raw = validPrompt();
    raw.examples[0].values.name = 'Ada {{x}}';
    raw.examples[0].output = 'Hello }}';
    expect(problemsOf(raw)).toEqual([
      'examples.0.values.name: received text with "{{" or "}}"; allowed: text without double braces (Bedrock would read them as a placeholder)',
      'examples.0.output: received text with "{{" or "}}"; allowed: text without double braces (Bedrock would read them as a placeholder)',
    ]);
  });

  test("rejects a template longer than Bedrock's 200,000 characters once the examples are in", () => {
    const raw = validPrompt();
    raw.template += 'x'.repeat(MAX_TEMPLATE_CHARACTERS - raw.template.length);
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^template: received \d+ characters with the examples; allowed: at most 200000 \(Bedrock's limit of a text template\)$/)]);
  });
});

describe('rendering', () => {
  test('expands the examples in declaration order, each variable and the output in tags', () => {
    expect(fewShotText(parsed())).toBe(
      ['<examples>', '<example>', '<name>', 'Ada', '</name>', '<tone>', 'formal', '</tone>', '<output>', 'Good morning, Ada.', '</output>', '</example>', '</examples>'].join('\n'),
    );
    expect(fewShotText(parsed({ ...validPrompt(), template: '{{name}} {{tone}}', examples: [] }))).toBe('');
  });

  test('keeps the variables as placeholders in the text Bedrock stores', () => {
    const stored = templateWithExamples(parsed());
    expect(stored).toContain('<output>\nGood morning, Ada.\n</output>');
    expect(stored).toMatch(/Name: \{\{name\}\}\nTone: \{\{tone\}\}$/);
    expect(stored).not.toContain('{{examples}}');
  });

  test('fills every variable in one pass: a value holding a placeholder stays as it is', () => {
    const text = renderPrompt(parsed(), { name: '{{tone}}', tone: 'casual' });
    expect(text).toMatch(/Name: \{\{tone\}\}\nTone: casual$/);
    expect(text).toContain('<name>\nAda\n</name>');
  });

  test('fails on a missing value and on an unknown variable, naming the prompt and version', () => {
    const error = thrown(() => renderPrompt(parsed(), { name: 'Ada', mood: 'happy' } as Record<string, string>));
    expect(error.message).toMatch(/^cannot render prompt greet v1:/);
    expect(error.problems).toEqual([
      'values.tone: received nothing; allowed: a text for every declared variable',
      'values.mood: received an unknown variable; allowed: the declared variables name, tone',
    ]);
  });
});

describe('content hash', () => {
  test('ignores the version, key order and formatting, and changes with the content', () => {
    const prompt = parsed();
    const reordered = parsed(Object.fromEntries(Object.entries(validPrompt()).reverse()));
    expect(promptSha256(reordered)).toBe(promptSha256(prompt));
    expect(promptSha256({ ...prompt, version: 7 })).toBe(promptSha256(prompt));
    expect(promptSha256({ ...prompt, description: 'Greets a customer' })).not.toBe(promptSha256(prompt));
    expect(promptSha256(prompt)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('loading a prompt folder', () => {
  test('loads the prompts sorted by id once the lock records them', () => {
    const other = { ...validPrompt(), id: 'another', template: '{{name}} {{tone}}', examples: [] };
    const dir = promptDir({ 'greet.json': validPrompt(), 'another.json': other });
    updatePromptLock(dir);
    expect(loadPromptLibrary(dir).map((prompt) => prompt.id)).toEqual(['another', 'greet']);
  });

  test('reports the problems of every file at once, each prefixed with its file name', () => {
    const dir = promptDir({ 'greet.json': { ...validPrompt(), version: 0 }, 'broken.json': '{ "id": ', 'other.json': { ...validPrompt(), template: '{{name}}' } });
    const error = thrown(() => loadPromptLibrary(dir));
    expect(error.message).toMatch(/: the prompt library is invalid \(4 problems\):/);
    expect(error.problems).toEqual([
      expect.stringMatching(/^broken\.json: not valid JSON: /),
      'greet.json: version: received 0; allowed: a whole number > 0, raised by the author whenever the prompt changes',
      'other.json: variables.tone: received a variable the template does not use; allowed: only variables the template has as {{tone}}',
      'other.json: template: received 0 {{examples}} placeholders; allowed: exactly one {{examples}}, where the few-shot examples go',
    ]);
  });

  test('rejects a file whose name is not its id, and ids used twice', () => {
    const dir = promptDir({ 'greet.json': validPrompt(), 'greeting.json': validPrompt() });
    expect(thrown(() => loadPromptLibrary(dir)).problems).toEqual([
      'greeting.json: id: received "greet"; allowed: the file name without .json ("greeting"), or rename the file to greet.json',
      'id: received "greet"; allowed: each prompt id in one file only',
    ]);
  });

  test('rejects a folder without prompt files', () => {
    expect(thrown(() => loadPromptLibrary(promptDir({ [LOCK_FILE]: {} }))).message).toMatch(/: no prompt file; allowed: one <id>\.json file per prompt$/);
  });
});

describe('the lock file', () => {
  function lockedDir(): string {
    const dir = promptDir({ 'greet.json': validPrompt() });
    updatePromptLock(dir);
    return dir;
  }

  function rewrite(dir: string, change: (raw: Record<string, any>) => void): void {
    const raw = validPrompt();
    change(raw);
    fs.writeFileSync(path.join(dir, 'greet.json'), JSON.stringify(raw));
  }

  test('records each prompt with its version and content hash', () => {
    const dir = lockedDir();
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'))).toEqual({ greet: { version: 1, sha256: promptSha256(parsed()) } });
  });

  test('fails loading when the content changed but the version did not, saying which version to set', () => {
    const dir = lockedDir();
    rewrite(dir, (raw) => (raw.template = raw.template.replace('Greet the customer.', 'Greet the customer warmly.')));
    const error = thrown(() => loadPromptLibrary(dir));
    expect(error.message).toMatch(/: the prompts do not match prompts\.lock\.json \(1 problem\):/);
    expect(error.problems).toEqual([
      expect.stringMatching(
        /^greet: the content changed but the version is still 1 \(locked sha256 [0-9a-f]{12}, now [0-9a-f]{12}\); a recorded version never changes: set "version": 2 in greet\.json, then run npx tsx lib\/adapt\/prompt-lock\.ts \S+$/,
      ),
    ]);
  });

  test('accepts a reformatted file with the same content', () => {
    const dir = lockedDir();
    fs.writeFileSync(path.join(dir, 'greet.json'), JSON.stringify(Object.fromEntries(Object.entries(validPrompt()).reverse())));
    expect(loadPromptLibrary(dir)).toHaveLength(1);
  });

  test('fails loading a new prompt, a new version, a lower version or a removed prompt until the lock records it', () => {
    const dir = lockedDir();
    rewrite(dir, (raw) => (raw.version = 2));
    fs.writeFileSync(path.join(dir, 'farewell.json'), JSON.stringify({ ...validPrompt(), id: 'farewell' }));
    expect(thrown(() => loadPromptLibrary(dir)).problems).toEqual([
      expect.stringMatching(/^farewell: a new prompt \(version 1\) that prompts\.lock\.json does not list; record it with npx tsx lib\/adapt\/prompt-lock\.ts /),
      expect.stringMatching(/^greet: version 2 is not recorded \(prompts\.lock\.json has 1\); record it with npx tsx lib\/adapt\/prompt-lock\.ts /),
    ]);
    expect(updatePromptLock(dir)).toEqual([
      { id: 'farewell', version: 1, change: 'added' },
      { id: 'greet', version: 2, change: 'new version' },
    ]);
    expect(loadPromptLibrary(dir)).toHaveLength(2);

    rewrite(dir, (raw) => (raw.version = 1));
    fs.rmSync(path.join(dir, 'farewell.json'));
    expect(thrown(() => loadPromptLibrary(dir)).problems).toEqual([
      expect.stringMatching(/^greet: version 1 is below the locked version 2; allowed: 2 unchanged, or a higher version recorded with /),
      expect.stringMatching(/^farewell: listed in prompts\.lock\.json but there is no farewell\.json; record the removal with /),
    ]);
  });

  test('update refuses content changed under a recorded version, and a lower version, writing nothing', () => {
    const dir = lockedDir();
    const before = fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8');
    rewrite(dir, (raw) => (raw.description = 'Greets a customer'));
    const error = thrown(() => updatePromptLock(dir));
    expect(error.message).toMatch(/prompts\.lock\.json not updated \(1 problem\):/);
    expect(error.problems).toEqual(['greet: the content changed but the version is still 1; allowed: set "version": 2 in greet.json first']);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(before);

    rewrite(dir, (raw) => (raw.version = 3));
    updatePromptLock(dir);
    rewrite(dir, (raw) => (raw.version = 2));
    expect(thrown(() => updatePromptLock(dir)).problems).toEqual(['greet: version 2 is below the locked version 3; allowed: 3 or higher']);
  });

  test('update drops removed prompts and reports them', () => {
    const dir = promptDir({ 'greet.json': validPrompt(), 'farewell.json': { ...validPrompt(), id: 'farewell' } });
    updatePromptLock(dir);
    fs.rmSync(path.join(dir, 'farewell.json'));
    expect(updatePromptLock(dir)).toEqual([
      { id: 'greet', version: 1, change: 'unchanged' },
      { id: 'farewell', version: 1, change: 'removed' },
    ]);
    expect(Object.keys(readPromptLock(dir))).toEqual(['greet']);
  });

  test('rejects a malformed lock file, saying how to regenerate it', () => {
    const dir = promptDir({ 'greet.json': validPrompt(), [LOCK_FILE]: { greet: { version: 1, sha256: 'abc' } } });
    const error = thrown(() => loadPromptLibrary(dir));
    expect(error.message).toMatch(/prompts\.lock\.json is invalid; regenerate it with npx tsx lib\/adapt\/prompt-lock\.ts /);
    expect(error.problems).toEqual(['greet.sha256: received "abc"; allowed: a SHA-256 hash in hex']);
  });

  test('the command line writes the lock and prints each prompt, and fails with the problems', () => {
    const dir = promptDir({ 'greet.json': validPrompt() });
    const out: string[] = [];
    const err: string[] = [];
    expect(lockMain([dir], (text) => out.push(text), (text) => err.push(text))).toBe(0);
    expect(out.join('')).toBe('greet v1: added\n');
    rewrite(dir, (raw) => (raw.description = 'Greets a customer'));
    expect(lockMain([dir], (text) => out.push(text), (text) => err.push(text))).toBe(1);
    expect(err.join('')).toContain('the content changed but the version is still 1');
    expect(lockMain([], (text) => out.push(text), (text) => err.push(text))).toBe(2);
    expect(err.join('')).toContain('usage: npx tsx lib/adapt/prompt-lock.ts <prompt folder>');
  });
});
