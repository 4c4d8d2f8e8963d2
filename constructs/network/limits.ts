/**
 * Limits of a new VPC, free of CDK imports so the config schema checks the
 * same values the PrivateNetwork construct does without loading aws-cdk-lib.
 */

/** IPv4 ranges a new VPC accepts: /16 (the largest VPC) to /24. */
export const VPC_CIDR_PATTERN = /^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-4])$/;

/** Zones a new VPC may span. */
export const MAX_AZS_RANGE = { min: 1, max: 6 } as const;
