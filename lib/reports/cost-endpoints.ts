import { HOURS_PER_MONTH } from '../catalog/instances';
import type { KitConfig } from '../config/schema';
import type { CostScope } from './cost-assumptions';
import type { EndpointVariant, Inventory } from './cost-inventory';
import { count, hostingPrice, line, type CostLedger } from './cost-lines';

/**
 * The serve section: each endpoint's minimum capacity all month (what it
 * costs idle) and the instances autoscaling adds for the peak hours.
 */

/** Instances an endpoint needs at peak, and why. */
function peakInstances(endpoint: EndpointVariant, peakRps: number, concurrency: number): { instances: number; why: string } {
  const tracking = endpoint.tracking;
  let units: number | undefined;
  let why = 'no target tracking found: minimum capacity at peak';
  if (tracking !== undefined) {
    const per = endpoint.mode === 'components' ? 'copy' : 'instance';
    if (/ConcurrentRequests/.test(tracking.metric)) {
      units = Math.ceil(concurrency / tracking.targetValue);
      why = `${count(concurrency)} concurrent requests / target ${tracking.targetValue} per ${per}`;
    } else if (/Invocations/.test(tracking.metric)) {
      units = Math.ceil((peakRps * 60) / tracking.targetValue);
      why = `${count(peakRps * 60)} invocations a minute / target ${tracking.targetValue} per ${per}`;
    }
  }
  if (endpoint.mode === 'components' && endpoint.copies !== undefined) {
    const { copies } = endpoint;
    const wanted = Math.min(copies.max, Math.max(units ?? 1, copies.min, 1));
    const instances = Math.min(endpoint.maxInstances, Math.max(endpoint.minInstances, 1, Math.ceil(wanted / copies.perInstance)));
    return { instances, why: `${why} = ${wanted} cop${wanted === 1 ? 'y' : 'ies'} (at most ${copies.max}, ${copies.perInstance} per instance) = ${instances} instance${instances === 1 ? '' : 's'}` };
  }
  const instances = Math.min(endpoint.maxInstances, Math.max(endpoint.minInstances, units ?? endpoint.minInstances));
  return { instances, why: `${why} = ${units ?? endpoint.minInstances}, within ${endpoint.minInstances} to ${endpoint.maxInstances} = ${instances} instance${instances === 1 ? '' : 's'}` };
}

/** Prices the endpoints' instance-hours; a model on Bedrock has none and says its tokens are not estimated. */
export function endpointLines(inventory: Inventory, config: KitConfig, scope: CostScope, ledger: CostLedger): void {
  const { lines, notes } = ledger;
  for (const endpoint of inventory.endpoints) {
    const price = hostingPrice(endpoint.instanceType);
    if (price === undefined) notes.push(`${endpoint.path}: ${endpoint.instanceType} is not in the instance catalog (lib/catalog/instances.ts); its hours are not priced`);
    const minimum = endpoint.minInstances;
    lines.push(
      line({
        section: 'serve',
        item: `${endpoint.path} minimum capacity`,
        quantity: minimum * HOURS_PER_MONTH,
        unit: 'instance-hours',
        detail:
          minimum === 0
            ? `0 x ${endpoint.instanceType}: scales to zero instances when idle`
            : `${minimum} x ${endpoint.instanceType} x ${HOURS_PER_MONTH} h (minimum capacity all month)`,
        price,
        idle: true,
      }),
    );
    const peak = peakInstances(endpoint, scope.peakRequestsPerSecond, scope.peakConcurrentRequests);
    const extra = Math.max(0, peak.instances - minimum);
    lines.push(
      line({
        section: 'serve',
        item: `${endpoint.path} ${minimum === 0 ? 'instances at load' : 'scale-out at peak'}`,
        quantity: extra * scope.peakHoursPerMonth,
        unit: 'instance-hours',
        detail: `${extra === 0 ? 'no instance beyond the minimum' : `+${extra} x ${endpoint.instanceType} x ${count(scope.peakHoursPerMonth)} h`} (${peak.why})`,
        price,
        idle: false,
      }),
    );
    if (endpoint.mode === 'components' && minimum === 0) {
      notes.push(`${endpoint.path} scales to zero: idle it costs nothing; the first request after idling fails and wakes it, and the minutes it stays up after the last request (scale-in cooldowns) are not counted`);
    }
  }
  if (inventory.endpoints.length === 0 && config.model.source === 'bedrock') {
    notes.push(`${config.model.modelId} runs on Bedrock, priced per token (aws.amazon.com/bedrock/pricing): model tokens are not estimated`);
  }
}
