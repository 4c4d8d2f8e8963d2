import { findInstance } from '../catalog/instances';
import { asList, ownerPath, resourcesOf, UNKNOWN_REGION, type AssemblyStack, type EnvironmentAssembly, type TemplateResource } from './assembly';
import { firingsPerMonth } from './cost-schedule';

/**
 * What the cost estimate counts in an environment's templates: the priced
 * resources and the settings their price depends on (instance types and
 * capacities, Lambda memory, zones of interface endpoints, schedules).
 */

export interface EndpointScalingTarget {
  /** The predefined metric target tracking follows, such as SageMakerVariantConcurrentRequestsPerModelHighResolution. */
  readonly metric: string;
  readonly targetValue: number;
}

export interface EndpointVariant {
  /** Construct path of the endpoint, such as `prod/Serve/Endpoint`. */
  readonly path: string;
  readonly instanceType: string;
  /** `components`: inference components on managed instance scaling (they can scale to zero). */
  readonly mode: 'instances' | 'components';
  readonly minInstances: number;
  readonly maxInstances: number;
  /** Components: copies the scalable target allows and how many fit one instance. */
  readonly copies?: { readonly min: number; readonly max: number; readonly perInstance: number };
  readonly tracking?: EndpointScalingTarget;
  /** Share of requests captured to S3, 0 to 100. */
  readonly captureSamplingPercent: number;
}

export interface FunctionUse {
  readonly path: string;
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly timeoutSeconds: number;
  /** State machines whose definitions call the function, with the number of states that do. */
  readonly calledBy: readonly { readonly stateMachine: string; readonly states: number }[];
  /** Invoked by an API Gateway (a Lambda permission for apigateway.amazonaws.com). */
  readonly api: boolean;
}

export interface StateMachineUse {
  /** Stack and logical id: what FunctionUse.calledBy names. */
  readonly id: string;
  readonly path: string;
  /** States of the definition (each counted once per execution). */
  readonly states: number;
  /** Firings a month of the schedules that start it; undefined when no schedule does. */
  readonly scheduledPerMonth?: number;
  /** Schedule expressions that start it and that could not be read. */
  readonly unreadSchedules: readonly string[];
  /** Endpoints its executions create and delete (sagemaker:createEndpointConfig tasks), such as an evaluation's temporary endpoint. */
  readonly temporaryEndpoints: readonly { readonly instanceType: string; readonly instances: number }[];
}

export interface Inventory {
  readonly endpoints: readonly EndpointVariant[];
  readonly functions: readonly FunctionUse[];
  readonly stateMachines: readonly StateMachineUse[];
  readonly kmsKeys: number;
  readonly buckets: number;
  readonly logGroups: readonly { readonly path: string; readonly retentionDays?: number }[];
  /** Interface VPC endpoints with the zones (subnets) each sits in; gateway endpoints are free and left out. */
  readonly interfaceEndpoints: readonly { readonly path: string; readonly service: string; readonly zones: number }[];
  /** Alarms in the templates plus those Application Auto Scaling creates for target tracking (two per policy). */
  readonly alarms: { readonly standard: number; readonly highResolution: number };
  readonly topics: number;
  readonly eventRules: number;
  readonly prompts: number;
  readonly vectorIndexes: number;
  readonly restApis: number;
  readonly httpApis: number;
  /** Region of the stacks, when the assembly names it. */
  readonly region?: string;
}

/** Alarms Application Auto Scaling creates for one target-tracking policy (scale out and scale in). */
export const TARGET_TRACKING_ALARMS = 2;

type Props = Record<string, unknown>;
const props = (resource: TemplateResource): Props => resource.Properties ?? {};

