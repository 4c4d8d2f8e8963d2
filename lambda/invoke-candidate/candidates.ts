import type { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import { ConverseCommand, type BedrockRuntimeClient, type ConverseCommandOutput, type InferenceConfiguration } from '@aws-sdk/client-bedrock-runtime';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { EvaluationRecord } from '../../lib/evaluate/record';
import { endpointRequest, readEndpointResponse } from './endpoint-format';
import type { BatchInput, Inference } from './input';
import { loadCandidatePrompt, renderCandidatePrompt, type StoredInference } from './prompt';

/** The clients of the three candidate kinds; injected so tests mock them. */
export interface CandidateClients {
  readonly bedrock: BedrockRuntimeClient;
  readonly sagemaker: SageMakerRuntimeClient;
  readonly prompts: BedrockAgentClient;
}

/** What the candidate answered, with the tokens its API reports. */
export interface Answer {
  readonly text: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}

/** A candidate, ready for the batch: the text sent for a record, and one call (retries are the caller's). */
export interface PreparedCandidate {
  /** Throws when the record cannot be turned into a prompt (a prompt template's variables); not retried. */
  readonly render: (record: EvaluationRecord) => string;
  readonly call: (prompt: string) => Promise<Answer>;
}

function inferenceConfig(inference: StoredInference): InferenceConfiguration | undefined {
  const config: InferenceConfiguration = {
    ...(inference.maxTokens !== undefined ? { maxTokens: inference.maxTokens } : {}),
    ...(inference.temperature !== undefined ? { temperature: inference.temperature } : {}),
    ...(inference.topP !== undefined ? { topP: inference.topP } : {}),
    ...(inference.stopSequences !== undefined ? { stopSequences: inference.stopSequences } : {}),
  };
  return Object.keys(config).length > 0 ? config : undefined;
}

/** The text blocks of a Converse output message, joined. */
export function replyText(response: ConverseCommandOutput): string {
  return (response.output?.message?.content ?? []).map((block) => block.text ?? '').join('');
}

/** Converse with one user message; the answer is the text blocks of the output message, joined. */
async function converse(client: BedrockRuntimeClient, modelId: string, prompt: string, inference: StoredInference): Promise<Answer> {
  const config = inferenceConfig(inference);
  const response = await client.send(
    new ConverseCommand({
      modelId,
      messages: [{ role: 'user', content: [{ text: prompt }] }],
      ...(config === undefined ? {} : { inferenceConfig: config }),
    }),
  );
  return { text: replyText(response), inputTokens: response.usage?.inputTokens, outputTokens: response.usage?.outputTokens };
}

/** The record's prompt, sent as is (bedrock and endpoint kinds; records.ts checked that it has one). */
const promptOf = (record: EvaluationRecord): string => record.prompt ?? '';

/** Drops undefined fields, so that they do not hide the prompt's stored values. */
function defined(inference: Inference): Inference {
  return Object.fromEntries(Object.entries(inference).filter(([, value]) => value !== undefined)) as Inference;
}

/**
 * The candidate of the batch. For a prompt template, the prompt version is
 * read once here (not per record); its stored inference settings apply
 * unless the run's `inference` sets them.
 */
export async function prepareCandidate(clients: CandidateClients, input: BatchInput): Promise<PreparedCandidate> {
  const inference = input.inference ?? {};
  const candidate = input.candidate;
  switch (candidate.kind) {
    case 'bedrock':
      return { render: promptOf, call: (prompt) => converse(clients.bedrock, candidate.modelId, prompt, inference) };
    // A model package is evaluated through the endpoint that serves it (a staging endpoint the caller deployed it to).
    case 'model-package':
    case 'endpoint':
      return {
        render: promptOf,
        call: async (prompt) => {
          const response = await clients.sagemaker.send(
            new InvokeEndpointCommand({
              EndpointName: candidate.endpointName,
              ...(candidate.inferenceComponentName === undefined ? {} : { InferenceComponentName: candidate.inferenceComponentName }),
              ContentType: 'application/json',
              Accept: 'application/json',
              Body: new TextEncoder().encode(JSON.stringify(endpointRequest(prompt, inference))),
            }),
          );
          return readEndpointResponse(response.Body);
        },
      };
    case 'prompt': {
      const prompt = await loadCandidatePrompt(clients.prompts, candidate.promptArn);
      const merged: StoredInference = { ...prompt.inference, ...defined(inference) };
      return {
        render: (record) => renderCandidatePrompt(prompt, record.variables ?? {}),
        call: (text) => converse(clients.bedrock, candidate.modelId, text, merged),
      };
    }
  }
}
