import { HOURS_PER_MONTH, INSTANCES, type InstanceFact } from '../catalog/instances';
import { GIB, type MemoryEstimate } from './memory';

/** Share of accelerator memory a model may use: the serving engine reserves the rest. */
export const USABLE_MEMORY_FRACTION = 0.9;

export interface InstanceFit {
  readonly instance: InstanceFact;
  readonly fits: boolean;
  /** Why it does not fit. */
  readonly reason?: string;
  readonly neededGiB: number;
  /** 90 % of the accelerator memory of the accelerators used (all of them when it does not fit). */
  readonly usableGiB: number;
  /** Accelerators the model is sharded over: the fewest that hold it, a divisor of the instance's count. */
  readonly tensorParallelDegree?: number;
  readonly usdPerHour: number;
  readonly usdPerMonth: number;
}

function divisors(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index + 1).filter((d) => count % d === 0);
}

/** Compute capability bf16 kernels need (Ampere and later). */
const BF16_COMPUTE_CAPABILITY = 8.0;

/** Whether and how a model fits one instance. */
export function fitInstance(estimate: MemoryEstimate, instance: InstanceFact): InstanceFit {
  const neededGiB = estimate.totalBytes / GIB;
  const perAccelerator = instance.accelerator.memoryGiB / instance.accelerator.count;
  const prices = { usdPerHour: instance.price.usdPerHour, usdPerMonth: instance.price.usdPerHour * HOURS_PER_MONTH };
  const allUsable = instance.accelerator.memoryGiB * USABLE_MEMORY_FRACTION;
  if (instance.accelerator.kind !== 'nvidia') {
    return { instance, fits: false, reason: 'Neuron only: the LMI/vLLM and TGI images need NVIDIA GPUs', neededGiB, usableGiB: allUsable, ...prices };
  }
  if (estimate.precision === 'bf16' && (instance.accelerator.computeCapability ?? 0) < BF16_COMPUTE_CAPABILITY) {
    return { instance, fits: false, reason: `${instance.accelerator.model} has no bf16 support: serve in fp16`, neededGiB, usableGiB: allUsable, ...prices };
  }
  const degree = divisors(instance.accelerator.count).find((d) => neededGiB <= perAccelerator * d * USABLE_MEMORY_FRACTION);
  if (degree === undefined) {
    return { instance, fits: false, reason: `needs ${neededGiB.toFixed(1)} GiB, has ${allUsable.toFixed(1)} GiB usable`, neededGiB, usableGiB: allUsable, ...prices };
  }
  return { instance, fits: true, neededGiB, usableGiB: perAccelerator * degree * USABLE_MEMORY_FRACTION, tensorParallelDegree: degree, ...prices };
}

/** Every instance: those that fit first, cheapest first, then those that do not, cheapest first. */
export function fitInstances(estimate: MemoryEstimate, instances: readonly InstanceFact[] = INSTANCES): InstanceFit[] {
  return instances
    .map((instance) => fitInstance(estimate, instance))
    .sort((a, b) => Number(b.fits) - Number(a.fits) || a.usdPerHour - b.usdPerHour || a.instance.instanceType.localeCompare(b.instance.instanceType));
}

/** The cheapest instance that fits, or undefined when none does. */
export function cheapestFit(estimate: MemoryEstimate, instances: readonly InstanceFact[] = INSTANCES): InstanceFit | undefined {
  const best = fitInstances(estimate, instances)[0];
  return best?.fits ? best : undefined;
}