/** The logical id a `Ref` or `Fn::GetAtt` names, else undefined. */
function refId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const object = value as Record<string, unknown>;
  if (typeof object.Ref === 'string') return object.Ref;
  const getAtt = object['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** A string, or a `Fn::Join` of strings only; else undefined (an unresolved token). */
function literal(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = (value as Record<string, unknown> | null)?.['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1]) && join[1].every((part) => typeof part === 'string')) return join[1].join(join[0]);
  return undefined;
}

/** Every string inside a value, tokens dropped: the text of a definition built with Fn::Join. */
function strings(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) value.forEach((item) => strings(item, into));
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach((item) => strings(item, into));
  return into;
}

/** Logical ids a value refers to (Ref and Fn::GetAtt), with how often. */
function references(value: unknown, into = new Map<string, number>()): Map<string, number> {
  const id = refId(value);
  if (id !== undefined) into.set(id, (into.get(id) ?? 0) + 1);
  else if (Array.isArray(value)) value.forEach((item) => references(item, into));
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach((item) => references(item, into));
  return into;
}

const number = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);


function trackingOf(stack: AssemblyStack, targetId: string): EndpointScalingTarget | undefined {
  for (const [, policy] of resourcesOf(stack, 'AWS::ApplicationAutoScaling::ScalingPolicy')) {
    const p = props(policy);
    if (refId(p.ScalingTargetId) !== targetId || p.PolicyType !== 'TargetTrackingScaling') continue;
    const configuration = (p.TargetTrackingScalingPolicyConfiguration ?? {}) as Props;
    const metric = ((configuration.PredefinedMetricSpecification ?? {}) as Props).PredefinedMetricType;
    if (typeof metric === 'string' && typeof configuration.TargetValue === 'number') return { metric, targetValue: configuration.TargetValue };
  }
  return undefined;
}

/** The scalable target of a resource: by its literal resource id, else by its dependency on the resource. */
function scalableTargetOf(stack: AssemblyStack, resourceId: string | undefined, dependency: string): [string, Props] | undefined {
  const targets = resourcesOf(stack, 'AWS::ApplicationAutoScaling::ScalableTarget');
  const found =
    targets.find(([, target]) => resourceId !== undefined && literal(props(target).ResourceId) === resourceId) ??
    targets.find(([, target]) => asList(target.DependsOn).includes(dependency));
  return found === undefined ? undefined : [found[0], props(found[1])];
}

function endpointsOf(stack: AssemblyStack): EndpointVariant[] {
  const variants: EndpointVariant[] = [];
  const endpoints = resourcesOf(stack, 'AWS::SageMaker::Endpoint');
  for (const [configId, config] of resourcesOf(stack, 'AWS::SageMaker::EndpointConfig')) {
    const endpointEntry = endpoints.find(([, endpoint]) => refId(props(endpoint).EndpointConfigName) === configId);
    if (endpointEntry === undefined) continue; // a config no endpoint uses costs nothing
    const [endpointId, endpoint] = endpointEntry;
    const endpointName = literal(props(endpoint).EndpointName);
    const path = ownerPath(stack, configId).replace(/\/Config$/, '');
    const capture = (props(config).DataCaptureConfig ?? {}) as Props;
    const captureSamplingPercent = capture.EnableCapture === false ? 0 : number(capture.InitialSamplingPercentage, 0);
    for (const variant of (props(config).ProductionVariants ?? []) as Props[]) {
      const instanceType = String(variant.InstanceType ?? 'unknown');
      const variantName = String(variant.VariantName ?? 'AllTraffic');
      const managed = (variant.ManagedInstanceScaling ?? {}) as Props;
      const initial = number(variant.InitialInstanceCount, 1);
      if (managed.Status === 'ENABLED') {
        const componentEntry = resourcesOf(stack, 'AWS::SageMaker::InferenceComponent').find(
          ([, component]) => (refId(props(component).EndpointName) === endpointId || literal(props(component).EndpointName) === endpointName) && (props(component).VariantName ?? variantName) === variantName,
        );
        const component = componentEntry === undefined ? {} : props(componentEntry[1]);
        const requirements = (((component.Specification ?? {}) as Props).ComputeResourceRequirements ?? {}) as Props;
        const devices = Math.max(1, number(requirements.NumberOfAcceleratorDevicesRequired, 1));
        const accelerators = findInstance(instanceType)?.accelerator.count ?? devices;
        const perInstance = Math.max(1, Math.floor(accelerators / devices));
        const componentName = literal(component.InferenceComponentName);
        const target = componentEntry === undefined ? undefined : scalableTargetOf(stack, componentName === undefined ? undefined : `inference-component/${componentName}`, componentEntry[0]);
        const copyCount = number(((component.RuntimeConfig ?? {}) as Props).CopyCount, 1);
        const maxInstances = number(managed.MaxInstanceCount, initial);
        variants.push({
          path,
          instanceType,
          mode: 'components',
          minInstances: number(managed.MinInstanceCount, 0),
          maxInstances,
          copies: { min: number(target?.[1].MinCapacity, copyCount), max: number(target?.[1].MaxCapacity, maxInstances * perInstance), perInstance },
          tracking: target === undefined ? undefined : trackingOf(stack, target[0]),
          captureSamplingPercent,
        });
      } else {
        const target = scalableTargetOf(stack, endpointName === undefined ? undefined : `endpoint/${endpointName}/variant/${variantName}`, endpointId);
        variants.push({
          path,
          instanceType,
          mode: 'instances',
          minInstances: number(target?.[1].MinCapacity, initial),
          maxInstances: number(target?.[1].MaxCapacity, initial),
          tracking: target === undefined ? undefined : trackingOf(stack, target[0]),
          captureSamplingPercent,
        });
      }
    }
  }
  return variants;
}

