import { HOURS_PER_MONTH } from '../catalog/instances';
import { PRICES } from '../catalog/prices';
import { KIT_ASSUMPTIONS, type CostScope } from './cost-assumptions';
import type { Inventory } from './cost-inventory';
import { count, line, some, type CostLedger } from './cost-lines';
import type { PipelineActivity } from './cost-pipelines';
import { DAYS_PER_MONTH } from './cost-schedule';
import type { TrainingEstimate } from './cost-training';

/**
 * The platform around the model: the data section (KMS keys and requests,
 * S3 storage and requests), the network section (interface VPC endpoints),
 * observability (CloudWatch Logs and alarms) and augment (APIs, vector
 * store, prompts). They scale with the load, the training runs and the
 * pipelines' activity.
 */

function dataLines(inventory: Inventory, scope: CostScope, training: TrainingEstimate, ledger: CostLedger): void {
  const { lines } = ledger;
  const captured = inventory.endpoints.reduce((sum, endpoint) => sum + (scope.requestsPerMonth * endpoint.captureSamplingPercent) / 100, 0);
  const trainingRunsPriced = training.trains ? training.runs : 0;
  const puts = captured + trainingRunsPriced * KIT_ASSUMPTIONS.s3PutsPerRun;
  const gets = trainingRunsPriced * KIT_ASSUMPTIONS.s3GetsPerRun;
  if (inventory.kmsKeys > 0) {
    lines.push(line({ section: 'data', item: 'KMS keys', quantity: inventory.kmsKeys, unit: 'key-months', detail: `${some(inventory.kmsKeys, 'customer managed key')} (each yearly rotation adds one key-month, the first two rotations only)`, price: PRICES.kmsKey, idle: true }));
    lines.push(line({ section: 'data', item: 'KMS requests', quantity: puts + gets, unit: 'requests', detail: 'one per S3 request to encrypted buckets (an upper bound: S3 Bucket Keys cut it)', price: PRICES.kmsRequests, idle: false }));
  }
  if (inventory.buckets > 0) {
    lines.push(line({ section: 'data', item: 'S3 storage, data lake', quantity: scope.dataLakeGb, unit: 'GB-months', detail: `${some(inventory.buckets, 'bucket')} holding scope.dataLakeGb as S3 Standard (archive transitions make it cheaper)`, price: PRICES.s3StandardStorage, idle: true }));
    if (captured > 0) {
      lines.push(line({ section: 'data', item: 'S3 storage, captured requests', quantity: (captured * scope.payloadKb) / 1e6, unit: 'GB-months', detail: `${count(captured)} captured requests x ${scope.payloadKb} KB: one month's capture`, price: PRICES.s3StandardStorage, idle: false }));
    }
    lines.push(line({ section: 'data', item: 'S3 PUT requests', quantity: puts, unit: 'requests', detail: `${count(captured)} captured requests + ${count(trainingRunsPriced)} runs x ${KIT_ASSUMPTIONS.s3PutsPerRun} (datasets, checkpoints, artifacts)`, price: PRICES.s3PutRequests, idle: false }));
    lines.push(line({ section: 'data', item: 'S3 GET requests', quantity: gets, unit: 'requests', detail: `${count(trainingRunsPriced)} runs x ${KIT_ASSUMPTIONS.s3GetsPerRun}`, price: PRICES.s3GetRequests, idle: false }));
  }
}

function networkLines(inventory: Inventory, ledger: CostLedger): void {
  if (inventory.interfaceEndpoints.length === 0) return;
  const zones = inventory.interfaceEndpoints.reduce((sum, endpoint) => sum + endpoint.zones, 0);
  const services = inventory.interfaceEndpoints.map((endpoint) => `${endpoint.service} x ${endpoint.zones}`).join(', ');
  ledger.lines.push(line({ section: 'network', item: 'interface VPC endpoints', quantity: zones * HOURS_PER_MONTH, unit: 'endpoint-AZ-hours', detail: `${some(inventory.interfaceEndpoints.length, 'endpoint')} x zones (${services}) x ${HOURS_PER_MONTH} h`, price: PRICES.interfaceEndpointHour, idle: true }));
  ledger.notes.push(`interface endpoint data processing (${PRICES.interfaceEndpointData.usd} USD a GB) is not estimated: the functions' calls to Bedrock and SageMaker pass through these endpoints`);
}

