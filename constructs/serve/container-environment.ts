import type { ServingServer } from '../../lib/catalog/containers';
import type { Precision } from '../../lib/sizing/memory';

/** Where SageMaker puts the model files of ModelDataSource in the container. */
export const MODEL_DIR = '/opt/ml/model';

export interface ServerSettings {
  readonly server: ServingServer;
  readonly precision: Precision;
  readonly tensorParallelDegree: number;
  readonly maxSequenceLength: number;
  readonly maxConcurrentRequests: number;
}

/** Activation dtype of each precision; quantized checkpoints (int8, fp8, int4) run 16-bit activations. */
const LMI_DTYPE: Record<Precision, string> = { fp32: 'fp32', bf16: 'bf16', fp16: 'fp16', int8: 'fp16', fp8: 'fp16', int4: 'fp16' };
const TGI_DTYPE: Partial<Record<Precision, string>> = { bf16: 'bfloat16', fp16: 'float16' };

/** Precisions each server can load; TGI has no fp32 dtype. */
export function serverSupports(server: ServingServer, precision: Precision): boolean {
  return server === 'lmi' || precision !== 'fp32';
}

/**
 * The container environment of a server reading the model from MODEL_DIR.
 * Quantized precisions expect a pre-quantized checkpoint (AWQ, GPTQ, FP8):
 * both engines read the quantization from its config, so none is forced.
 */
export function containerEnvironment(settings: ServerSettings): Record<string, string> {
  if (settings.server === 'lmi') {
    // LMI (DJL Serving) maps option.<name> to OPTION_<NAME>; vLLM is the rolling-batch engine.
    return {
      HF_MODEL_ID: MODEL_DIR,
      OPTION_ROLLING_BATCH: 'vllm',
      OPTION_TENSOR_PARALLEL_DEGREE: String(settings.tensorParallelDegree),
      OPTION_MAX_MODEL_LEN: String(settings.maxSequenceLength),
      OPTION_MAX_ROLLING_BATCH_SIZE: String(settings.maxConcurrentRequests),
      OPTION_DTYPE: LMI_DTYPE[settings.precision],
    };
  }
  const environment: Record<string, string> = {
    HF_MODEL_ID: MODEL_DIR,
    SM_NUM_GPUS: String(settings.tensorParallelDegree),
    MAX_TOTAL_TOKENS: String(settings.maxSequenceLength),
    MAX_INPUT_TOKENS: String(settings.maxSequenceLength - 1),
    // Caps the batch, not the queue: a low MAX_CONCURRENT_REQUESTS would refuse requests instead of queueing them.
    MAX_BATCH_TOTAL_TOKENS: String(settings.maxSequenceLength * settings.maxConcurrentRequests),
  };
  const dtype = TGI_DTYPE[settings.precision];
  if (dtype !== undefined) environment.DTYPE = dtype;
  return environment;
}
