import { BedrockClient } from '@aws-sdk/client-bedrock';

/** Makes the Bedrock control-plane client of a region; tests pass one that returns a mocked client. */
export type BedrockClientFactory = (region: string) => BedrockClient;

/**
 * Attempts of one call, throttling included: the SDK's adaptive retry backs
 * off and slows its own sending rate; a call still throttled after these is
 * a failed check saying so.
 */
export const PREFLIGHT_MAX_ATTEMPTS = 5;

/** The real client: the environment's region, the default credential chain, adaptive retry. */
export const createBedrockClient: BedrockClientFactory = (region) => new BedrockClient({ region, maxAttempts: PREFLIGHT_MAX_ATTEMPTS, retryMode: 'adaptive' });
