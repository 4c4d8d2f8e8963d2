import { asList, compareText, resourcesOf, type ResourceReference } from './assembly';
import type { AuditContext } from './audit-context';
import { roleEntries, statementsOf } from './audit-iam';

/**
 * Data moving between lifecycle stages: what one stage's roles read from,
 * write to or invoke in another, what its event rules trigger, and, for
 * stages with no such flow, which resources one uses of the other.
 */
export interface FlowAudit {
  readonly from: string;
  readonly to: string;
  readonly kind: 'reads' | 'writes' | 'invokes' | 'triggers' | 'uses';
  /** Construct paths of the resources the flow goes through. */
  readonly resources: readonly string[];
  /** The roles or rules that carry it (none for `uses`). */
  readonly via: readonly string[];
}

export interface StageNode {
  readonly stage: string;
  readonly stacks: readonly string[];
}

/** Actions that move data, by direction. `*` alone says nothing about direction and is left out. */
const ACTION_KINDS: ReadonlyArray<[RegExp, FlowAudit['kind']]> = [
  [/^(s3:(get|list)|s3vectors:(get|list|query)|dynamodb:(get|batchget|query|scan)|sqs:receive|bedrock:(get|retrieve$)|ssm:getparameter|secretsmanager:getsecretvalue)/i, 'reads'],
  [/^(s3:(put|delete|abortmultipart|restore)|s3vectors:(put|delete)|dynamodb:(put|update|delete|batchwrite)|sqs:sendmessage|sns:publish|events:putevents|ssm:putparameter|sagemaker:(create|update)modelpackage)/i, 'writes'],
  [/^(sagemaker:invokeendpoint|lambda:invokefunction|states:start(sync)?execution|bedrock:(invokemodel|converse|retrieveandgenerate|invokeagent)|execute-api:invoke)/i, 'invokes'],
];

/** Resources whose use is not a data flow: keys, roles, logs. */
const NOT_DATA = new Set(['AWS::KMS::Key', 'AWS::IAM::Role', 'AWS::Logs::LogGroup', 'AWS::EC2::SecurityGroup', 'AWS::EC2::Subnet', 'AWS::EC2::VPC']);

export function stageNodes(context: AuditContext): StageNode[] {
  const nodes = new Map<string, string[]>();
  for (const { stack, stage } of context.stacks) nodes.set(stage, [...(nodes.get(stage) ?? []), stack.stackName]);
  return [...nodes.entries()].map(([stage, stacks]) => ({ stage, stacks }));
}

/** The shortest physical name worth matching: shorter literals match by accident. */
const MIN_NAME_LENGTH = 6;

/**
 * Resources by the literal physical names they are given (`ModelPackageGroupName`,
 * `EndpointName`, an SSM parameter's `Name`): another stage may name them in an
 * ARN or an event pattern instead of referring to them. A name two resources
 * share says nothing and is left out.
 */
function physicalNames(context: AuditContext): Map<string, ResourceReference | null> {
  const names = new Map<string, ResourceReference | null>();
  for (const { stack } of context.stacks) {
    for (const [logicalId, resource] of resourcesOf(stack)) {
      for (const [property, value] of Object.entries(resource.Properties ?? {})) {
        if (!property.endsWith('Name') || typeof value !== 'string' || value.length < MIN_NAME_LENGTH) continue;
        names.set(value, names.has(value) ? null : { stackName: stack.stackName, logicalId });
      }
    }
  }
  return names;
}

