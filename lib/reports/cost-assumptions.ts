import { HOURS_PER_MONTH } from '../catalog/instances';
import type { KitConfig } from '../config/schema';
import type { CostLedger } from './cost-lines';
import type { Inventory } from './cost-inventory';
import { DAYS_PER_MONTH } from './cost-schedule';

/**
 * What the estimate assumes: the scope's load and sizes (config fields, or
 * their defaults when absent) and the quantities no config field gives (kit
 * assumptions). Each is recorded in the report's assumptions.
 */

/** Defaults of the optional scope and adapt fields the estimate reads. */
export const COST_DEFAULTS = {
  peakHoursPerDay: 8,
  payloadKb: 8,
  dataLakeGb: 100,
  budgetAction: 'warn',
} as const;

/** Quantities the config does not give; the report lists each. */
export const KIT_ASSUMPTIONS = {
  logKbPerRequest: 1,
  logKbPerTransition: 1,
  logKbPerInvocation: 2,
  pipelineLambdaSeconds: 60,
  s3PutsPerRun: 1000,
  s3GetsPerRun: 1000,
  vectorGbPerIndex: 1,
  /** Hours a pipeline's temporary endpoint runs per execution: model download, startup and the run. */
  temporaryEndpointHours: 1,
  /** Steady-state months of logs kept when a log group never expires them. */
  logMonthsWithoutRetention: 12,
} as const;

/** The scope as the estimate reads it: the load of a month and the sizes that scale storage. */
export interface CostScope {
  readonly peakRequestsPerSecond: number;
  readonly peakHoursPerMonth: number;
  readonly requestsPerMonth: number;
  /** Requests in flight at peak: requests per second x seconds a request. */
  readonly peakConcurrentRequests: number;
  readonly requestSeconds: number;
  readonly payloadKb: number;
  readonly dataLakeGb: number;
  readonly budgetAction: 'warn' | 'fail';
}

/** Reads the scope, recording each field as given by the config or defaulted. */
export function costScope(config: KitConfig, ledger: CostLedger): CostScope {
  const { scope } = config;
  const setting = <T>(name: string, given: T | undefined, fallback: T, show: (value: T) => string): T => {
    const value = given ?? fallback;
    ledger.assumptions.push({ name, value: show(value), from: given === undefined ? 'default' : 'config' });
    return value;
  };
  const peakHoursPerDay = setting('scope.peakHoursPerDay', scope.peakHoursPerDay, COST_DEFAULTS.peakHoursPerDay, (v) => `${v} h a day at ${scope.peakRequestsPerSecond} requests/s, none the rest of the day`);
  const requestSeconds = setting('scope.averageRequestSeconds', scope.averageRequestSeconds, scope.latencySloP95Ms / 1000, (v) => `${v} s a request${scope.averageRequestSeconds === undefined ? ' (latencySloP95Ms)' : ''}`);
  const payloadKb = setting('scope.payloadKb', scope.payloadKb, COST_DEFAULTS.payloadKb, (v) => `${v} KB a request and its answer`);
  const dataLakeGb = setting('scope.dataLakeGb', scope.dataLakeGb, COST_DEFAULTS.dataLakeGb, (v) => `${v} GB in the data lake`);
  const budgetAction = setting<'warn' | 'fail'>('scope.budgetAction', scope.budgetAction, COST_DEFAULTS.budgetAction, (v) => v);
  const peakRequestsPerSecond = scope.peakRequestsPerSecond;
  const peakHoursPerMonth = peakHoursPerDay * DAYS_PER_MONTH;
  return {
    peakRequestsPerSecond,
    peakHoursPerMonth,
    requestsPerMonth: peakRequestsPerSecond * 3600 * peakHoursPerMonth,
    peakConcurrentRequests: peakRequestsPerSecond * requestSeconds,
    requestSeconds,
    payloadKb,
    dataLakeGb,
    budgetAction,
  };
}

/** Records the kit assumptions that apply to this inventory. */
export function recordKitAssumptions(inventory: Inventory, ledger: CostLedger): void {
  const kit = (name: string, value: string) => ledger.assumptions.push({ name, value, from: 'kit' });
  kit('load', `requests and runs as above; free tiers not deducted; a month is ${HOURS_PER_MONTH} hours`);
  kit('logs', `${KIT_ASSUMPTIONS.logKbPerRequest} KB per request, ${KIT_ASSUMPTIONS.logKbPerTransition} KB per state transition, ${KIT_ASSUMPTIONS.logKbPerInvocation} KB per Lambda call`);
  kit('pipeline Lambda calls', `${KIT_ASSUMPTIONS.pipelineLambdaSeconds} s each (or the function's timeout), once per state that calls the function`);
  kit('S3 requests per training run', `${KIT_ASSUMPTIONS.s3PutsPerRun} PUT and ${KIT_ASSUMPTIONS.s3GetsPerRun} GET`);
  if (inventory.vectorIndexes > 0) kit('vector store', `${KIT_ASSUMPTIONS.vectorGbPerIndex} GB per index`);
  if (inventory.stateMachines.some((machine) => machine.temporaryEndpoints.length > 0)) kit('temporary endpoints', `${KIT_ASSUMPTIONS.temporaryEndpointHours} h per execution that creates one`);
}
