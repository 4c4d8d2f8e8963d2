import { CATALOG_CHECKED, findInstance } from '../catalog/instances';
import type { UnitPrice } from '../catalog/prices';

/**
 * The line items of a cost estimate and what every section of it writes
 * into: a line (quantity x catalog price), a note, an assumption.
 */

export type CostSection = 'serve' | 'adapt' | 'pipelines' | 'data' | 'network' | 'observability' | 'augment';
/** The order of the sections in a report. */
export const COST_SECTIONS: readonly CostSection[] = ['serve', 'adapt', 'pipelines', 'data', 'network', 'observability', 'augment'];

export interface CostLine {
  readonly section: CostSection;
  readonly item: string;
  readonly quantity: number;
  /** Unit of the quantity, such as "instance-hours". */
  readonly unit: string;
  /** How the quantity was found. */
  readonly detail: string;
  /** USD per `priceUnit`; undefined when the catalog has no price (the line then counts 0). */
  readonly unitPriceUsd?: number;
  readonly priceUnit: string;
  readonly monthlyUsd: number;
  /** Accrues with no requests and no runs (the environment idle). */
  readonly idle: boolean;
  readonly priceConfirmed: boolean;
  readonly source: string;
  readonly checked: string;
}

export interface Assumption {
  readonly name: string;
  readonly value: string;
  /** config: the environment's file gave it; default: the field is absent; kit: no config field. */
  readonly from: 'config' | 'default' | 'kit';
}

/** What the sections of an estimate append to, in the order the report shows notes and assumptions. */
export interface CostLedger {
  readonly lines: CostLine[];
  readonly notes: string[];
  readonly assumptions: Assumption[];
}

export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
/** A quantity for a sentence: two decimals at most, thousands separated. */
export const count = (value: number) => round(value, 2).toLocaleString('en-US');
/** `1 key`, `2 keys`: a count with its noun. */
export const some = (value: number, noun: string, plural = `${noun}s`) => `${count(value)} ${value === 1 ? noun : plural}`;

export interface LineSpec {
  readonly section: CostSection;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly detail: string;
  readonly price: UnitPrice | undefined;
  readonly idle: boolean;
}

/** A line item: the quantity priced, rounded to cents; no price counts 0 and says so. */
export function line(spec: LineSpec): CostLine {
  const { price } = spec;
  return {
    section: spec.section,
    item: spec.item,
    quantity: round(spec.quantity, 4),
    unit: spec.unit,
    detail: spec.detail,
    unitPriceUsd: price?.usd,
    priceUnit: price?.unit ?? 'not priced',
    monthlyUsd: price === undefined ? 0 : round((spec.quantity / price.per) * price.usd, 2),
    idle: spec.idle,
    priceConfirmed: price?.confirmed ?? false,
    source: price?.source ?? 'no price in the catalog',
    checked: price?.checked ?? CATALOG_CHECKED,
  };
}

/** The hosting price of an instance type as a UnitPrice. */
export function hostingPrice(instanceType: string): UnitPrice | undefined {
  const fact = findInstance(instanceType);
  if (fact === undefined) return undefined;
  return { usd: fact.price.usdPerHour, unit: 'instance-hour (hosting)', per: 1, confirmed: fact.price.confirmed, source: fact.price.source, checked: fact.price.checked };
}
