import type { PrivateFunctionProps } from '../network/private-function';
import type { IInvokableModel } from '../serve/invokable-model';

/**
 * The model that answers: a Bedrock model (BedrockModel) or a SageMaker
 * endpoint (InferenceEndpoint), as the serve stage exposes them.
 */
export type AnswerModel =
  | (IInvokableModel & { readonly kind: 'bedrock'; readonly modelId: string })
  | (IInvokableModel & { readonly kind: 'sagemaker-endpoint'; readonly endpointName: string; readonly inferenceComponentName?: string });

/** Where a handler of the augment stage runs and logs: PrivateFunction's props but its code and sizing. */
export type AugmentFunctionOptions = Omit<PrivateFunctionProps, 'entry' | 'description' | 'timeout' | 'memorySize' | 'invocation'>;

/** The environment variables that tell a handler which model to call. */
export function modelEnvironment(model: AnswerModel): Record<string, string> {
  if (model.kind === 'bedrock') return { MODEL_KIND: 'bedrock', MODEL_ID: model.modelId };
  return {
    MODEL_KIND: 'sagemaker-endpoint',
    ENDPOINT_NAME: model.endpointName,
    ...(model.inferenceComponentName === undefined ? {} : { INFERENCE_COMPONENT_NAME: model.inferenceComponentName }),
  };
}

/** The function options among a handler construct's props. */
export function functionOptionsOf(props: AugmentFunctionOptions): AugmentFunctionOptions {
  const { vpc, vpcSubnets, securityGroups, encryptionKey, logRetention, removalPolicy } = props;
  return { vpc, vpcSubnets, securityGroups, encryptionKey, logRetention, removalPolicy };
}
