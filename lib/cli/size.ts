import { parseArgs } from 'node:util';
import { HOURS_PER_MONTH } from '../catalog/instances';
import { loadEnvironment } from '../config/load';
import { KitError } from '../errors';
import { estimateMemory, fitInstances, GIB, PRECISION_BYTES, type InstanceFit, type MemoryEstimate, type Precision, type SizingInput } from '../sizing';

export const SIZE_USAGE = `usage: kit size --params BILLIONS --precision ${Object.keys(PRECISION_BYTES).join('|')} --context TOKENS --concurrency N
                [--layers N --kv-heads N --head-dim N] [--json]
       kit size --env NAME [--concurrency N] [--context TOKENS] [--json]

Estimates the accelerator memory a model needs (weights + KV cache + 20 %)
and lists every catalogued instance: those that fit first, cheapest first.`;

export interface SizeReport {
  readonly input: SizingInput;
  readonly estimate: MemoryEstimate;
  readonly instances: InstanceFit[];
}

function number(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new KitError(`--${option} received ${JSON.stringify(value)}; allowed: a number`);
  return parsed;
}

/** Reads the sizing input from the command line, or from an environment's config with `--env`. */
export function sizeInput(argv: readonly string[]): { input: SizingInput; json: boolean } {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      params: { type: 'string' },
      precision: { type: 'string' },
      context: { type: 'string' },
      concurrency: { type: 'string' },
      layers: { type: 'string' },
      'kv-heads': { type: 'string' },
      'head-dim': { type: 'string' },
      env: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new KitError(`unexpected argument ${JSON.stringify(positionals[0])}\n${SIZE_USAGE}`);
  const shapeValues = [number('layers', values.layers), number('kv-heads', values['kv-heads']), number('head-dim', values['head-dim'])];
  const given = shapeValues.filter((v) => v !== undefined).length;
  if (given !== 0 && given !== 3) throw new KitError('--layers, --kv-heads and --head-dim go together: give all three or none');
  const shapeFromArgs = given === 3 ? { layers: shapeValues[0] as number, kvHeads: shapeValues[1] as number, headDim: shapeValues[2] as number } : undefined;

  if (values.env !== undefined) {
    const { config } = loadEnvironment(values.env);
    const model = config.model;
    if (model.source === 'bedrock') throw new KitError(`environment ${values.env} selects the Bedrock model ${model.modelId}: Bedrock hosts it, there is nothing to size`);
    return {
      json: values.json,
      input: {
        parametersBillions: model.parametersBillions,
        precision: model.precision as Precision,
        maxSequenceLength: number('context', values.context) ?? model.contextLength,
        concurrentSequences: number('concurrency', values.concurrency) ?? 1,
        architecture: shapeFromArgs ?? model.architecture,
      },
    };
  }
  const missing = ['params', 'precision', 'context', 'concurrency'].filter((option) => values[option as keyof typeof values] === undefined);
  if (missing.length > 0) throw new KitError(`missing ${missing.map((m) => `--${m}`).join(', ')}\n${SIZE_USAGE}`);
  if (!(values.precision! in PRECISION_BYTES)) {
    throw new KitError(`--precision received ${JSON.stringify(values.precision)}; allowed: ${Object.keys(PRECISION_BYTES).join(' | ')}`);
  }
  return {
    json: values.json,
    input: {
      parametersBillions: number('params', values.params)!,
      precision: values.precision as Precision,
      maxSequenceLength: number('context', values.context)!,
      concurrentSequences: number('concurrency', values.concurrency)!,
      architecture: shapeFromArgs,
    },
  };
}

export function sizeReport(input: SizingInput): SizeReport {
  const estimate = estimateMemory(input);
  return { input, estimate, instances: fitInstances(estimate) };
}

const gib = (bytes: number) => (bytes / GIB).toFixed(1);
const usd = (value: number) => value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatSizeTable(report: SizeReport): string {
  const { estimate, input } = report;
  const shape = `${estimate.shape.layers} layers x ${estimate.shape.kvHeads} KV heads x ${estimate.shape.headDim}`;
  const lines = [
    `model: ${input.parametersBillions}B parameters in ${input.precision}, ${input.maxSequenceLength} tokens x ${input.concurrentSequences} concurrent sequences`,
    `memory: ${gib(estimate.weightsBytes)} GiB weights + ${gib(estimate.kvCacheBytes)} GiB KV cache (${(estimate.kvCacheBytesPerToken / 1024).toFixed(0)} KiB/token, ${shape}${estimate.shapeAssumed ? ', assumed: give --layers --kv-heads --head-dim' : ''}) + ${gib(estimate.overheadBytes)} GiB overhead = ${gib(estimate.totalBytes)} GiB, within 90 % of accelerator memory`,
    '',
  ];
  const header = ['instance', 'fits', 'needed GiB', 'usable GiB', 'TP', 'USD/hour', 'USD/month', 'note'];
  const rows = report.instances.map((fit) => [
    fit.instance.instanceType,
    fit.fits ? 'yes' : 'no',
    fit.neededGiB.toFixed(1),
    fit.usableGiB.toFixed(1),
    fit.tensorParallelDegree === undefined ? '-' : String(fit.tensorParallelDegree),
    `${usd(fit.usdPerHour)}${fit.instance.price.confirmed ? '' : '*'}`,
    usd(fit.usdPerMonth),
    fit.reason ?? '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const render = (cells: string[]) => cells.map((cell, column) => (column >= 2 && column <= 6 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd();
  lines.push(render(header), ...rows.map(render));
  lines.push('', `prices: on-demand SageMaker hosting, us-east-1, ${HOURS_PER_MONTH} hours a month; * not confirmed by an AWS source (see lib/catalog/instances.ts)`);
  return `${lines.join('\n')}\n`;
}

export function sizeJson(report: SizeReport): string {
  const { estimate } = report;
  return `${JSON.stringify(
    {
      input: report.input,
      estimate: {
        weightsGiB: estimate.weightsBytes / GIB,
        kvCacheBytesPerToken: estimate.kvCacheBytesPerToken,
        kvCacheGiB: estimate.kvCacheBytes / GIB,
        overheadGiB: estimate.overheadBytes / GIB,
        totalGiB: estimate.totalBytes / GIB,
        shape: estimate.shape,
        shapeAssumed: estimate.shapeAssumed,
      },
      instances: report.instances.map((fit) => ({
        instanceType: fit.instance.instanceType,
        fits: fit.fits,
        reason: fit.reason,
        neededGiB: fit.neededGiB,
        usableGiB: fit.usableGiB,
        tensorParallelDegree: fit.tensorParallelDegree,
        usdPerHour: fit.usdPerHour,
        usdPerMonth: fit.usdPerMonth,
        priceConfirmed: fit.instance.price.confirmed,
        priceSource: fit.instance.price.source,
      })),
    },
    null,
    2,
  )}\n`;
}
