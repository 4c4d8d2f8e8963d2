/**
 * The target-tracking metrics each kind of endpoint emits, free of CDK
 * imports so the config schema offers the same lists the InferenceEndpoint
 * construct checks, without loading aws-cdk-lib.
 */

/** Metrics an endpoint variant without inference components emits for target tracking. */
export const INSTANCE_METRICS = ['ConcurrentRequestsPerModel', 'InvocationsPerInstance'] as const;
/** Metrics an inference component emits for target tracking. */
export const COPY_METRICS = ['InvocationsPerCopy', 'ConcurrentRequestsPerCopy'] as const;
export type ScalingMetric = (typeof INSTANCE_METRICS)[number] | (typeof COPY_METRICS)[number];
