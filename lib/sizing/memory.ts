import { KitError } from '../errors';

/**
 * How much accelerator memory serving a model needs: weights, plus the KV
 * cache of every concurrent sequence at full length, plus 20 % overhead
 * (activations, CUDA graphs, fragmentation).
 */

export const PRECISION_BYTES = { fp32: 4, bf16: 2, fp16: 2, int8: 1, fp8: 1, int4: 0.5 } as const;
export type Precision = keyof typeof PRECISION_BYTES;

/** Share of the estimate added for activations, CUDA graphs and allocator fragmentation. */
export const OVERHEAD_FRACTION = 0.2;
export const GIB = 2 ** 30;
export const GB = 1e9;

export interface TransformerShape {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
}

export interface SizingInput {
  readonly parametersBillions: number;
  readonly precision: Precision;
  /** Longest sequence (prompt + answer) served, in tokens. */
  readonly maxSequenceLength: number;
  /** Sequences served at the same time by one model copy. */
  readonly concurrentSequences: number;
  /** @default - a Llama-3-like shape assumed from the parameter count (see assumedShape) */
  readonly architecture?: TransformerShape;
}

export interface MemoryEstimate {
  readonly precision: Precision;
  readonly weightsBytes: number;
  readonly kvCacheBytesPerToken: number;
  readonly kvCacheBytes: number;
  readonly overheadBytes: number;
  readonly totalBytes: number;
  readonly shape: TransformerShape;
  /** True when the shape was assumed rather than given. */
  readonly shapeAssumed: boolean;
}

/**
 * Bytes of one KV-cache element. Quantized weights (int8, fp8, int4) are
 * served with a 16-bit KV cache by vLLM and TGI unless told otherwise.
 */
export function kvCacheElementBytes(precision: Precision): number {
  return precision === 'fp32' ? 4 : 2;
}

/** Layers of the Llama 3 family by size: the reference when a model's shape is not given. */
const REFERENCE_LAYERS: ReadonlyArray<readonly [billions: number, layers: number]> = [
  [1, 16],
  [3, 28],
  [8, 32],
  [70, 80],
  [405, 126],
];

/**
 * A grouped-query shape (8 KV heads of 128 dimensions, as Llama 3, Mistral and
 * Qwen 2.5 use) with the layer count interpolated, in log scale, from the
 * Llama 3 family. Models with full multi-head attention need up to several
 * times more KV cache: give their architecture.
 */
export function assumedShape(parametersBillions: number): TransformerShape {
  const points = REFERENCE_LAYERS;
  const x = Math.log(parametersBillions);
  let layers: number;
  if (parametersBillions <= points[0][0]) layers = points[0][1];
  else if (parametersBillions >= points[points.length - 1][0]) layers = points[points.length - 1][1];
  else {
    const upper = points.findIndex(([billions]) => billions >= parametersBillions);
    const [b0, l0] = points[upper - 1];
    const [b1, l1] = points[upper];
    layers = Math.round(l0 + ((l1 - l0) * (x - Math.log(b0))) / (Math.log(b1) - Math.log(b0)));
  }
  return { layers, kvHeads: 8, headDim: 128 };
}

function positive(name: string, value: number, integer: boolean): void {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new KitError(`sizing: ${name} received ${value}; allowed: a ${integer ? 'whole ' : ''}number > 0`);
  }
}

export function estimateMemory(input: SizingInput): MemoryEstimate {
  positive('parametersBillions', input.parametersBillions, false);
  positive('maxSequenceLength', input.maxSequenceLength, true);
  positive('concurrentSequences', input.concurrentSequences, true);
  const bytes = PRECISION_BYTES[input.precision];
  if (bytes === undefined) {
    throw new KitError(`sizing: precision received ${JSON.stringify(input.precision)}; allowed: ${Object.keys(PRECISION_BYTES).join(' | ')}`);
  }
  const shape = input.architecture ?? assumedShape(input.parametersBillions);
  positive('architecture.layers', shape.layers, true);
  positive('architecture.kvHeads', shape.kvHeads, true);
  positive('architecture.headDim', shape.headDim, true);
  const weightsBytes = input.parametersBillions * 1e9 * bytes;
  // Keys and values (2) of every layer's KV heads, per token.
  const kvCacheBytesPerToken = 2 * kvCacheElementBytes(input.precision) * shape.layers * shape.kvHeads * shape.headDim;
  const kvCacheBytes = kvCacheBytesPerToken * input.maxSequenceLength * input.concurrentSequences;
  const overheadBytes = (weightsBytes + kvCacheBytes) * OVERHEAD_FRACTION;
  return {
    precision: input.precision,
    weightsBytes,
    kvCacheBytesPerToken,
    kvCacheBytes,
    overheadBytes,
    totalBytes: weightsBytes + kvCacheBytes + overheadBytes,
    shape,
    shapeAssumed: input.architecture === undefined,
  };
}