function stateMachinesOf(stack: AssemblyStack): StateMachineUse[] {
  const schedules = new Map<string, string[]>();
  for (const [, rule] of resourcesOf(stack, 'AWS::Events::Rule')) {
    const p = props(rule);
    if (typeof p.ScheduleExpression !== 'string' || p.State === 'DISABLED') continue;
    for (const target of (p.Targets ?? []) as Props[]) {
      const id = refId(target.Arn);
      if (id !== undefined) schedules.set(id, [...(schedules.get(id) ?? []), p.ScheduleExpression]);
    }
  }
  return resourcesOf(stack, 'AWS::StepFunctions::StateMachine').map(([id, machine]) => {
    const p = props(machine);
    const text = strings(p.DefinitionString ?? p.Definition ?? '').join('');
    const states = (text.match(/"Type"\s*:\s*"(Task|Pass|Choice|Wait|Succeed|Fail|Parallel|Map)"/g) ?? []).length;
    const expressions = schedules.get(id) ?? [];
    const firings = expressions.map((expression) => firingsPerMonth(expression));
    const creates = text.includes('sagemaker:createEndpointConfig');
    const variants = creates ? [...text.matchAll(/"InstanceType"\s*:\s*"(ml\.[a-z0-9.]+)"[^{}]*?"InitialInstanceCount"\s*:\s*(\d+)/g)] : [];
    return {
      id: `${stack.stackName}/${id}`,
      path: ownerPath(stack, id),
      states: Math.max(1, states),
      temporaryEndpoints: variants.map((match) => ({ instanceType: match[1], instances: Number(match[2]) })),
      scheduledPerMonth: expressions.length === 0 ? undefined : firings.reduce<number>((sum, value) => sum + (value ?? 0), 0),
      unreadSchedules: expressions.filter((_, index) => firings[index] === undefined),
    };
  });
}

function functionsOf(stack: AssemblyStack): FunctionUse[] {
  const calls = resourcesOf(stack, 'AWS::StepFunctions::StateMachine').map(([id, machine]) => ({
    stateMachine: `${stack.stackName}/${id}`,
    refs: references(props(machine).DefinitionString ?? props(machine).Definition ?? {}),
  }));
  const apiFunctions = new Set(
    resourcesOf(stack, 'AWS::Lambda::Permission')
      .filter(([, permission]) => props(permission).Principal === 'apigateway.amazonaws.com')
      .map(([, permission]) => refId(props(permission).FunctionName))
      .filter((id): id is string => id !== undefined),
  );
  return resourcesOf(stack, 'AWS::Lambda::Function').map(([id, fn]) => {
    const p = props(fn);
    const architectures = (p.Architectures ?? []) as string[];
    return {
      path: ownerPath(stack, id),
      memoryMb: number(p.MemorySize, 128),
      architecture: architectures.includes('arm64') ? 'arm64' : 'x86_64',
      timeoutSeconds: number(p.Timeout, 3),
      calledBy: calls.filter((call) => call.refs.has(id)).map((call) => ({ stateMachine: call.stateMachine, states: call.refs.get(id) as number })),
      api: apiFunctions.has(id),
    };
  });
}

