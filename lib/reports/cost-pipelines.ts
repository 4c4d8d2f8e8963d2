import { PRICES } from '../catalog/prices';
import { KIT_ASSUMPTIONS, type CostScope } from './cost-assumptions';
import type { Inventory } from './cost-inventory';
import { hostingPrice, line, some, type CostLedger } from './cost-lines';

/**
 * The pipelines section: Step Functions executions (on their schedules, or
 * once per training run) with their state transitions and the temporary
 * endpoints they create, the Lambda functions the pipelines and APIs call,
 * and the notifications and events around them.
 */

/** What the pipelines do in a month, which the logs and notifications scale with. */
export interface PipelineActivity {
  readonly executions: number;
  readonly transitions: number;
  readonly lambdaInvocations: number;
}

/** Prices the state machines, the Lambda functions, SNS and EventBridge; `runs` is the training runs a month. */
export function pipelineLines(inventory: Inventory, scope: CostScope, runs: number, ledger: CostLedger): PipelineActivity {
  const { lines, notes } = ledger;
  const executionsOf = new Map<string, number>();
  let executions = 0;
  let transitions = 0;
  for (const machine of inventory.stateMachines) {
    const perMonth = machine.scheduledPerMonth ?? runs;
    executionsOf.set(machine.id, perMonth);
    executions += perMonth;
    transitions += perMonth * machine.states;
    for (const expression of machine.unreadSchedules) notes.push(`${machine.path}: the schedule ${expression} could not be read; it counts no execution`);
    for (const endpoint of machine.temporaryEndpoints) {
      lines.push(
        line({
          section: 'pipelines',
          item: `${machine.path} temporary endpoint`,
          quantity: perMonth * endpoint.instances * KIT_ASSUMPTIONS.temporaryEndpointHours,
          unit: 'instance-hours',
          detail: `${some(perMonth, 'execution')} x ${endpoint.instances} x ${endpoint.instanceType} x ${KIT_ASSUMPTIONS.temporaryEndpointHours} h (created and deleted by each execution)`,
          price: hostingPrice(endpoint.instanceType),
          idle: false,
        }),
      );
    }
    lines.push(
      line({
        section: 'pipelines',
        item: `${machine.path} state transitions`,
        quantity: perMonth * machine.states,
        unit: 'transitions',
        detail: `${some(perMonth, 'execution')} (${machine.scheduledPerMonth === undefined ? 'one per training run' : 'its schedule'}) x ${some(machine.states, 'state')}`,
        price: PRICES.stepFunctionsTransitions,
        idle: false,
      }),
    );
  }
  if (inventory.stateMachines.length > 0) notes.push('state transitions count each state once per execution: retries, polling loops and Map iterations add more');

  let invocations = 0;
  const computeSeconds = { arm64: 0, x86_64: 0 };
  const roles = { pipeline: 0, api: 0, deployOnly: 0 };
  for (const fn of inventory.functions) {
    const pipelineCalls = fn.calledBy.reduce((sum, call) => sum + call.states * (executionsOf.get(call.stateMachine) ?? 0), 0);
    const apiCalls = fn.api ? scope.requestsPerMonth : 0;
    if (fn.api) roles.api += 1;
    else if (fn.calledBy.length > 0) roles.pipeline += 1;
    else roles.deployOnly += 1;
    invocations += pipelineCalls + apiCalls;
    const gb = fn.memoryMb / 1024;
    computeSeconds[fn.architecture] += gb * (pipelineCalls * Math.min(fn.timeoutSeconds, KIT_ASSUMPTIONS.pipelineLambdaSeconds) + apiCalls * Math.min(fn.timeoutSeconds, scope.requestSeconds));
  }
  if (inventory.functions.length > 0) {
    const summary = `${some(inventory.functions.length, 'function')}: ${roles.pipeline} called by pipelines, ${roles.api} behind an API, ${roles.deployOnly} at deploy time only`;
    lines.push(line({ section: 'pipelines', item: 'Lambda requests', quantity: invocations, unit: 'requests', detail: summary, price: PRICES.lambdaRequests, idle: false }));
    for (const architecture of ['arm64', 'x86_64'] as const) {
      if (computeSeconds[architecture] === 0) continue;
      lines.push(
        line({
          section: 'pipelines',
          item: `Lambda compute (${architecture})`,
          quantity: computeSeconds[architecture],
          unit: 'GB-seconds',
          detail: `memory x duration of each call (pipeline calls ${KIT_ASSUMPTIONS.pipelineLambdaSeconds} s or the timeout; API calls the request time)`,
          price: architecture === 'arm64' ? PRICES.lambdaComputeArm : PRICES.lambdaComputeX86,
          idle: false,
        }),
      );
    }
  }
  if (inventory.topics > 0) {
    lines.push(line({ section: 'pipelines', item: 'SNS notifications', quantity: executions, unit: 'publishes', detail: `${some(inventory.topics, 'topic')}, at most one notification per execution`, price: PRICES.snsPublishes, idle: false }));
  }
  if (inventory.eventRules > 0) {
    lines.push(line({ section: 'pipelines', item: 'EventBridge rules', quantity: executions, unit: 'events', detail: `${some(inventory.eventRules, 'rule')} on schedules and AWS service events`, price: PRICES.eventBridgeAwsEvents, idle: true }));
  }
  return { executions, transitions, lambdaInvocations: invocations };
}
