import type { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { renderPrompt } from '../../lib/adapt/prompt-template';
import type { EvaluationRecord } from '../../lib/evaluate/record';
import { converse, invokeEndpoint, type Answer, type GenerationSettings } from '../shared/model-call';
import { loadPromptVersion } from '../shared/prompt-version';
import type { BatchInput, Inference } from './input';

export type { Answer } from '../shared/model-call';

/** The clients of the three candidate kinds; injected so tests mock them. */
export interface CandidateClients {
  readonly bedrock: BedrockRuntimeClient;
  readonly sagemaker: SageMakerRuntimeClient;
  readonly prompts: BedrockAgentClient;
}

/** A candidate, ready for the batch: the text sent for a record, and one call (retries are the caller's). */
export interface PreparedCandidate {
  /** Throws when the record cannot be turned into a prompt (a prompt template's variables); not retried. */
  readonly render: (record: EvaluationRecord) => string;
  readonly call: (prompt: string) => Promise<Answer>;
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
      return { render: promptOf, call: (prompt) => invokeEndpoint(clients.sagemaker, candidate, prompt, inference) };
    case 'prompt': {
      const prompt = await loadPromptVersion(clients.prompts, candidate.promptArn);
      const merged: GenerationSettings = { ...prompt.inference, ...defined(inference) };
      return {
        // Throws (KitError) when a declared variable has no value or a value names no variable.
        render: (record) => renderPrompt(prompt.template, record.variables ?? {}),
        call: (text) => converse(clients.bedrock, candidate.modelId, text, merged),
      };
    }
  }
}
