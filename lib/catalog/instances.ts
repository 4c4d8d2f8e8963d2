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
  /** Accelerator memory of the whole instance (all accelerators), GiB. */
  readonly memoryGiB: number;
  /** `neuron`: AWS Inferentia, served only by Neuron containers (not by the kit's LMI/vLLM or TGI GPU images). */
  readonly kind: 'nvidia' | 'neuron';
  /** CUDA compute capability of NVIDIA accelerators: bf16 needs 8.0 or more (not on T4). */
  readonly computeCapability?: number;
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
  row('ml.g4dn.xlarge', { count: 1, model: 'NVIDIA T4', memoryGiB: 16, kind: 'nvidia', computeCapability: 7.5 }, 4, 16, true, price(0.7364, false, SECONDARY)),
  row('ml.g4dn.2xlarge', { count: 1, model: 'NVIDIA T4', memoryGiB: 16, kind: 'nvidia', computeCapability: 7.5 }, 8, 32, true, price(0.94, true, PRICE_LIST)),
  row('ml.g4dn.4xlarge', { count: 1, model: 'NVIDIA T4', memoryGiB: 16, kind: 'nvidia', computeCapability: 7.5 }, 16, 64, true, price(1.505, false, SECONDARY)),
  row('ml.g4dn.8xlarge', { count: 1, model: 'NVIDIA T4', memoryGiB: 16, kind: 'nvidia', computeCapability: 7.5 }, 32, 128, true, price(2.72, false, SECONDARY)),
  row('ml.g4dn.12xlarge', { count: 4, model: 'NVIDIA T4', memoryGiB: 64, kind: 'nvidia', computeCapability: 7.5 }, 48, 192, true, price(4.89, false, SECONDARY)),
  row('ml.g4dn.16xlarge', { count: 1, model: 'NVIDIA T4', memoryGiB: 16, kind: 'nvidia', computeCapability: 7.5 }, 64, 256, true, price(5.44, false, SECONDARY)),
  row('ml.g5.xlarge', { count: 1, model: 'NVIDIA A10G', memoryGiB: 24, kind: 'nvidia', computeCapability: 8.6 }, 4, 16, true, price(1.4084, false, SECONDARY)),
  row('ml.g5.2xlarge', { count: 1, model: 'NVIDIA A10G', memoryGiB: 24, kind: 'nvidia', computeCapability: 8.6 }, 8, 32, true, price(1.515, true, PUBLISHED)),
  row('ml.g5.4xlarge', { count: 1, model: 'NVIDIA A10G', memoryGiB: 24, kind: 'nvidia', computeCapability: 8.6 }, 16, 64, true, price(2.03, false, SECONDARY)),
  row('ml.g5.8xlarge', { count: 1, model: 'NVIDIA A10G', memoryGiB: 24, kind: 'nvidia', computeCapability: 8.6 }, 32, 128, true, price(3.06, false, SECONDARY)),
  row('ml.g5.12xlarge', { count: 4, model: 'NVIDIA A10G', memoryGiB: 96, kind: 'nvidia', computeCapability: 8.6 }, 48, 192, true, price(7.09, true, PUBLISHED)),
  row('ml.g5.16xlarge', { count: 1, model: 'NVIDIA A10G', memoryGiB: 24, kind: 'nvidia', computeCapability: 8.6 }, 64, 256, true, price(5.12, false, SECONDARY)),
  row('ml.g5.24xlarge', { count: 4, model: 'NVIDIA A10G', memoryGiB: 96, kind: 'nvidia', computeCapability: 8.6 }, 96, 384, true, price(10.18, false, SECONDARY)),
  row('ml.g5.48xlarge', { count: 8, model: 'NVIDIA A10G', memoryGiB: 192, kind: 'nvidia', computeCapability: 8.6 }, 192, 768, true, price(20.36, true, PUBLISHED)),
  row('ml.g6.xlarge', { count: 1, model: 'NVIDIA L4', memoryGiB: 24, kind: 'nvidia', computeCapability: 8.9 }, 4, 16, true, price(1.1267, true, PRICE_LIST)),
  row('ml.g6.2xlarge', { count: 1, model: 'NVIDIA L4', memoryGiB: 24, kind: 'nvidia', computeCapability: 8.9 }, 8, 32, true, price(1.222, true, PRICE_LIST)),
  row('ml.g6.4xlarge', { count: 1, model: 'NVIDIA L4', memoryGiB: 24, kind: 'nvidia', computeCapability: 8.9 }, 16, 64, true, price(1.654, false, SECONDARY)),
  row('ml.g6.8xlarge', { count: 1, model: 'NVIDIA L4', memoryGiB: 24, kind: 'nvidia', computeCapability: 8.9 }, 32, 128, true, price(2.518, false, SECONDARY)),
  row('ml.g6.12xlarge', { count: 4, model: 'NVIDIA L4', memoryGiB: 96, kind: 'nvidia', computeCapability: 8.9 }, 48, 192, true, price(5.752, true, PUBLISHED)),
  row('ml.g6.16xlarge', { count: 1, model: 'NVIDIA L4', memoryGiB: 24, kind: 'nvidia', computeCapability: 8.9 }, 64, 256, true, price(4.246, true, PRICE_LIST)),
  row('ml.g6.24xlarge', { count: 4, model: 'NVIDIA L4', memoryGiB: 96, kind: 'nvidia', computeCapability: 8.9 }, 96, 384, true, price(8.344, false, SECONDARY)),
  row('ml.g6.48xlarge', { count: 8, model: 'NVIDIA L4', memoryGiB: 192, kind: 'nvidia', computeCapability: 8.9 }, 192, 768, true, price(16.688, true, PUBLISHED)),
  row('ml.g6e.xlarge', { count: 1, model: 'NVIDIA L40S', memoryGiB: 48, kind: 'nvidia', computeCapability: 8.9 }, 4, 32, true, price(2.6054, false, SECONDARY)),
  row('ml.g6e.2xlarge', { count: 1, model: 'NVIDIA L40S', memoryGiB: 48, kind: 'nvidia', computeCapability: 8.9 }, 8, 64, true, price(2.8026, true, PRICE_LIST)),
  row('ml.g6e.4xlarge', { count: 1, model: 'NVIDIA L40S', memoryGiB: 48, kind: 'nvidia', computeCapability: 8.9 }, 16, 128, true, price(3.7553, false, SECONDARY)),
  row('ml.g6e.8xlarge', { count: 1, model: 'NVIDIA L40S', memoryGiB: 48, kind: 'nvidia', computeCapability: 8.9 }, 32, 256, true, price(5.6607, false, SECONDARY)),
  row('ml.g6e.12xlarge', { count: 4, model: 'NVIDIA L40S', memoryGiB: 192, kind: 'nvidia', computeCapability: 8.9 }, 48, 384, true, price(13.1158, true, PRICE_LIST)),
  row('ml.g6e.16xlarge', { count: 1, model: 'NVIDIA L40S', memoryGiB: 48, kind: 'nvidia', computeCapability: 8.9 }, 64, 512, true, price(9.47, false, ESTIMATE)),
  row('ml.g6e.24xlarge', { count: 4, model: 'NVIDIA L40S', memoryGiB: 192, kind: 'nvidia', computeCapability: 8.9 }, 96, 768, true, price(18.832, false, SECONDARY)),
  row('ml.g6e.48xlarge', { count: 8, model: 'NVIDIA L40S', memoryGiB: 384, kind: 'nvidia', computeCapability: 8.9 }, 192, 1536, true, price(37.664, false, SECONDARY)),
  row('ml.p4d.24xlarge', { count: 8, model: 'NVIDIA A100 40GB', memoryGiB: 320, kind: 'nvidia', computeCapability: 8.0 }, 96, 1152, true, price(37.688, false, P_FAMILY)),
  row('ml.p4de.24xlarge', { count: 8, model: 'NVIDIA A100 80GB', memoryGiB: 640, kind: 'nvidia', computeCapability: 8.0 }, 96, 1152, true, price(47.1, false, P4DE)),
  row('ml.p5.48xlarge', { count: 8, model: 'NVIDIA H100', memoryGiB: 640, kind: 'nvidia', computeCapability: 9.0 }, 192, 2048, true, price(113.068, false, P_FAMILY)),
  row('ml.inf2.xlarge', { count: 1, model: 'AWS Inferentia2', memoryGiB: 32, kind: 'neuron' }, 4, 16, false, price(0.99, false, SECONDARY)),
  row('ml.inf2.8xlarge', { count: 1, model: 'AWS Inferentia2', memoryGiB: 32, kind: 'neuron' }, 32, 128, false, price(2.36, false, SECONDARY)),
  row('ml.inf2.24xlarge', { count: 6, model: 'AWS Inferentia2', memoryGiB: 192, kind: 'neuron' }, 96, 384, false, price(7.79, false, SECONDARY)),
  row('ml.inf2.48xlarge', { count: 12, model: 'AWS Inferentia2', memoryGiB: 384, kind: 'neuron' }, 192, 768, false, price(15.58, false, SECONDARY)),
];

/** The facts of one instance type; an unknown type is an error that names the known ones. */
export function instanceFact(instanceType: string): InstanceFact {
  const fact = INSTANCES.find((candidate) => candidate.instanceType === instanceType);
  if (fact === undefined) {
    throw new KitError(`instance type ${JSON.stringify(instanceType)} is not in the catalog; known: ${INSTANCES.map((i) => i.instanceType).join(', ')}`);
  }
  return fact;
}

/** Hours in an average month (365 x 24 / 12), for monthly prices. */
export const HOURS_PER_MONTH = 730;
