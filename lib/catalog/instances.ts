import { KitError } from '../errors';

/**
 * SageMaker real-time hosting instances with accelerators: the facts the
 * sizing and cost features read. Hardware is that of the EC2 type of the same
 * name; prices are on-demand SageMaker hosting in us-east-1, each with its
 * source and whether a primary source confirmed it.
 */

/** When the rows below were last checked. */
export const CATALOG_CHECKED = '2026-11-28';
export const PRICE_REGION = 'us-east-1';

export interface AcceleratorFact {
  /** Accelerators per instance. */
  readonly count: number;
  readonly model: string;
  /** Memory of one accelerator as the driver reports it (nvidia-smi "Total"), MiB: less than the nominal GB. */
  readonly memoryMiBEach: number;
  /** Accelerator memory of the whole instance (all accelerators), GiB, from memoryMiBEach. */
  readonly memoryGiB: number;
  /** `neuron`: AWS Inferentia, served only by Neuron containers (not by the kit's LMI/vLLM or TGI GPU images). */
  readonly kind: 'nvidia' | 'neuron';
  /** CUDA compute capability of NVIDIA accelerators: bf16 needs 8.0 or more (not on T4). */
  readonly computeCapability?: number;
}

/**
 * One accelerator of each model: memory as nvidia-smi reports it on the
 * instance (T4 15360 MiB, A10G 23028, L4 23034, L40S 46068, A100 40 GB 40960,
 * A100 80 GB 81920, H100 81559), Inferentia2 at its nominal 32 GiB.
 */
const ACCELERATORS = {
  T4: { model: 'NVIDIA T4', memoryMiBEach: 15360, kind: 'nvidia', computeCapability: 7.5 },
  A10G: { model: 'NVIDIA A10G', memoryMiBEach: 23028, kind: 'nvidia', computeCapability: 8.6 },
  L4: { model: 'NVIDIA L4', memoryMiBEach: 23034, kind: 'nvidia', computeCapability: 8.9 },
  L40S: { model: 'NVIDIA L40S', memoryMiBEach: 46068, kind: 'nvidia', computeCapability: 8.9 },
  A100_40: { model: 'NVIDIA A100 40GB', memoryMiBEach: 40960, kind: 'nvidia', computeCapability: 8.0 },
  A100_80: { model: 'NVIDIA A100 80GB', memoryMiBEach: 81920, kind: 'nvidia', computeCapability: 8.0 },
  H100: { model: 'NVIDIA H100', memoryMiBEach: 81559, kind: 'nvidia', computeCapability: 9.0 },
  INF2: { model: 'AWS Inferentia2', memoryMiBEach: 32768, kind: 'neuron' },
} as const;

function accel(name: keyof typeof ACCELERATORS, count: number): AcceleratorFact {
  const device = ACCELERATORS[name];
  return { count, ...device, memoryGiB: (device.memoryMiBEach * count) / 1024 };
}

export interface PriceFact {
  /** On-demand SageMaker real-time hosting price, USD per hour, in PRICE_REGION. */
  readonly usdPerHour: number;
  /** True when a primary source (AWS price list row or AWS-published figure) gave this number. */
  readonly confirmed: boolean;
  readonly source: string;
  readonly checked: string;
}

export interface InstanceFact {
  readonly instanceType: string;
  readonly accelerator: AcceleratorFact;
  readonly vcpu: number;
  readonly memoryGiB: number;
  /** Local NVMe instance storage: SageMaker rejects VolumeSizeInGB for these types. */
  readonly localNvme: boolean;
  readonly price: PriceFact;
  readonly specSource: string;
}

const PUBLISHED = 'AWS-published us-east-1 SageMaker hosting price, as listed in aws-samples/foundation-model-benchmarking-tool (fmbench pricing.yml)';
const PRICE_LIST = 'AWS Price List API, AmazonSageMaker us-east-1, USE1-Host row (as quoted by public project reports)';
const SECONDARY = 'secondary price tables in public repositories (not an AWS page); check aws.amazon.com/sagemaker/pricing';
const ESTIMATE = 'estimate: EC2 on-demand price x 1.25, the hosting mark-up of the confirmed g-family rows';
const P_FAMILY =
  'published hosting figure (fmbench pricing.yml); 2026 price tables show lower P4/P5 rates after the 2025 EC2 P4/P5 price cut (p4d 25.2513, p5 63.296): check before relying on it';
const P4DE = 'estimate: no hosting price found; real-time hosting availability of p4de is not confirmed';
const SPEC_SOURCE = 'Amazon EC2 accelerated computing instance specifications (same hardware as the ml. type)';

function price(usdPerHour: number, confirmed: boolean, source: string): PriceFact {
  return { usdPerHour, confirmed, source, checked: CATALOG_CHECKED };
}

function row(instanceType: string, accelerator: AcceleratorFact, vcpu: number, memoryGiB: number, localNvme: boolean, priceFact: PriceFact): InstanceFact {
  return { instanceType, accelerator, vcpu, memoryGiB, localNvme, price: priceFact, specSource: SPEC_SOURCE };
}

