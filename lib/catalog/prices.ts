import { CATALOG_CHECKED, findInstance } from './instances';

/**
 * Prices besides SageMaker hosting instances (see instances.ts), on-demand in
 * PRICE_REGION (us-east-1), each with its unit, its source and whether an AWS
 * page confirmed it. `kit cost` multiplies them by quantities read from the
 * synthesized templates and the scope's load. Free tiers are left out: the
 * estimate is what the environment costs once they are used up.
 */

export interface UnitPrice {
  /** USD per `unit`. */
  readonly usd: number;
  /** What one `usd` buys, such as "GB-month" or "1,000 requests". */
  readonly unit: string;
  /** How many of the quantity's own units one `unit` is (1,000 for "1,000 requests"): quantity / per x usd = cost. */
  readonly per: number;
  /** True when an AWS page or AWS document in the stored pages gave this number. */
  readonly confirmed: boolean;
  readonly source: string;
  readonly checked: string;
}

function price(usd: number, unit: string, per: number, confirmed: boolean, source: string): UnitPrice {
  return { usd, unit, per, confirmed, source, checked: CATALOG_CHECKED };
}

const NOT_FOUND = 'not found in stored pages; value from';

/** The non-instance prices the cost estimate uses. */
export const PRICES = {
  s3StandardStorage: price(0.023, 'GB-month', 1, false, `${NOT_FOUND} cloudburn.io "Amazon S3 pricing" (Mar 2026) and cloudtoggle.com (S3 Standard, first 50 TB); check aws.amazon.com/s3/pricing`),
  s3PutRequests: price(0.005, '1,000 PUT requests', 1000, false, `${NOT_FOUND} c3x.dev "S3 request fees explained" (S3 Standard PUT, COPY, POST, LIST); check aws.amazon.com/s3/pricing`),
  s3GetRequests: price(0.0004, '1,000 GET requests', 1000, false, `${NOT_FOUND} c3x.dev "S3 request fees explained" (S3 Standard GET, SELECT); check aws.amazon.com/s3/pricing`),
  kmsKey: price(1, 'key-month', 1, true, 'aws.amazon.com/kms/pricing ("Each AWS KMS key that you create in KMS costs $1/month"; each rotation adds $1/month)'),
  kmsRequests: price(0.03, '10,000 requests', 10000, false, `${NOT_FOUND} wring.co "AWS KMS pricing guide" and factualminds.com (symmetric requests); check aws.amazon.com/kms/pricing`),
  logsIngestion: price(0.5, 'GB ingested', 1, false, `${NOT_FOUND} hykell.com and c3x.dev "CloudWatch Logs pricing" (Standard class, us-east-1; vended logs such as flow logs start at the same rate); check aws.amazon.com/cloudwatch/pricing`),
  logsStorage: price(0.03, 'GB-month stored', 1, false, `${NOT_FOUND} hykell.com and c3x.dev "CloudWatch Logs pricing" (archival storage, us-east-1); check aws.amazon.com/cloudwatch/pricing`),
  alarmStandard: price(0.1, 'alarm-month', 1, false, `${NOT_FOUND} c3x.dev "aws_cloudwatch_metric_alarm cost estimation" (standard resolution); check aws.amazon.com/cloudwatch/pricing`),
  alarmHighResolution: price(0.3, 'alarm-month', 1, false, `${NOT_FOUND} c3x.dev "aws_cloudwatch_metric_alarm cost estimation" (high resolution); check aws.amazon.com/cloudwatch/pricing`),
  lambdaRequests: price(0.2, '1M requests', 1e6, true, 'docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html ("$0.20 per 1 million requests")'),
  lambdaComputeX86: price(0.0000166667, 'GB-second (x86_64)', 1, true, 'docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html ($0.00001667 per GB-second; first tier $0.0000166667)'),
  lambdaComputeArm: price(0.0000133334, 'GB-second (arm64)', 1, false, `${NOT_FOUND} cloudchipr.com "AWS Lambda pricing" (arm64 first 7.5 billion GB-seconds, us-east-1); check aws.amazon.com/lambda/pricing`),
  stepFunctionsTransitions: price(0.025, '1,000 state transitions', 1000, true, 'aws.amazon.com/step-functions/pricing (Standard workflows, US East (N. Virginia) $0.0250 per 1,000 state transitions)'),
  interfaceEndpointHour: price(0.01, 'endpoint-AZ-hour', 1, false, `${NOT_FOUND} awsnegotiations.com "AWS PrivateLink cost analysis" ($0.01 per hour per AZ); aws.amazon.com/privatelink/pricing confirms per-AZ hourly billing without the rate in the stored excerpt`),
  interfaceEndpointData: price(0.01, 'GB processed', 1, true, 'aws.amazon.com/privatelink/pricing (interface endpoints, first 1 PB a month $0.01 per GB; read through a mirror of the page)'),
  snsPublishes: price(0.5, '1M publishes', 1e6, false, `${NOT_FOUND} factualminds.com "Amazon SNS pricing" (standard topics; email deliveries $2 per 100,000 on top); check aws.amazon.com/sns/pricing`),
  eventBridgeAwsEvents: price(0, 'event', 1, false, `${NOT_FOUND} wring.co and factualminds.com "EventBridge pricing" (events from AWS services on the default bus are free; custom events $1.00 per million); check aws.amazon.com/eventbridge/pricing`),
  s3VectorsStorage: price(0.06, 'GB-month', 1, false, `${NOT_FOUND} exploreagentic.ai and najib.digital on S3 Vectors pricing ($0.06 per logical GB-month; oflight.co.jp quotes $0.05); check aws.amazon.com/s3/pricing`),
  s3VectorsQueries: price(2.5, '1M query API calls', 1e6, false, `${NOT_FOUND} oflight.co.jp "Amazon S3 Vectors complete guide" (QueryVectors, us-east-1 reference, Apr 2026; a per-TB data-processed charge comes on top); check aws.amazon.com/s3/pricing`),
  apiGatewayRest: price(3.5, '1M requests', 1e6, true, 'docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html (REST APIs, first 333 million requests a month $3.50 per million)'),
  apiGatewayHttp: price(1, '1M requests', 1e6, true, 'docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html (HTTP APIs, us-east-1, first 300 million requests a month $1.00 per million)'),
  bedrockPrompts: price(0, 'prompt-month', 1, false, `${NOT_FOUND} wring.co "AWS Bedrock Prompt Management" ("no additional charge for prompt management"; model tokens are billed when prompts run); check aws.amazon.com/bedrock/pricing`),
} as const;