function observabilityLines(inventory: Inventory, scope: CostScope, pipelines: PipelineActivity, ledger: CostLedger): void {
  const { lines } = ledger;
  const lambdaLogKb = pipelines.lambdaInvocations * KIT_ASSUMPTIONS.logKbPerInvocation;
  const logGb = (scope.requestsPerMonth * KIT_ASSUMPTIONS.logKbPerRequest + pipelines.transitions * KIT_ASSUMPTIONS.logKbPerTransition + lambdaLogKb) / 1e6;
  if (inventory.logGroups.length > 0 || inventory.endpoints.length > 0) {
    lines.push(line({ section: 'observability', item: 'CloudWatch Logs ingestion', quantity: logGb, unit: 'GB', detail: `requests x ${KIT_ASSUMPTIONS.logKbPerRequest} KB (endpoint and flow logs) + transitions x ${KIT_ASSUMPTIONS.logKbPerTransition} KB + Lambda calls x ${KIT_ASSUMPTIONS.logKbPerInvocation} KB`, price: PRICES.logsIngestion, idle: false }));
    const retentions = inventory.logGroups.map((group) => group.retentionDays);
    const longest = retentions.some((days) => days === undefined) || retentions.length === 0 ? undefined : Math.max(...(retentions as number[]));
    const months = longest === undefined ? KIT_ASSUMPTIONS.logMonthsWithoutRetention : Math.min(longest / DAYS_PER_MONTH, KIT_ASSUMPTIONS.logMonthsWithoutRetention);
    lines.push(
      line({
        section: 'observability',
        item: 'CloudWatch Logs storage',
        quantity: logGb * months,
        unit: 'GB-months',
        detail: `a month's logs x ${count(months)} months kept (${longest === undefined ? 'a log group without retention' : `longest retention ${longest} days`}; steady state, an upper bound as storage is compressed)`,
        price: PRICES.logsStorage,
        idle: false,
      }),
    );
  }
  const { standard, highResolution } = inventory.alarms;
  if (standard > 0) lines.push(line({ section: 'observability', item: 'CloudWatch alarms', quantity: standard, unit: 'alarm-months', detail: 'standard resolution, target-tracking alarms included (two per policy)', price: PRICES.alarmStandard, idle: true }));
  if (highResolution > 0) lines.push(line({ section: 'observability', item: 'CloudWatch alarms, high resolution', quantity: highResolution, unit: 'alarm-months', detail: 'target tracking on high-resolution metrics (two per policy) and alarms on periods under 60 s', price: PRICES.alarmHighResolution, idle: true }));
}

function augmentLines(inventory: Inventory, scope: CostScope, ledger: CostLedger): void {
  const { lines } = ledger;
  const requests = scope.requestsPerMonth;
  if (inventory.restApis > 0) lines.push(line({ section: 'augment', item: 'API Gateway REST requests', quantity: requests, unit: 'requests', detail: `${some(inventory.restApis, 'REST API')} serving the scope's load`, price: PRICES.apiGatewayRest, idle: false }));
  if (inventory.httpApis > 0) lines.push(line({ section: 'augment', item: 'API Gateway HTTP requests', quantity: requests, unit: 'requests', detail: `${some(inventory.httpApis, 'HTTP API')} serving the scope's load`, price: PRICES.apiGatewayHttp, idle: false }));
  if (inventory.vectorIndexes > 0) {
    lines.push(line({ section: 'augment', item: 'S3 Vectors storage', quantity: inventory.vectorIndexes * KIT_ASSUMPTIONS.vectorGbPerIndex, unit: 'GB-months', detail: `${some(inventory.vectorIndexes, 'index', 'indexes')} x ${KIT_ASSUMPTIONS.vectorGbPerIndex} GB`, price: PRICES.s3VectorsStorage, idle: true }));
    lines.push(line({ section: 'augment', item: 'S3 Vectors queries', quantity: requests, unit: 'queries', detail: 'one retrieval per request (data processed per TB not included)', price: PRICES.s3VectorsQueries, idle: false }));
  }
  if (inventory.restApis > 0 || inventory.httpApis > 0) {
    ledger.notes.push(
      'not estimated, and possibly larger than the rest at the scope\'s load: Bedrock Guardrails (text units of every question and answer, and the grounding check over the retrieved context), WAF (web ACL, rules, requests) and Bedrock model tokens (the agent, the embeddings); each API function is counted at the full load, an upper bound (a request reaches one route)',
    );
  }
  if (inventory.prompts > 0) lines.push(line({ section: 'augment', item: 'Bedrock prompts', quantity: inventory.prompts, unit: 'prompts', detail: 'Prompt Management stores them; tokens of the runs that use them are not estimated', price: PRICES.bedrockPrompts, idle: true }));
}

/** Prices the data, network, observability and augment sections. */
export function platformLines(inventory: Inventory, scope: CostScope, training: TrainingEstimate, pipelines: PipelineActivity, ledger: CostLedger): void {
  dataLines(inventory, scope, training, ledger);
  networkLines(inventory, ledger);
  observabilityLines(inventory, scope, pipelines, ledger);
  augmentLines(inventory, scope, ledger);
}