/** Every instance of the catalog, in family then size order. */
export const INSTANCES: readonly InstanceFact[] = [
  row('ml.g4dn.xlarge', accel('T4', 1), 4, 16, true, price(0.7364, false, SECONDARY)),
  row('ml.g4dn.2xlarge', accel('T4', 1), 8, 32, true, price(0.94, true, PRICE_LIST)),
  row('ml.g4dn.4xlarge', accel('T4', 1), 16, 64, true, price(1.505, false, SECONDARY)),
  row('ml.g4dn.8xlarge', accel('T4', 1), 32, 128, true, price(2.72, false, SECONDARY)),
  row('ml.g4dn.12xlarge', accel('T4', 4), 48, 192, true, price(4.89, false, SECONDARY)),
  row('ml.g4dn.16xlarge', accel('T4', 1), 64, 256, true, price(5.44, false, SECONDARY)),
  row('ml.g5.xlarge', accel('A10G', 1), 4, 16, true, price(1.4084, false, SECONDARY)),
  row('ml.g5.2xlarge', accel('A10G', 1), 8, 32, true, price(1.515, true, PUBLISHED)),
  row('ml.g5.4xlarge', accel('A10G', 1), 16, 64, true, price(2.03, false, SECONDARY)),
  row('ml.g5.8xlarge', accel('A10G', 1), 32, 128, true, price(3.06, false, SECONDARY)),
  row('ml.g5.12xlarge', accel('A10G', 4), 48, 192, true, price(7.09, true, PUBLISHED)),
  row('ml.g5.16xlarge', accel('A10G', 1), 64, 256, true, price(5.12, false, SECONDARY)),
  row('ml.g5.24xlarge', accel('A10G', 4), 96, 384, true, price(10.18, false, SECONDARY)),
  row('ml.g5.48xlarge', accel('A10G', 8), 192, 768, true, price(20.36, true, PUBLISHED)),
  row('ml.g6.xlarge', accel('L4', 1), 4, 16, true, price(1.1267, true, PRICE_LIST)),
  row('ml.g6.2xlarge', accel('L4', 1), 8, 32, true, price(1.222, true, PRICE_LIST)),
  row('ml.g6.4xlarge', accel('L4', 1), 16, 64, true, price(1.654, false, SECONDARY)),
  row('ml.g6.8xlarge', accel('L4', 1), 32, 128, true, price(2.518, false, SECONDARY)),
  row('ml.g6.12xlarge', accel('L4', 4), 48, 192, true, price(5.752, true, PUBLISHED)),
  row('ml.g6.16xlarge', accel('L4', 1), 64, 256, true, price(4.246, true, PRICE_LIST)),
  row('ml.g6.24xlarge', accel('L4', 4), 96, 384, true, price(8.344, false, SECONDARY)),
  row('ml.g6.48xlarge', accel('L4', 8), 192, 768, true, price(16.688, true, PUBLISHED)),
  row('ml.g6e.xlarge', accel('L40S', 1), 4, 32, true, price(2.6054, false, SECONDARY)),
  row('ml.g6e.2xlarge', accel('L40S', 1), 8, 64, true, price(2.8026, true, PRICE_LIST)),
  row('ml.g6e.4xlarge', accel('L40S', 1), 16, 128, true, price(3.7553, false, SECONDARY)),
  row('ml.g6e.8xlarge', accel('L40S', 1), 32, 256, true, price(5.6607, false, SECONDARY)),
  row('ml.g6e.12xlarge', accel('L40S', 4), 48, 384, true, price(13.1158, true, PRICE_LIST)),
  row('ml.g6e.16xlarge', accel('L40S', 1), 64, 512, true, price(9.47, false, ESTIMATE)),
  row('ml.g6e.24xlarge', accel('L40S', 4), 96, 768, true, price(18.832, false, SECONDARY)),
  row('ml.g6e.48xlarge', accel('L40S', 8), 192, 1536, true, price(37.664, false, SECONDARY)),
  row('ml.p4d.24xlarge', accel('A100_40', 8), 96, 1152, true, price(37.688, false, P_FAMILY)),
  row('ml.p4de.24xlarge', accel('A100_80', 8), 96, 1152, true, price(47.1, false, P4DE)),
  row('ml.p5.48xlarge', accel('H100', 8), 192, 2048, true, price(113.068, false, P_FAMILY)),
  row('ml.inf2.xlarge', accel('INF2', 1), 4, 16, false, price(0.99, false, SECONDARY)),
  row('ml.inf2.8xlarge', accel('INF2', 1), 32, 128, false, price(2.36, false, SECONDARY)),
  row('ml.inf2.24xlarge', accel('INF2', 6), 96, 384, false, price(7.79, false, SECONDARY)),
  row('ml.inf2.48xlarge', accel('INF2', 12), 192, 768, false, price(15.58, false, SECONDARY)),
];

/** The facts of one instance type, or undefined when the catalog does not have it. */
export function findInstance(instanceType: string): InstanceFact | undefined {
  return INSTANCES.find((candidate) => candidate.instanceType === instanceType);
}

/** The facts of one instance type; an unknown type is an error that names the known ones. */
export function instanceFact(instanceType: string): InstanceFact {
  const fact = findInstance(instanceType);
  if (fact === undefined) {
    throw new KitError(`instance type ${JSON.stringify(instanceType)} is not in the catalog; known: ${INSTANCES.map((i) => i.instanceType).join(', ')}`);
  }
  return fact;
}

/** Hours in an average month (365 x 24 / 12), for monthly prices. */
export const HOURS_PER_MONTH = 730;
