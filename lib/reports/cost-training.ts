import { SPOT_TRAINING_MAX_SAVING, trainingPrice } from '../catalog/prices';
import type { KitConfig } from '../config/schema';
import { TRAINING_DEFAULTS } from '../../constructs/adapt/limits';
import { count, line, round, some, type Assumption, type CostLedger } from './cost-lines';
import { firingsPerMonth } from './cost-schedule';

/**
 * The adapt section: training runs a month x instances x hours a run at the
 * on-demand training price, and what managed spot training may save (shown
 * apart, never taken off the total).
 */

/** Managed spot training: the most it can save, not taken off the total. */
export interface SpotSaving {
  readonly onDemandTrainingUsd: number;
  readonly maxSavingFraction: number;
  readonly maxSavingUsd: number;
  readonly source: string;
}

export interface TrainingEstimate {
  /** Training runs a month: pipelines without a schedule run once per training run. */
  readonly runs: number;
  /** Whether a training job is configured, so its runs read and write S3. */
  readonly trains: boolean;
  readonly spot?: SpotSaving;
}

/** Training runs a month: the config's, else one per firing of the preference schedule, else 1. */
function trainingRuns(config: KitConfig): { runs: number; assumption: Assumption } {
  const adapt = config.adapt;
  if (adapt?.runsPerMonth !== undefined) return { runs: adapt.runsPerMonth, assumption: { name: 'adapt.runsPerMonth', value: `${count(adapt.runsPerMonth)} runs`, from: 'config' } };
  const schedule = adapt?.preference?.schedule;
  const firings = schedule === undefined ? undefined : firingsPerMonth(schedule);
  if (firings !== undefined) {
    return { runs: firings, assumption: { name: 'adapt.runsPerMonth', value: `${count(firings)} runs (one per firing of ${schedule}, an upper bound: a DPO run starts only with enough new pairs)`, from: 'default' } };
  }
  return { runs: 1, assumption: { name: 'adapt.runsPerMonth', value: '1 run', from: 'default' } };
}

/** Prices the training runs of a month; Bedrock model customization is noted, not estimated. */
export function trainingLines(config: KitConfig, ledger: CostLedger): TrainingEstimate {
  const { runs, assumption: runsAssumption } = trainingRuns(config);
  ledger.assumptions.push(runsAssumption);
  const training = config.adapt?.training;
  if (training === undefined) {
    if (config.adapt !== undefined && config.model.source === 'bedrock') {
      ledger.notes.push('Bedrock model customization jobs are priced per token processed and per month of model storage: not estimated');
    }
    return { runs, trains: false };
  }
  const maxRuntime = training.maxRuntimeHours ?? TRAINING_DEFAULTS.maxRuntimeHours;
  const givenHours = config.adapt?.hoursPerRun;
  const hours = Math.min(givenHours ?? maxRuntime, maxRuntime);
  ledger.assumptions.push({
    name: 'adapt.hoursPerRun',
    value: givenHours === undefined ? `${hours} h (training.maxRuntimeHours, an upper bound)` : `${hours} h${givenHours > maxRuntime ? ` (capped at training.maxRuntimeHours ${maxRuntime})` : ''}`,
    from: givenHours === undefined ? 'default' : 'config',
  });
  const instanceCount = training.instanceCount ?? TRAINING_DEFAULTS.instanceCount;
  const price = trainingPrice(training.instanceType);
  if (price === undefined) ledger.notes.push(`adapt.training.instanceType ${training.instanceType} has no price in the catalog: training is not priced`);
  const trainingLine = line({
    section: 'adapt',
    item: 'training runs (on-demand)',
    quantity: instanceCount * hours * runs,
    unit: 'instance-hours',
    detail: `${instanceCount} x ${training.instanceType} x ${count(hours)} h x ${some(runs, 'run')}`,
    price,
    idle: false,
  });
  ledger.lines.push(trainingLine);
  if (!(training.spot ?? TRAINING_DEFAULTS.spot)) return { runs, trains: true };
  return {
    runs,
    trains: true,
    spot: {
      onDemandTrainingUsd: trainingLine.monthlyUsd,
      maxSavingFraction: SPOT_TRAINING_MAX_SAVING.fraction,
      maxSavingUsd: round(trainingLine.monthlyUsd * SPOT_TRAINING_MAX_SAVING.fraction, 2),
      source: SPOT_TRAINING_MAX_SAVING.source,
    },
  };
}
