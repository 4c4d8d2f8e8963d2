/**
 * What an error of a Bedrock control-plane call means for a check. Pure:
 * reads the error's name, message and metadata only.
 */

/** The SDK found no credentials: no check can run, the command stops with one line. */
export class MissingCredentialsError extends Error {
  constructor(public readonly sdkMessage: string) {
    super(`no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws sso login); the SDK said: ${sdkMessage.replace(/\s+/g, ' ').trim()}`);
    this.name = 'MissingCredentialsError';
  }
}

interface SdkError {
  readonly name?: string;
  readonly message?: string;
  /** Node's code of a socket error, such as ENOTFOUND (the SDK passes it through). */
  readonly code?: string;
  readonly $metadata?: { readonly attempts?: number };
}

/**
 * The SDK's credential chain throws `CredentialsProviderError` ("Could not
 * load credentials from any providers") before any request is sent.
 */
export function isMissingCredentials(error: unknown): boolean {
  const { name, message } = (error ?? {}) as SdkError;
  return name === 'CredentialsProviderError' || /could not load credentials/i.test(message ?? '');
}

/** Bedrock refusing a request because the region does not offer what it asks for. */
const NOT_AVAILABLE = /\b(?:not|n't) (?:currently |yet )?(?:available|supported|offered)\b|\bunavailable\b|\bunsupported\b/i;

/**
 * The region does not offer the feature a call asks for: its endpoint has no
 * DNS name (ENOTFOUND) or the SDK's endpoint rules refuse it (EndpointError),
 * the endpoint does not know the operation (UnknownOperationException), or
 * Bedrock refuses the request saying the feature is not available there.
 */
export function isFeatureUnavailable(error: unknown): boolean {
  // A DNS failure (ENOTFOUND) is no evidence: the model checks use the same bedrock.<region> host, so it means no network, not no feature.
  const { name, message = '' } = (error ?? {}) as SdkError;
  if (name === 'EndpointError' || name === 'UnknownOperationException' || name === 'UnknownOperation') return true;
  return name === 'ValidationException' && NOT_AVAILABLE.test(message);
}

/** A failed call: the IAM action it needs, and what "not found" or "unknown" means for it. */
export interface FailedCall {
  /** IAM action of the call, such as bedrock:GetFoundationModel. */
  readonly action: string;
  /** True when the call asks for the model by its id: "not found" then means the region does not offer it. */
  readonly lookup: boolean;
  /**
   * The feature the call asks about as a whole, such as Bedrock Guardrails: an
   * error saying the region lacks it (isFeatureUnavailable) means the region
   * does not offer the feature.
   * @default none: such errors are failed calls like any other
   */
  readonly feature?: string;
  readonly region: string;
}

/** The detail of a failed check, from the error of one call. */
export function failureDetail(error: unknown, call: FailedCall): string {
  const { name = 'Error', message = String(error), $metadata } = (error ?? {}) as SdkError;
  const said = `${name}: ${message.replace(/\s+/g, ' ').trim()}`;
  if (call.feature !== undefined && isFeatureUnavailable(error)) return `${call.feature} is not offered in ${call.region} (${said})`;
  switch (name) {
    case 'AccessDeniedException':
      return `access denied: the caller needs ${call.action} (${said})`;
    case 'ThrottlingException':
    case 'TooManyRequestsException': {
      const attempts = $metadata?.attempts;
      return `throttled${attempts === undefined ? '' : ` after ${attempts} attempt${attempts === 1 ? '' : 's'}`}: run again later or raise the Bedrock control-plane quota (${said})`;
    }
    case 'ResourceNotFoundException':
    case 'ValidationException':
      if (call.lookup) return `not offered in ${call.region} (${said})`;
      break;
  }
  return `${call.action} failed (${said})`;
}