function alarmsOf(stack: AssemblyStack): { standard: number; highResolution: number } {
  let standard = 0;
  let highResolution = 0;
  for (const [, alarm] of [...resourcesOf(stack, 'AWS::CloudWatch::Alarm'), ...resourcesOf(stack, 'AWS::CloudWatch::CompositeAlarm')]) {
    const p = props(alarm);
    const periods = [p.Period, ...((p.Metrics ?? []) as Props[]).map((metric) => ((metric.MetricStat ?? {}) as Props).Period)].filter((period): period is number => typeof period === 'number');
    if (periods.some((period) => period < 60)) highResolution += 1;
    else standard += 1;
  }
  for (const [, policy] of resourcesOf(stack, 'AWS::ApplicationAutoScaling::ScalingPolicy')) {
    const p = props(policy);
    if (p.PolicyType !== 'TargetTrackingScaling') continue;
    const metric = (((p.TargetTrackingScalingPolicyConfiguration ?? {}) as Props).PredefinedMetricSpecification ?? {}) as Props;
    if (String(metric.PredefinedMetricType ?? '').endsWith('HighResolution')) highResolution += TARGET_TRACKING_ALARMS;
    else standard += TARGET_TRACKING_ALARMS;
  }
  return { standard, highResolution };
}

/** Reads the priced resources of an environment's templates. */
export function inventory(environment: EnvironmentAssembly): Inventory {
  const { stacks } = environment;
  const all = <T>(read: (stack: AssemblyStack) => T[]): T[] => stacks.flatMap(read);
  const count = (type: string) => stacks.reduce((sum, stack) => sum + resourcesOf(stack, type).length, 0);
  const alarms = stacks.map(alarmsOf);
  const regions = [...new Set(stacks.map((stack) => stack.region).filter((region) => region !== UNKNOWN_REGION))];
  return {
    endpoints: all(endpointsOf),
    functions: all(functionsOf),
    stateMachines: all(stateMachinesOf),
    kmsKeys: count('AWS::KMS::Key'),
    buckets: count('AWS::S3::Bucket'),
    logGroups: all((stack) =>
      resourcesOf(stack, 'AWS::Logs::LogGroup').map(([id, group]) => ({ path: ownerPath(stack, id), retentionDays: typeof props(group).RetentionInDays === 'number' ? (props(group).RetentionInDays as number) : undefined })),
    ),
    interfaceEndpoints: all((stack) =>
      resourcesOf(stack, 'AWS::EC2::VPCEndpoint')
        .filter(([, endpoint]) => props(endpoint).VpcEndpointType === 'Interface')
        .map(([id, endpoint]) => {
          const service = literal(props(endpoint).ServiceName) ?? 'unknown';
          const subnets = props(endpoint).SubnetIds;
          return { path: ownerPath(stack, id), service: service.replace(/^com\.amazonaws\.[a-z0-9-]+\./, ''), zones: Array.isArray(subnets) ? Math.max(1, subnets.length) : 1 };
        }),
    ),
    alarms: { standard: alarms.reduce((sum, a) => sum + a.standard, 0), highResolution: alarms.reduce((sum, a) => sum + a.highResolution, 0) },
    topics: count('AWS::SNS::Topic'),
    eventRules: count('AWS::Events::Rule'),
    prompts: count('AWS::Bedrock::Prompt'),
    vectorIndexes: count('AWS::S3Vectors::Index'),
    restApis: count('AWS::ApiGateway::RestApi'),
    httpApis: count('AWS::ApiGatewayV2::Api'),
    region: regions.length === 1 ? regions[0] : undefined,
  };
}
