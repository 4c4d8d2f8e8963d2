import { KitError } from '../errors';
import { CATALOG_CHECKED } from './instances';

/**
 * LLM serving containers of the AWS Deep Learning Containers registries, with
 * pinned versions, and the registry account of each region.
 */

export const SERVING_SERVERS = ['lmi', 'tgi'] as const;
/** `lmi`: Large Model Inference (DJL Serving) with vLLM; `tgi`: Hugging Face Text Generation Inference. */
export type ServingServer = (typeof SERVING_SERVERS)[number];

export interface ServingContainer {
  readonly server: ServingServer;
  readonly repository: string;
  /** Pinned tag; bump it here, in one place. */
  readonly tag: string;
  readonly description: string;
  readonly source: string;
  readonly checked: string;
}

export const SERVING_CONTAINERS: Record<ServingServer, ServingContainer> = {
  lmi: {
    server: 'lmi',
    repository: 'djl-inference',
    tag: '0.36.0-lmi18.0.0-cu128',
    description: 'DJL Serving 0.36.0 with vLLM 0.12.0 (LMI 18)',
    source: 'aws/deep-learning-containers docs/reference/available_images.md, Large Model Inference Containers',
    checked: CATALOG_CHECKED,
  },
  tgi: {
    server: 'tgi',
    repository: 'huggingface-pytorch-tgi-inference',
    tag: '2.7.0-tgi3.3.6-gpu-py311-cu124-ubuntu22.04',
    description: 'Hugging Face TGI 3.3.6 (in maintenance mode upstream; prefer lmi)',
    source: 'Hugging Face "Available DLCs on AWS" list',
    checked: CATALOG_CHECKED,
  },
};

/**
 * ECR account of the Deep Learning Containers in each region where the LMI
 * images are published (aws/deep-learning-containers
 * docs/reference/region_availability.md, cross-checked with the SageMaker
 * Python SDK image_uri_config/djl-lmi.json). Regions absent from djl-lmi.json
 * (ap-south-2, ap-southeast-4/5/7, eu-central-2, eu-south-2, mx-central-1,
 * ap-east-2) and the China, GovCloud and ISO partitions are left out until
 * checked.
 */
export const DLC_REGISTRY_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '763104351884',
  'us-east-2': '763104351884',
  'us-west-1': '763104351884',
  'us-west-2': '763104351884',
  'ap-south-1': '763104351884',
  'ap-northeast-1': '763104351884',
  'ap-northeast-2': '763104351884',
  'ap-southeast-1': '763104351884',
  'ap-southeast-2': '763104351884',
  'ca-central-1': '763104351884',
  'eu-central-1': '763104351884',
  'eu-west-1': '763104351884',
  'eu-west-2': '763104351884',
  'eu-west-3': '763104351884',
  'eu-north-1': '763104351884',
  'sa-east-1': '763104351884',
  'af-south-1': '626614931356',
  'ap-east-1': '871362719292',
  'ap-northeast-3': '364406365360',
  'ap-southeast-3': '907027046896',
  'eu-south-1': '692866216735',
  'il-central-1': '780543022126',
  'me-south-1': '217643126080',
  'me-central-1': '914824155844',
};

/**
 * The Hugging Face PyTorch training container the fine-tuning pipeline runs
 * training/*.py in. training/requirements.txt pins what it ships: with
 * network isolation the toolkit's pip install must find everything present.
 */
export const TRAINING_CONTAINER = {
  repository: 'huggingface-pytorch-training',
  tag: '2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04',
  description: 'PyTorch 2.9.0, transformers 5.3.0, trl 0.28.0, peft 0.18.1, datasets 4.5.0 (release v1.0-hf-5.3.0-pt-2.9.0-tr-gpu-py312, 2026-04-16)',
  source: 'aws/deep-learning-containers release page and huggingface/pytorch/training/docker/2.9/py3/cu130/Dockerfile.gpu',
  checked: CATALOG_CHECKED,
} as const;

/** Where a Deep Learning Containers image lives in one region. */
export interface ServingImage {
  readonly account: string;
  readonly repository: string;
  readonly tag: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` */
  readonly uri: string;
}

/** The pinned image of a server in a region; an unknown region is an error naming the known ones. */
export function servingImage(server: ServingServer, region: string): ServingImage {
  const container = SERVING_CONTAINERS[server];
  if (container === undefined) {
    throw new KitError(`serving server ${JSON.stringify(server)} is unknown; known: ${SERVING_SERVERS.join(', ')}`);
  }
  return regionalImage(container, region);
}

/** The pinned training image in a region. */
export function trainingImage(region: string): ServingImage {
  return regionalImage(TRAINING_CONTAINER, region);
}

function regionalImage(container: { readonly repository: string; readonly tag: string }, region: string): ServingImage {
  const account = DLC_REGISTRY_ACCOUNTS[region];
  if (account === undefined) {
    throw new KitError(
      `region ${JSON.stringify(region)} has no ${container.repository} image in the catalog; known regions: ${Object.keys(DLC_REGISTRY_ACCOUNTS).sort().join(', ')}`,
    );
  }
  return {
    account,
    repository: container.repository,
    tag: container.tag,
    uri: `${account}.dkr.ecr.${region}.amazonaws.com/${container.repository}:${container.tag}`,
  };
}
