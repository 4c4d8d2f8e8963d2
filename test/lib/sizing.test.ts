import { instanceFact } from '../../lib/catalog';
import { assumedShape, cheapestFit, estimateMemory, fitInstance, fitInstances, GB, GIB } from '../../lib/sizing';

const LLAMA_31_8B = { layers: 32, kvHeads: 8, headDim: 128 };

describe('memory estimate', () => {
  test('Llama 3.1 8B in bf16: about 16 GB of weights and 128 KiB of KV cache per token', () => {
    const estimate = estimateMemory({ parametersBillions: 8.03, precision: 'bf16', maxSequenceLength: 8192, concurrentSequences: 1, architecture: LLAMA_31_8B });
    expect(estimate.weightsBytes / GB).toBeCloseTo(16.06, 2);
    expect(estimate.kvCacheBytesPerToken).toBe(128 * 1024);
    expect(estimate.kvCacheBytes).toBe(128 * 1024 * 8192);
    expect(estimate.totalBytes).toBeCloseTo((estimate.weightsBytes + estimate.kvCacheBytes) * 1.2, 0);
    expect(estimate.shapeAssumed).toBe(false);
  });

  test('counts bytes per parameter by precision', () => {
    const weights = (precision: 'fp32' | 'fp16' | 'int8' | 'fp8' | 'int4') =>
      estimateMemory({ parametersBillions: 10, precision, maxSequenceLength: 1, concurrentSequences: 1 }).weightsBytes / GB;
    expect([weights('fp32'), weights('fp16'), weights('int8'), weights('fp8'), weights('int4')]).toEqual([40, 20, 10, 10, 5]);
  });

  test('keeps a 16-bit KV cache under quantized weights', () => {
    const int4 = estimateMemory({ parametersBillions: 8, precision: 'int4', maxSequenceLength: 1, concurrentSequences: 1, architecture: LLAMA_31_8B });
    expect(int4.kvCacheBytesPerToken).toBe(128 * 1024);
  });

  test('scales the KV cache with sequence length and concurrency', () => {
    const one = estimateMemory({ parametersBillions: 8, precision: 'bf16', maxSequenceLength: 4096, concurrentSequences: 1, architecture: LLAMA_31_8B });
    const eight = estimateMemory({ parametersBillions: 8, precision: 'bf16', maxSequenceLength: 4096, concurrentSequences: 8, architecture: LLAMA_31_8B });
    expect(eight.kvCacheBytes).toBe(8 * one.kvCacheBytes);
  });

  test('assumes the Llama 3 shape of known sizes when none is given', () => {
    expect(assumedShape(8)).toEqual(LLAMA_31_8B);
    expect(assumedShape(70)).toEqual({ layers: 80, kvHeads: 8, headDim: 128 });
    expect(assumedShape(0.5).layers).toBe(16);
    expect(assumedShape(1000).layers).toBe(126);
    expect(assumedShape(13).layers).toBeGreaterThan(32);
    expect(assumedShape(13).layers).toBeLessThan(80);
  });

  test('rejects sizes that are not positive', () => {
    expect(() => estimateMemory({ parametersBillions: 0, precision: 'bf16', maxSequenceLength: 1, concurrentSequences: 1 })).toThrow(
      /sizing: parametersBillions received 0; allowed: a number > 0/,
    );
    expect(() => estimateMemory({ parametersBillions: 1, precision: 'bf16', maxSequenceLength: 1, concurrentSequences: 1.5 })).toThrow(
      /sizing: concurrentSequences received 1\.5; allowed: a whole number > 0/,
    );
  });
});

describe('instance fit', () => {
  const seventy = estimateMemory({ parametersBillions: 70, precision: 'fp16', maxSequenceLength: 4096, concurrentSequences: 4 });

  test('a 70B model in fp16 (about 140 GB of weights) does not fit ml.g5.12xlarge but fits ml.p4d.24xlarge', () => {
    expect(seventy.weightsBytes / GB).toBe(140);
    const g5 = fitInstance(seventy, instanceFact('ml.g5.12xlarge'));
    expect(g5.fits).toBe(false);
    expect(g5.reason).toMatch(/needs 162\.\d GiB, has 81\.0 GiB usable/);
    const p4d = fitInstance(seventy, instanceFact('ml.p4d.24xlarge'));
    expect(p4d.fits).toBe(true);
    expect(p4d.tensorParallelDegree).toBe(8);
  });

  test('counts accelerator memory as the driver reports it, not the nominal GB', () => {
    const l4 = instanceFact('ml.g6.xlarge').accelerator;
    expect(l4.memoryGiB).toBeCloseTo(22.49, 2);
    // Llama 3.1 8B bf16 with 4 sequences of 4096 tokens needs 20.35 GiB: more than 90 % of an L4.
    const eight = estimateMemory({ parametersBillions: 8.03, precision: 'bf16', maxSequenceLength: 4096, concurrentSequences: 4, architecture: LLAMA_31_8B });
    expect(fitInstance(eight, instanceFact('ml.g6.xlarge')).fits).toBe(false);
  });

  test('lists fitting instances cheapest first, then the rest', () => {
    const fits = fitInstances(seventy);
    const firstMiss = fits.findIndex((fit) => !fit.fits);
    expect(fits.slice(0, firstMiss).every((fit) => fit.fits)).toBe(true);
    expect(fits.slice(firstMiss).every((fit) => !fit.fits)).toBe(true);
    const prices = fits.slice(0, firstMiss).map((fit) => fit.usdPerHour);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(cheapestFit(seventy)?.instance.instanceType).toBe(fits[0].instance.instanceType);
  });

  test('uses the fewest accelerators that hold the model, a divisor of the count', () => {
    const eight = estimateMemory({ parametersBillions: 8.03, precision: 'fp16', maxSequenceLength: 8192, concurrentSequences: 8, architecture: LLAMA_31_8B });
    const fit = fitInstance(eight, instanceFact('ml.g5.12xlarge'));
    expect(eight.totalBytes / GIB).toBeGreaterThan((23028 * 0.9) / 1024);
    expect(fit.tensorParallelDegree).toBe(2);
    expect(fit.usableGiB).toBeCloseTo((2 * 23028 * 0.9) / 1024, 6);
  });

  test('refuses bf16 on T4 and Neuron-only instances for GPU serving', () => {
    const small = estimateMemory({ parametersBillions: 1, precision: 'bf16', maxSequenceLength: 1024, concurrentSequences: 1 });
    expect(fitInstance(small, instanceFact('ml.g4dn.xlarge')).reason).toMatch(/no bf16 support/);
    expect(fitInstance(small, instanceFact('ml.inf2.xlarge')).reason).toMatch(/Neuron only/);
    const fp16 = estimateMemory({ parametersBillions: 1, precision: 'fp16', maxSequenceLength: 1024, concurrentSequences: 1 });
    expect(fitInstance(fp16, instanceFact('ml.g4dn.xlarge')).fits).toBe(true);
  });

  test('finds nothing for a model larger than every instance', () => {
    expect(cheapestFit(estimateMemory({ parametersBillions: 405, precision: 'fp32', maxSequenceLength: 8192, concurrentSequences: 8 }))).toBeUndefined();
  });
});
