import { hyperparameterNameProblem, MAX_HYPERPARAMETER_VALUE, MAX_HYPERPARAMETERS } from '../../constructs/adapt/limits';

/** The hyperparameters of a run: the kit's defaults, the execution's request, and what only the kit sets. */
export interface HyperparameterLayers {
  readonly defaults: Readonly<Record<string, string>>;
  /** The execution input's `hyperparameters`: `{}` when it gave none. */
  readonly requested: unknown;
  readonly reserved: Readonly<Record<string, string>>;
}

/**
 * Thrown when the execution asked for hyperparameters SageMaker or the kit
 * would refuse; the state machine notifies the message and stops before any
 * job starts.
 */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInput';
  }
}

/**
 * Defaults, then the requested values (strings, numbers or booleans, as
 * strings: SageMaker takes strings only), then the reserved ones. Every
 * problem of the request is listed at once.
 */
export function mergeHyperparameters(layers: HyperparameterLayers): Record<string, string> {
  const { requested } = layers;
  if (requested === null || typeof requested !== 'object' || Array.isArray(requested)) {
    throw new InvalidInputError(`hyperparameters received ${JSON.stringify(requested)}; allowed: an object of name: value`);
  }
  const problems: string[] = [];
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(requested as Record<string, unknown>)) {
    const nameProblem = hyperparameterNameProblem(name);
    if (nameProblem !== undefined) problems.push(`hyperparameters.${name}: ${nameProblem}`);
    else if (!['string', 'number', 'boolean'].includes(typeof value)) problems.push(`hyperparameters.${name} received ${JSON.stringify(value)}; allowed: a string, number or boolean`);
    else if (String(value).length > MAX_HYPERPARAMETER_VALUE) problems.push(`hyperparameters.${name}: at most ${MAX_HYPERPARAMETER_VALUE} characters`);
    else values[name] = String(value);
  }
  const merged = { ...layers.defaults, ...values, ...layers.reserved };
  if (Object.keys(merged).length > MAX_HYPERPARAMETERS) problems.push(`hyperparameters: at most ${MAX_HYPERPARAMETERS} in all, the kit's included`);
  if (problems.length > 0) throw new InvalidInputError(problems.join('; '));
  return merged;
}
