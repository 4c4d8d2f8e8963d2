import type { GetPromptCommandOutput } from '@aws-sdk/client-bedrock-agent';

/** What GetPrompt answers for one version of a text prompt with the variables `context` and `question` (lambda/shared/prompt-version.ts reads it). */
export function storedPrompt(prompt: {
  readonly name: string;
  readonly id: string;
  readonly arn: string;
  readonly version: string;
  readonly template: string;
  readonly inference: { readonly maxTokens: number; readonly temperature: number };
}): Omit<GetPromptCommandOutput, '$metadata'> {
  return {
    name: prompt.name,
    id: prompt.id,
    arn: prompt.arn,
    version: prompt.version,
    defaultVariant: 'default',
    createdAt: new Date(),
    updatedAt: new Date(),
    variants: [
      {
        name: 'default',
        templateType: 'TEXT',
        templateConfiguration: { text: { text: prompt.template, inputVariables: [{ name: 'context' }, { name: 'question' }] } },
        inferenceConfiguration: { text: prompt.inference },
      },
    ],
  };
}
