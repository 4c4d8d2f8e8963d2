import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import type { RegisteredTool } from './config';
import { clip, ToolError, type AgentTool } from './tool';

/** Longest part of a function's error message passed on to the model, characters. */
const MAX_ERROR_LENGTH = 300;

/**
 * The tool result of a registered tool's function: its JSON response, which
 * must be an object; any other JSON value is wrapped as `{ "result": value }`.
 * A FunctionError, a status other than 200, or a response that is not JSON
 * is a ToolError the model reads.
 */
export function readToolResponse(response: Pick<InvokeCommandOutput, 'StatusCode' | 'FunctionError' | 'Payload'>): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(response.Payload ?? new Uint8Array());
  } catch {
    throw new ToolError('the tool\'s function answered bytes that are not UTF-8 text (expected JSON)');
  }
  if (response.FunctionError !== undefined) throw new ToolError(`the tool's function failed (${response.FunctionError})${functionErrorDetail(text)}`);
  if (response.StatusCode !== undefined && response.StatusCode !== 200) throw new ToolError(`the tool's function was invoked with status ${response.StatusCode}, not 200`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ToolError(`the tool's function answered ${JSON.stringify(clip(text, 80))}, which is not JSON`);
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { result: value };
}

/** `: Type: message` of Lambda's error payload ({errorType, errorMessage, trace}); the trace is left out. */
function functionErrorDetail(text: string): string {
  try {
    const { errorType, errorMessage } = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    const parts = [errorType, errorMessage].filter((part): part is string => typeof part === 'string' && part !== '');
    return parts.length > 0 ? `: ${clip(parts.join(': '), MAX_ERROR_LENGTH)}` : '';
  } catch {
    return '';
  }
}

/**
 * A registered tool: invokes its function synchronously (RequestResponse)
 * with the payload `{ "tool": name, "input": input }`.
 */
export function lambdaTool(tool: RegisteredTool, client: LambdaClient): AgentTool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema,
    run: async (input, signal) => {
      const response = await client.send(
        new InvokeCommand({
          FunctionName: tool.functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify({ tool: tool.name, input })),
        }),
        { abortSignal: signal },
      );
      return readToolResponse(response);
    },
  };
}