/** The resources a value refers to, or names literally (as a whole word, or anywhere for a path-like name). */
function targetsOf(context: AuditContext, names: Map<string, ResourceReference | null>, stackName: string, value: unknown): ResourceReference[] {
  const found = context.resolver.references(stackName, value);
  const text = context.resolver.render(stackName, value);
  const words = new Set(text.split(/[\s:/*,[\]{}"]+/));
  for (const [name, reference] of names) {
    if (reference !== null && (name.includes('/') ? text.includes(name) : words.has(name))) found.push(reference);
  }
  return [...new Map(found.map((reference) => [`${reference.stackName}\0${reference.logicalId}`, reference])).values()];
}

export function flowAudits(context: AuditContext): FlowAudit[] {
  const { resolver } = context;
  const names = physicalNames(context);
  const flows = new Map<string, { from: string; to: string; kind: FlowAudit['kind']; resources: Set<string>; via: Set<string> }>();
  const stageOf = (reference: ResourceReference) => context.stackOf(reference.stackName)?.stage;
  const add = (from: string, to: string, kind: FlowAudit['kind'], resource: string, via?: string) => {
    const id = `${from}\0${to}\0${kind}`;
    const flow = flows.get(id) ?? { from, to, kind, resources: new Set<string>(), via: new Set<string>() };
    flow.resources.add(resource);
    if (via !== undefined) flow.via.add(via);
    flows.set(id, flow);
  };

  for (const role of roleEntries(context)) {
    const actor = context.stackOf(role.stack)?.stage;
    if (actor === undefined) continue;
    for (const source of role.sources) {
      for (const statement of statementsOf(source.document)) {
        if (statement.Effect !== 'Allow') continue;
        const kinds = new Set(asList(statement.Action).flatMap((action) => ACTION_KINDS.filter(([pattern]) => pattern.test(String(action))).map(([, kind]) => kind)));
        if (kinds.size === 0) continue;
        for (const target of asList(statement.Resource).flatMap((resource) => targetsOf(context, names, source.stackName, resource))) {
          const stage = stageOf(target);
          if (stage === undefined || stage === actor || NOT_DATA.has(resolver.resource(target)?.Type ?? '')) continue;
          for (const kind of kinds) {
            if (kind === 'reads') add(stage, actor, kind, resolver.pathOf(target), role.path);
            else add(actor, stage, kind, resolver.pathOf(target), role.path);
          }
        }
      }
    }
  }

  for (const { stack, stage } of context.stacks) {
    for (const [logicalId, rule] of resourcesOf(stack, 'AWS::Events::Rule')) {
      const path = resolver.pathOf({ stackName: stack.stackName, logicalId });
      for (const target of asList(rule.Properties?.Targets).flatMap((entry) => resolver.references(stack.stackName, (entry as { Arn?: unknown })?.Arn))) {
        const to = stageOf(target);
        if (to !== undefined && to !== stage) add(stage, to, 'triggers', resolver.pathOf(target), path);
      }
      for (const source of targetsOf(context, names, stack.stackName, rule.Properties?.EventPattern)) {
        const from = stageOf(source);
        if (from !== undefined && from !== stage) add(from, stage, 'triggers', resolver.pathOf(source), path);
      }
    }
  }

  const connected = new Set([...flows.values()].flatMap(({ from, to }) => [`${from}\0${to}`, `${to}\0${from}`]));
  for (const reference of resolver.crossStackReferences()) {
    const from = context.stackOf(reference.producer)?.stage;
    const to = context.stackOf(reference.consumer)?.stage;
    if (from === undefined || to === undefined || from === to || connected.has(`${from}\0${to}`)) continue;
    for (const target of reference.targets) add(from, to, 'uses', resolver.pathOf(target));
  }

  const order = new Map(stageNodes(context).map((node, index) => [node.stage, index]));
  return [...flows.values()]
    .map(({ from, to, kind, resources, via }) => ({ from, to, kind, resources: [...resources].sort(compareText), via: [...via].sort(compareText) }))
    .sort((a, b) => order.get(a.from)! - order.get(b.from)! || order.get(a.to)! - order.get(b.to)! || compareText(a.kind, b.kind));
}

const nodeId = (stage: string) => `stage_${stage.replace(/[^A-Za-z0-9]/g, '_')}`;
const label = (text: string) => `"${text.replace(/"/g, '#quot;')}"`;
const MAX_NAMES = 4;

/** The short name of a resource in a flow label: its path below the stack (`DataLake/Datasets`). */
function shortName(context: AuditContext, path: string): string {
  const stack = context.stackOfPath(path);
  return stack === undefined ? path : path.slice(stack.stack.displayName.length + 1) || path;
}

/**
 * A Mermaid flowchart of the stages (one node each, with its stacks) and
 * the flows between them: solid arrows for data read, written, invoked or
 * triggered, dotted ones for resources used without a data flow.
 */
export function mermaid(context: AuditContext, nodes: readonly StageNode[], flows: readonly FlowAudit[]): string {
  const lines = ['flowchart LR'];
  for (const node of nodes) lines.push(`  ${nodeId(node.stage)}[${label(`${node.stage}<br/>${node.stacks.join(', ')}`)}]`);
  for (const flow of flows) {
    const names = [...new Set(flow.resources.map((path) => shortName(context, path)))].sort(compareText);
    const shown = names.length > MAX_NAMES ? [...names.slice(0, MAX_NAMES - 1), `+${names.length - MAX_NAMES + 1} more`] : names;
    const arrow = flow.kind === 'uses' ? '-.->' : '-->';
    lines.push(`  ${nodeId(flow.from)} ${arrow}|${label(`${flow.kind} ${shown.join(', ')}`)}| ${nodeId(flow.to)}`);
  }
  return `${lines.join('\n')}\n`;
}
