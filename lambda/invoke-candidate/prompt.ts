import { GetPromptCommand, type BedrockAgentClient, type PromptVariant } from '@aws-sdk/client-bedrock-agent';
import { EXAMPLES_PLACEHOLDER, placeholders, renderPrompt, type PromptTemplate } from '../../lib/adapt/prompt-template';
import { parsePromptVersionArn } from './input';

/** Inference settings stored with a prompt version (its TEXT variant's inferenceConfiguration). */
export interface StoredInference {
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stopSequences?: string[];
}

/** One prompt version of Bedrock Prompt Management, ready to render. */
export interface CandidatePrompt {
  /** The template, as renderPrompt takes it: the stored text and its input variables. */
  readonly template: PromptTemplate;
  readonly inference: StoredInference;
}

/** The prompt version has no text template to render: a wiring error (the kit's PromptLibrary stores TEXT variants). */
export class CandidatePromptInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CandidatePromptInvalid';
  }
}

function textVariant(variants: readonly PromptVariant[], defaultVariant: string | undefined): PromptVariant | undefined {
  const texts = variants.filter((variant) => variant.templateType === 'TEXT' && typeof variant.templateConfiguration?.text?.text === 'string');
  return texts.find((variant) => variant.name === defaultVariant) ?? texts[0];
}

/**
 * Reads a prompt version with bedrock-agent GetPrompt (promptIdentifier and
 * promptVersion taken from the version ARN) and keeps its TEXT variant: the
 * default variant when it is one, else the first. The declared variables are
 * the variant's inputVariables, else the template's `{{name}}` placeholders.
 * The few-shot examples are already expanded in the stored text.
 */
export async function loadCandidatePrompt(client: BedrockAgentClient, promptArn: string): Promise<CandidatePrompt> {
  const { promptIdentifier, promptVersion } = parsePromptVersionArn(promptArn);
  const prompt = await client.send(new GetPromptCommand({ promptIdentifier, promptVersion }));
  const variant = textVariant(prompt.variants ?? [], prompt.defaultVariant);
  const config = variant?.templateConfiguration?.text;
  if (variant === undefined || config?.text === undefined) {
    const kinds = (prompt.variants ?? []).map((item) => `${item.name ?? '?'} (${item.templateType ?? '?'})`).join(', ') || 'none';
    throw new CandidatePromptInvalidError(`${promptArn} has no TEXT variant with a template (variants: ${kinds}); allowed: a prompt of the kit's PromptLibrary, one TEXT variant`);
  }
  const declared = (config.inputVariables ?? []).map((variable) => variable.name).filter((name): name is string => typeof name === 'string' && name.length > 0);
  const names = declared.length > 0 ? declared : [...new Set(placeholders(config.text))].filter((name) => name !== EXAMPLES_PLACEHOLDER);
  const stored = variant.inferenceConfiguration?.text ?? {};
  return {
    template: {
      id: prompt.name ?? promptIdentifier,
      version: Number(promptVersion),
      description: prompt.description ?? promptArn,
      template: config.text,
      variables: Object.fromEntries(names.map((name) => [name, name])),
      examples: [],
    },
    inference: {
      ...(stored.maxTokens !== undefined ? { maxTokens: stored.maxTokens } : {}),
      ...(stored.temperature !== undefined ? { temperature: stored.temperature } : {}),
      ...(stored.topP !== undefined ? { topP: stored.topP } : {}),
      ...(stored.stopSequences !== undefined && stored.stopSequences.length > 0 ? { stopSequences: stored.stopSequences } : {}),
    },
  };
}

/** The text sent for one record: every declared variable filled; throws (KitError) when one has no value or a value names no variable. */
export function renderCandidatePrompt(prompt: CandidatePrompt, variables: Readonly<Record<string, string>>): string {
  return renderPrompt(prompt.template, variables);
}
