import { GetPromptCommand, type BedrockAgentClient, type PromptVariant } from '@aws-sdk/client-bedrock-agent';
import { EXAMPLES_PLACEHOLDER, placeholders, type PromptTemplate } from '../../lib/adapt/prompt-template';
import type { GenerationSettings } from './model-call';

/**
 * Loading one prompt version of Bedrock Prompt Management (the Adapt stage's
 * PromptLibrary) to render it locally with renderPrompt. Users:
 * invoke-candidate (a prompt template as the evaluated candidate),
 * rag-query (the grounded-answer template).
 */

/**
 * A prompt version ARN of Bedrock Prompt Management,
 * `arn:<partition>:bedrock:<region>:<account>:prompt/<id>:<version>`: the id is
 * 10 letters or digits, the version 1 to 5 digits and not 0 (Bedrock's
 * PromptSummary.arn and GetPrompt promptVersion patterns). A prompt ARN without
 * a version names the mutable draft, which neither an evaluation nor an API may use.
 */
export const PROMPT_VERSION_ARN = /^arn:aws(?:-[a-z]+)*:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:prompt\/([0-9a-zA-Z]{10}):((?!0+$)[0-9]{1,5})$/;

/** One prompt version, ready to render. */
export interface StoredPrompt {
  /** The template, as renderPrompt takes it: the stored text and its input variables. */
  readonly template: PromptTemplate;
  /** Inference settings stored with the version (its TEXT variant's inferenceConfiguration). */
  readonly inference: GenerationSettings;
}

/** The prompt version cannot be used: not a version ARN, or no text template to render (the kit's PromptLibrary stores TEXT variants). */
export class PromptVersionInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptVersionInvalid';
  }
}

/** The prompt id and version a prompt version ARN names; throws PromptVersionInvalidError for anything else. */
export function parsePromptVersionArn(arn: string): { readonly promptIdentifier: string; readonly promptVersion: string } {
  const match = PROMPT_VERSION_ARN.exec(arn);
  if (match === null) {
    throw new PromptVersionInvalidError(`received ${JSON.stringify(arn)}; allowed: a prompt version ARN, arn:<partition>:bedrock:<region>:<account>:prompt/<id>:<version>`);
  }
  return { promptIdentifier: match[1], promptVersion: match[2] };
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
export async function loadPromptVersion(client: BedrockAgentClient, promptArn: string): Promise<StoredPrompt> {
  const { promptIdentifier, promptVersion } = parsePromptVersionArn(promptArn);
  const prompt = await client.send(new GetPromptCommand({ promptIdentifier, promptVersion }));
  const variant = textVariant(prompt.variants ?? [], prompt.defaultVariant);
  const config = variant?.templateConfiguration?.text;
  if (variant === undefined || config?.text === undefined) {
    const kinds = (prompt.variants ?? []).map((item) => `${item.name ?? '?'} (${item.templateType ?? '?'})`).join(', ') || 'none';
    throw new PromptVersionInvalidError(`${promptArn} has no TEXT variant with a template (variants: ${kinds}); allowed: a prompt of the kit's PromptLibrary, one TEXT variant`);
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
