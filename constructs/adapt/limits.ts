/**
 * Limits and defaults of a fine-tuning run, shared by the config schema, the
 * construct and the dataset handler (no CDK imports, like network/limits.ts).
 */

/** Hyperparameter names SageMaker accepts and the kit lets runs set. */
export const HYPERPARAMETER_NAME = /^[a-zA-Z_][\w.-]{0,255}$/;
/** Hyperparameters only the kit sets (entry script, code, launcher). */
export const RESERVED_HYPERPARAMETER_PREFIX = 'sagemaker_';
/** SageMaker's limits on one hyperparameter value and on their number. */
export const MAX_HYPERPARAMETER_VALUE = 2500;
export const MAX_HYPERPARAMETERS = 100;

/** Defaults of the SageMaker training job. */
export const TRAINING_DEFAULTS = {
  instanceCount: 1,
  volumeSizeGiB: 200,
  maxRuntimeHours: 24,
  spot: true,
  /** Spot: the longest a run may take, waiting included, as a multiple of maxRuntime. */
  maxWaitFactor: 2,
  capacityRetries: 3,
} as const;

/** SageMaker's limit on MaxRuntimeInSeconds. */
export const MAX_RUNTIME_HOURS = 28 * 24;

/** The problem with a hyperparameter name, or undefined when it is fine. */
export function hyperparameterNameProblem(name: string): string | undefined {
  if (!HYPERPARAMETER_NAME.test(name)) return 'a hyperparameter name: letters, digits, _ . -, at most 256 characters';
  if (name.startsWith(RESERVED_HYPERPARAMETER_PREFIX)) return `another name: ${RESERVED_HYPERPARAMETER_PREFIX}* hyperparameters are set by the kit`;
  return undefined;
}
