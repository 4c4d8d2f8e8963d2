import { CATALOG_CHECKED, HOURS_PER_MONTH, PRICE_REGION } from '../catalog/instances';
import type { KitConfig } from '../config/schema';
import { costScope, recordKitAssumptions } from './cost-assumptions';
import { endpointLines } from './cost-endpoints';
import type { Inventory } from './cost-inventory';
import { COST_SECTIONS, round, type Assumption, type CostLedger, type CostLine } from './cost-lines';
import { pipelineLines } from './cost-pipelines';
import { platformLines } from './cost-platform';
import { trainingLines, type SpotSaving } from './cost-training';

/**
 * The monthly cost estimate of one environment: quantities from its
 * synthesized templates (inventory) and its config (load, training runs),
 * times the catalog's prices. Each section is priced in its own file
 * (cost-endpoints, cost-training, cost-pipelines, cost-platform); this one
 * runs them in order and totals. Pure: no files, no clock.
 */

export interface CostReport {
  readonly environment: string;
  readonly region: string;
  readonly priceRegion: string;
  readonly pricesChecked: string;
  readonly hoursPerMonth: number;
  readonly load: {
    readonly peakRequestsPerSecond: number;
    readonly peakHoursPerMonth: number;
    readonly requestsPerMonth: number;
    readonly peakConcurrentRequests: number;
  };
  readonly lines: readonly CostLine[];
  readonly totals: { readonly expectedUsd: number; readonly idleUsd: number };
  /** Managed spot training: the most it can save, not taken off the total. */
  readonly spot?: SpotSaving;
  readonly budget: {
    readonly monthlyBudgetUsd: number;
    readonly action: 'warn' | 'fail';
    readonly expectedUsd: number;
    readonly shareOfBudget: number;
    readonly overBudget: boolean;
  };
  readonly assumptions: readonly Assumption[];
  readonly notes: readonly string[];
}

export interface CostInput {
  readonly environment: string;
  readonly config: KitConfig;
  readonly inventory: Inventory;
}

/** Estimates one environment's month. */
export function estimateCost(input: CostInput): CostReport {
  const { config, inventory } = input;
  const ledger: CostLedger = { lines: [], notes: [], assumptions: [] };
  const scope = costScope(config, ledger);
  endpointLines(inventory, config, scope, ledger);
  const training = trainingLines(config, ledger);
  const pipelines = pipelineLines(inventory, scope, training.runs, ledger);
  platformLines(inventory, scope, training, pipelines, ledger);
  recordKitAssumptions(inventory, ledger);

  const region = config.region;
  if (region !== PRICE_REGION) ledger.notes.push(`${region} prices differ: the estimate uses ${PRICE_REGION} prices`);
  if (inventory.region !== undefined && inventory.region !== region) ledger.notes.push(`the assembly's stacks are in ${inventory.region} but config says ${region}: synthesize again`);

  const ordered = [...ledger.lines].sort((a, b) => COST_SECTIONS.indexOf(a.section) - COST_SECTIONS.indexOf(b.section));
  const expectedUsd = round(ordered.reduce((sum, item) => sum + item.monthlyUsd, 0), 2);
  const idleUsd = round(ordered.filter((item) => item.idle).reduce((sum, item) => sum + item.monthlyUsd, 0), 2);
  const monthlyBudgetUsd = config.scope.monthlyBudgetUsd;
  return {
    environment: input.environment,
    region,
    priceRegion: PRICE_REGION,
    pricesChecked: CATALOG_CHECKED,
    hoursPerMonth: HOURS_PER_MONTH,
    load: {
      peakRequestsPerSecond: scope.peakRequestsPerSecond,
      peakHoursPerMonth: round(scope.peakHoursPerMonth, 4),
      requestsPerMonth: round(scope.requestsPerMonth, 2),
      peakConcurrentRequests: round(scope.peakConcurrentRequests, 4),
    },
    lines: ordered,
    totals: { expectedUsd, idleUsd },
    spot: training.spot,
    budget: {
      monthlyBudgetUsd,
      action: scope.budgetAction,
      expectedUsd,
      shareOfBudget: round(expectedUsd / monthlyBudgetUsd, 4),
      overBudget: expectedUsd > monthlyBudgetUsd,
    },
    assumptions: ledger.assumptions,
    notes: [...new Set(ledger.notes)],
  };
}

/** The exit code of a report: 1 when it exceeds the budget and the scope says to fail. */
export function budgetExitCode(report: CostReport): number {
  return report.budget.overBudget && report.budget.action === 'fail' ? 1 : 0;
}
