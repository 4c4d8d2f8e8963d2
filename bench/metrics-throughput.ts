/**
 * Throughput of the evaluation metrics on one thread: ROUGE-L pairs of
 * 200-token texts per second (the target: at least 5,000), ROUGE-1/2/L
 * together, corpus BLEU segments of 200 words, SQuAD questions (a short
 * answer against three accepted answers). Texts are generated from a fixed
 * seed, so every run scores the same inputs. Prints the median of the runs
 * and writes bench/metrics-results.json. Usage: npm run bench:metrics [-- --runs 5]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { corpusBleu, rougeL, rougeScore, squadScore } from '../lib/evaluate/metrics';

const ROOT = path.join(__dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const TOKENS = 200;
const ROUGE_L_TARGET = 5_000;

// Deterministic text: a linear congruential generator over a vocabulary with a Zipf-like skew.
let seed = 20_240_601;
const random = (): number => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
const VOCABULARY = Array.from({ length: 5_000 }, (_, i) => `w${i.toString(36)}${'aeiou'[i % 5]}`);
const word = (): string => VOCABULARY[Math.floor(VOCABULARY.length * random() ** 3)];
function text(words: number): string {
  const parts: string[] = [];
  for (let i = 0; i < words; i++) parts.push(i % 17 === 16 ? `${word()}.` : i % 7 === 6 ? `${word()},` : word());
  return parts.join(' ');
}
/** A reference and a prediction sharing about half their words, in a similar order. */
function pair(words: number): [string, string] {
  const reference = text(words).split(' ');
  const prediction = reference.map((w) => (random() < 0.5 ? w : word()));
  return [reference.join(' '), prediction.join(' ')];
}

const PAIRS = Array.from({ length: 2_000 }, () => pair(TOKENS));
const QUESTIONS = Array.from({ length: 20_000 }, () => ({ answer: text(1 + Math.floor(random() * 12)), truths: [text(3), text(5), text(8)] }));

/** Items per second of `work` over `items`, repeated until at least half a second has passed. */
function throughput(items: number, work: () => void): number {
  let done = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 0.5) {
    work();
    done += items;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return done / elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const measures: Record<string, { unit: string; work: () => void; items: number }> = {
  rougeL: { unit: `ROUGE-L pairs of ${TOKENS}-token texts / s`, items: PAIRS.length, work: () => PAIRS.forEach(([r, p]) => rougeL(r, p)) },
  rouge: {
    unit: `ROUGE-1/2/L pairs of ${TOKENS}-token texts / s`,
    items: PAIRS.length,
    work: () => PAIRS.forEach(([r, p]) => rougeScore(r, p)),
  },
  bleu: {
    unit: `corpus BLEU segments of ${TOKENS} words / s`,
    items: PAIRS.length,
    work: () => corpusBleu(PAIRS.map(([, p]) => p), PAIRS.map(([r]) => [r])),
  },
  squad: { unit: 'SQuAD questions (3 accepted answers) / s', items: QUESTIONS.length, work: () => QUESTIONS.forEach((q) => squadScore(q.answer, q.truths)) },
};

for (const { work } of Object.values(measures)) work(); // warm-up
const perSecond: Record<string, number[]> = {};
for (let run = 0; run < RUNS; run++) {
  for (const [name, { items, work }] of Object.entries(measures)) (perSecond[name] ??= []).push(throughput(items, work));
}

const results = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores (one used), node ${process.version}`,
  runs: RUNS,
  throughput: Object.fromEntries(Object.entries(measures).map(([name, { unit }]) => [name, { perSecond: Math.round(median(perSecond[name])), unit }])),
  target: { rougeLPairsPerSecond: ROUGE_L_TARGET, met: median(perSecond.rougeL) >= ROUGE_L_TARGET },
};
process.stdout.write(`metrics throughput, median of ${RUNS} runs (${results.machine})\n`);
for (const { perSecond: value, unit } of Object.values(results.throughput)) process.stdout.write(`  ${String(value).padStart(9)}  ${unit}\n`);
process.stdout.write(`ROUGE-L target ${ROUGE_L_TARGET} pairs/s: ${results.target.met ? 'met' : 'NOT met'}\n`);
fs.writeFileSync(path.join(ROOT, 'bench', 'metrics-results.json'), `${JSON.stringify(results, null, 2)}\n`);