export type PriceName = keyof typeof PRICES;

/**
 * SageMaker training prices, USD per instance-hour, on-demand. Training is
 * billed separately from hosting; where no training row was found the hosting
 * row of instances.ts stands in, and says so.
 */
const TRAINING_NOT_FOUND = 'not found in stored pages (no SageMaker training row for this type); value from the hosting price of lib/catalog/instances.ts';
export const TRAINING_PRICES: Readonly<Record<string, UnitPrice>> = {
  'ml.g6e.2xlarge': price(2.8026, 'instance-hour (training)', 1, false, `${TRAINING_NOT_FOUND} (AWS Price List USE1-Host row), assuming training bills the g6e family at the hosting rate; check aws.amazon.com/sagemaker/pricing`),
  'ml.g6e.12xlarge': price(13.1158, 'instance-hour (training)', 1, false, `${TRAINING_NOT_FOUND} (AWS Price List USE1-Host row), assuming training bills the g6e family at the hosting rate; check aws.amazon.com/sagemaker/pricing`),
};

/** The training price of an instance type: its training row, else its hosting price marked as a stand-in, else undefined. */
export function trainingPrice(instanceType: string): UnitPrice | undefined {
  const row = TRAINING_PRICES[instanceType];
  if (row !== undefined) return row;
  const hosting = findInstance(instanceType);
  if (hosting === undefined) return undefined;
  return price(hosting.price.usdPerHour, 'instance-hour (training)', 1, false, `${TRAINING_NOT_FOUND}: ${hosting.price.source}`);
}

/**
 * Managed spot training: the most it saves against on-demand training. The
 * actual saving follows the spot price and interruptions, so the estimate
 * shows it apart from the total.
 */
export const SPOT_TRAINING_MAX_SAVING = {
  fraction: 0.9,
  confirmed: true,
  source: 'docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html ("Managed spot training can optimize the cost of training models up to 90% over on-demand instances")',
  checked: CATALOG_CHECKED,
} as const;
