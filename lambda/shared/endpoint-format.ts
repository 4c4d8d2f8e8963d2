import type { GenerationSettings } from './model-call';

/**
 * The JSON the kit's serving containers take and give on `/invocations`
 * (InvokeEndpoint): LMI (DJL Serving, vLLM rolling batch) and Hugging Face
 * TGI both take `{"inputs": text, "parameters": {...}}`.
 *
 * - LMI answers `{"generated_text": ..., "details": {...}}`; with
 *   `option.tgi_compat` a list of that object. It reports a failure during
 *   generation as `generated_text: ""` with `details.finish_reason: "error"`.
 * - TGI answers `[{"generated_text": ..., "details": {...}}]`.
 * - `details: true` adds `details.generated_tokens`, the output token count.
 *   Neither reports the input token count in this schema.
 *
 * TGI refuses `temperature: 0` and a `top_p` outside (0, 1) exclusive
 * ("`temperature` must be strictly positive", "`top_p` must be > 0.0 and <
 * 1.0"), so the body says greedy with `do_sample: false` and leaves them out.
 */

/** max_new_tokens when the caller sets no maxTokens: LMI's own default is 30, which would cut most answers. */
export const DEFAULT_MAX_NEW_TOKENS = 512;

export interface GenerationParameters {
  readonly max_new_tokens: number;
  readonly do_sample: boolean;
  readonly temperature?: number;
  readonly top_p?: number;
  readonly details: true;
  readonly return_full_text: false;
}

/** The request body for one prompt. */
export function endpointRequest(prompt: string, inference: GenerationSettings = {}): { readonly inputs: string; readonly parameters: GenerationParameters } {
  const { temperature, topP } = inference;
  const nucleus = topP !== undefined && topP > 0 && topP < 1;
  // Sampling unless the caller asks for temperature 0 or says nothing that needs it.
  const sample = temperature !== undefined ? temperature > 0 : nucleus;
  return {
    inputs: prompt,
    parameters: {
      max_new_tokens: inference.maxTokens ?? DEFAULT_MAX_NEW_TOKENS,
      do_sample: sample,
      ...(sample && temperature !== undefined ? { temperature } : {}),
      ...(sample && nucleus ? { top_p: topP } : {}),
      details: true,
      return_full_text: false,
    },
  };
}

/** The endpoint's answer is not the serving containers' format, or says generation failed; not retried. */
export class EndpointResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointResponseUnreadable';
  }
}

/** The generated text and output tokens of an LMI or TGI response body. */
export function readEndpointResponse(body: Uint8Array | undefined): { readonly text: string; readonly outputTokens?: number } {
  const raw = body === undefined ? '' : Buffer.from(body).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new EndpointResponseError(`the endpoint answered ${JSON.stringify(raw.slice(0, 200))}, not JSON; expected {"generated_text": ...} or [{"generated_text": ...}]`);
  }
  const answer = Array.isArray(value) && value.length === 1 ? value[0] : value;
  const generated = answer !== null && typeof answer === 'object' ? (answer as { generated_text?: unknown }).generated_text : undefined;
  if (typeof generated !== 'string') {
    throw new EndpointResponseError(`the endpoint answered ${JSON.stringify(raw.slice(0, 200))}; expected {"generated_text": ...} or [{"generated_text": ...}] (an LMI or TGI container)`);
  }
  const details = (answer as { details?: { finish_reason?: unknown; generated_tokens?: unknown } }).details;
  if (details?.finish_reason === 'error') {
    throw new EndpointResponseError('the endpoint reported finish_reason "error" (generation failed in the container; see its logs)');
  }
  const tokens = details?.generated_tokens;
  return typeof tokens === 'number' ? { text: generated, outputTokens: tokens } : { text: generated };
}
