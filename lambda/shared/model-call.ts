import { ConverseCommand, type BedrockRuntimeClient, type ConverseCommandOutput, type InferenceConfiguration } from '@aws-sdk/client-bedrock-runtime';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { endpointRequest, readEndpointResponse } from './endpoint-format';

/**
 * One call of a model with one prompt, the two ways the kit serves models:
 * Bedrock Converse, or a SageMaker endpoint (InvokeEndpoint, the serving
 * containers' JSON of endpoint-format.ts). Retries are the caller's
 * (retry.ts). Users: invoke-candidate (the evaluated candidate and the LLM
 * judge), rag-query (the grounded answer).
 */

/** Inference settings of one call; absent ones are left to the model (or to the endpoint format's defaults). */
export interface GenerationSettings {
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  /** Converse only; the serving containers' format has no stop sequences. */
  readonly stopSequences?: string[];
}

/** What the model answered, with the tokens its API reports (an endpoint reports no input tokens). */
export interface Answer {
  readonly text: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}

/** A SageMaker real-time endpoint, and the inference component on it when the endpoint hosts several. */
export interface EndpointTarget {
  readonly endpointName: string;
  readonly inferenceComponentName?: string;
}

function inferenceConfig(settings: GenerationSettings): InferenceConfiguration | undefined {
  const config: InferenceConfiguration = {
    ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
    ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    ...(settings.topP !== undefined ? { topP: settings.topP } : {}),
    ...(settings.stopSequences !== undefined ? { stopSequences: settings.stopSequences } : {}),
  };
  return Object.keys(config).length > 0 ? config : undefined;
}

/** The text blocks of a Converse output message, joined. */
export function replyText(response: ConverseCommandOutput): string {
  return (response.output?.message?.content ?? []).map((block) => block.text ?? '').join('');
}

/** Converse with one user message; the answer is the text blocks of the output message, joined. */
export async function converse(client: BedrockRuntimeClient, modelId: string, prompt: string, settings: GenerationSettings = {}): Promise<Answer> {
  const config = inferenceConfig(settings);
  const response = await client.send(
    new ConverseCommand({
      modelId,
      messages: [{ role: 'user', content: [{ text: prompt }] }],
      ...(config === undefined ? {} : { inferenceConfig: config }),
    }),
  );
  return { text: replyText(response), inputTokens: response.usage?.inputTokens, outputTokens: response.usage?.outputTokens };
}

/** InvokeEndpoint with the serving containers' JSON; throws EndpointResponseError when the answer is not that format. */
export async function invokeEndpoint(client: SageMakerRuntimeClient, target: EndpointTarget, prompt: string, settings: GenerationSettings = {}): Promise<Answer> {
  const response = await client.send(
    new InvokeEndpointCommand({
      EndpointName: target.endpointName,
      ...(target.inferenceComponentName === undefined ? {} : { InferenceComponentName: target.inferenceComponentName }),
      ContentType: 'application/json',
      Accept: 'application/json',
      Body: new TextEncoder().encode(JSON.stringify(endpointRequest(prompt, settings))),
    }),
  );
  return readEndpointResponse(response.Body);
}
