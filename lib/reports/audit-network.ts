import { asList, at, compareText, resourcePath, resourcesOf, type AssemblyStack } from './assembly';
import { byStackThenPath, type AuditContext, type AuditedPlace } from './audit-context';

export interface SubnetAudit {
  readonly path: string;
  readonly cidr: string;
  readonly availabilityZone: string;
  /** `isolated (no route out of the VPC)`, `public (internet gateway route)`, ... */
  readonly routing: string;
  readonly publicIpOnLaunch: boolean;
}

export interface VpcAudit extends AuditedPlace {
  readonly cidr: string;
  readonly flowLogs: readonly string[];
  readonly subnets: readonly SubnetAudit[];
}

export interface VpcEndpointAudit extends AuditedPlace {
  readonly service: string;
  readonly type: string;
  readonly privateDns: boolean | null;
  readonly subnets: number;
  readonly securityGroups: readonly string[];
  readonly policy: boolean;
}

export interface SecurityGroupAudit extends AuditedPlace {
  readonly description: string;
  readonly ingress: readonly string[];
  readonly egress: readonly string[];
  /** Ingress from 0.0.0.0/0 or ::/0. */
  readonly openToInternet: boolean;
}

/** Anything reachable by an address: an API method or route, a function URL, an endpoint. */
export interface EntryPointAudit extends AuditedPlace {
  readonly kind: string;
  readonly address: string;
  readonly authorization: string;
  /** No authorization at all. */
  readonly open: boolean;
}

/** Where a piece of compute runs: inside a VPC or not. */
export interface PlacementAudit extends AuditedPlace {
  readonly kind: string;
  readonly inVpc: boolean;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly networkIsolation: boolean | null;
}

export interface NetworkAudit {
  readonly vpcs: readonly VpcAudit[];
  readonly endpoints: readonly VpcEndpointAudit[];
  readonly securityGroups: readonly SecurityGroupAudit[];
  readonly entryPoints: readonly EntryPointAudit[];
  readonly placement: readonly PlacementAudit[];
}

type Render = (value: unknown) => string;
const ANYWHERE = new Set(['0.0.0.0/0', '::/0']);
/** The egress rule aws-cdk-lib writes when a security group may send nothing. */
const NO_TRAFFIC_RULE = { CidrIp: '255.255.255.255/32', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 };

function ruleText(render: Render, rule: unknown, direction: 'from' | 'to'): string {
  if (at(rule, 'CidrIp') === NO_TRAFFIC_RULE.CidrIp && at(rule, 'FromPort') === NO_TRAFFIC_RULE.FromPort && at(rule, 'ToPort') === NO_TRAFFIC_RULE.ToPort) {
    return 'no traffic (placeholder rule of aws-cdk-lib)';
  }
  const protocol = String(at(rule, 'IpProtocol'));
  const from = at(rule, 'FromPort');
  const to = at(rule, 'ToPort');
  const ports = protocol === '-1' ? 'all traffic' : `${protocol} ${from === to || to === undefined ? String(from) : `${String(from)}-${String(to)}`}`;
  const peer =
    at(rule, 'CidrIp') ??
    at(rule, 'CidrIpv6') ??
    at(rule, 'SourceSecurityGroupId') ??
    at(rule, 'DestinationSecurityGroupId') ??
    at(rule, 'SourcePrefixListId') ??
    at(rule, 'DestinationPrefixListId');
  const description = at(rule, 'Description');
  return `${ports} ${direction} ${render(peer)}${description !== undefined ? ` (${render(description)})` : ''}`;
}

function securityGroups(context: AuditContext, stack: AssemblyStack, stage: string): SecurityGroupAudit[] {
  const render: Render = (value) => context.resolver.render(stack.stackName, value);
  const extra = new Map<string, { ingress: unknown[]; egress: unknown[] }>();
  for (const [, rule] of resourcesOf(stack, 'AWS::EC2::SecurityGroupIngress', 'AWS::EC2::SecurityGroupEgress')) {
    const group = context.resolver.target(stack.stackName, rule.Properties?.GroupId);
    if (group === undefined) continue;
    const entry = extra.get(group.logicalId) ?? { ingress: [], egress: [] };
    (rule.Type === 'AWS::EC2::SecurityGroupIngress' ? entry.ingress : entry.egress).push(rule.Properties);
    extra.set(group.logicalId, entry);
  }
  return resourcesOf(stack, 'AWS::EC2::SecurityGroup').map(([logicalId, group]) => {
    const ingress = [...asList(group.Properties?.SecurityGroupIngress), ...(extra.get(logicalId)?.ingress ?? [])];
    const egressRules = [...asList(group.Properties?.SecurityGroupEgress), ...(extra.get(logicalId)?.egress ?? [])];
    return {
      stack: stack.stackName,
      stage,
      path: resourcePath(stack, logicalId),
      description: render(group.Properties?.GroupDescription),
      ingress: ingress.map((rule) => ruleText(render, rule, 'from')),
      egress: egressRules.length === 0 ? ['all traffic to anywhere (CloudFormation default)'] : egressRules.map((rule) => ruleText(render, rule, 'to')),
      openToInternet: ingress.some((rule) => ANYWHERE.has(String(at(rule, 'CidrIp') ?? at(rule, 'CidrIpv6')))),
    };
  });
}

function vpcs(context: AuditContext, stack: AssemblyStack, stage: string): VpcAudit[] {
  const { resolver } = context;
  const render: Render = (value) => resolver.render(stack.stackName, value);
  const targetOf = (value: unknown) => resolver.target(stack.stackName, value)?.logicalId;
  const routes = new Map<string, unknown[]>();
  for (const [, route] of resourcesOf(stack, 'AWS::EC2::Route')) {
    const table = targetOf(route.Properties?.RouteTableId);
    if (table !== undefined) routes.set(table, [...(routes.get(table) ?? []), route.Properties]);
  }
  const tableOf = new Map<string, string>();
  for (const [, association] of resourcesOf(stack, 'AWS::EC2::SubnetRouteTableAssociation')) {
    const subnet = targetOf(association.Properties?.SubnetId);
    const table = targetOf(association.Properties?.RouteTableId);
    if (subnet !== undefined && table !== undefined) tableOf.set(subnet, table);
  }
  const routing = (subnet: string): string => {
    const table = tableOf.get(subnet);
    if (table === undefined) return 'main route table of the VPC';
    const out = routes.get(table) ?? [];
    if (out.length === 0) return 'isolated (no route out of the VPC)';
    const kinds = out.map((route) => {
      const gateway = at(route, 'GatewayId');
      const gatewayType = gateway === undefined ? undefined : resolver.resource({ stackName: stack.stackName, logicalId: targetOf(gateway) ?? '' })?.Type;
      if (gatewayType === 'AWS::EC2::InternetGateway' || String(render(gateway)).startsWith('igw-')) return 'public (internet gateway route)';
      if (at(route, 'NatGatewayId') !== undefined) return 'private (NAT gateway route)';
      const target = ['TransitGatewayId', 'VpcPeeringConnectionId', 'NetworkInterfaceId', 'InstanceId', 'VpcEndpointId', 'EgressOnlyInternetGatewayId', 'GatewayId']
        .map((property) => at(route, property))
        .find((value) => value !== undefined);
      return `route ${render(at(route, 'DestinationCidrBlock') ?? at(route, 'DestinationIpv6CidrBlock'))} to ${render(target)}`;
    });
    return [...new Set(kinds)].sort(compareText).join('; ');
  };
  const flowLogs = resourcesOf(stack, 'AWS::EC2::FlowLog').map(([, log]) => ({
    target: targetOf(log.Properties?.ResourceId),
    text: `${render(log.Properties?.TrafficType ?? 'ALL')} to ${render(log.Properties?.LogDestinationType ?? 'cloud-watch-logs')} ${render(log.Properties?.LogGroupName ?? log.Properties?.LogDestination)}`,
  }));
  const subnets = resourcesOf(stack, 'AWS::EC2::Subnet');
  return resourcesOf(stack, 'AWS::EC2::VPC').map(([logicalId, vpc]) => ({
    stack: stack.stackName,
    stage,
    path: resourcePath(stack, logicalId),
    cidr: render(vpc.Properties?.CidrBlock ?? vpc.Properties?.Ipv4IpamPoolId),
    flowLogs: flowLogs.filter((log) => log.target === logicalId).map((log) => log.text),
    subnets: subnets
      .filter(([, subnet]) => targetOf(subnet.Properties?.VpcId) === logicalId)
      .map(([subnetId, subnet]) => ({
        path: resourcePath(stack, subnetId),
        cidr: render(subnet.Properties?.CidrBlock),
        availabilityZone: render(subnet.Properties?.AvailabilityZone ?? subnet.Properties?.AvailabilityZoneId),
        routing: routing(subnetId),
        publicIpOnLaunch: subnet.Properties?.MapPublicIpOnLaunch === true,
      })),
  }));
}

/** The path of an API Gateway resource: its PathPart after its parents', `/` for the root. */
function restPath(context: AuditContext, stackName: string, resourceId: unknown, depth = 0): string {
  const target = context.resolver.target(stackName, resourceId);
  if (target?.attribute === 'RootResourceId') return '';
  const resource = target === undefined ? undefined : context.resolver.resource(target);
  if (target === undefined || resource?.Type !== 'AWS::ApiGateway::Resource' || depth > 32) return `/${context.resolver.render(stackName, resourceId)}`;
  return `${restPath(context, target.stackName, resource.Properties?.ParentId, depth + 1)}/${context.resolver.render(target.stackName, resource.Properties?.PathPart)}`;
}

function entryPoints(context: AuditContext, stack: AssemblyStack, stage: string): EntryPointAudit[] {
  const { resolver } = context;
  const render: Render = (value) => resolver.render(stack.stackName, value);
  const apiName = (id: unknown) => {
    const target = resolver.target(stack.stackName, id);
    return target === undefined ? render(id) : resolver.pathOf(target);
  };
  const entry = (logicalId: string, kind: string, address: string, authorization: string, open: boolean): EntryPointAudit => ({
    stack: stack.stackName,
    stage,
    path: resourcePath(stack, logicalId),
    kind,
    address,
    authorization,
    open,
  });
  const found: EntryPointAudit[] = [];
  for (const [logicalId, resource] of resourcesOf(stack)) {
    const get = (...path: Array<string | number>) => at(resource.Properties, ...path);
    switch (resource.Type) {
      case 'AWS::ApiGateway::Method': {
        const type = render(get('AuthorizationType') ?? 'NONE');
        const authorizer = get('AuthorizerId') === undefined ? '' : ` ${render(get('AuthorizerId'))}`;
        const key = get('ApiKeyRequired') === true ? ', API key required' : '';
        const address = `${render(get('HttpMethod'))} ${restPath(context, stack.stackName, get('ResourceId')) || '/'} of ${apiName(get('RestApiId'))}`;
        found.push(entry(logicalId, 'REST API method', address, `${type}${authorizer}${key}`, type === 'NONE' && key === ''));
        break;
      }
      case 'AWS::ApiGatewayV2::Route': {
        const type = render(get('AuthorizationType') ?? 'NONE');
        const authorizer = get('AuthorizerId') === undefined ? '' : ` ${render(get('AuthorizerId'))}`;
        const key = get('ApiKeyRequired') === true ? ', API key required' : '';
        found.push(entry(logicalId, 'HTTP/WebSocket API route', `${render(get('RouteKey'))} of ${apiName(get('ApiId'))}`, `${type}${authorizer}${key}`, type === 'NONE' && key === ''));
        break;
      }
      case 'AWS::ApiGateway::RestApi': {
        const types = asList(get('EndpointConfiguration', 'Types')).map(render);
        const policy = get('Policy') === undefined ? 'no resource policy' : 'resource policy';
        found.push(entry(logicalId, 'REST API', `${render(get('Name') ?? logicalId)} (${types.length > 0 ? types.join(', ') : 'EDGE'})`, `per method; ${policy}`, false));
        break;
      }
      case 'AWS::ApiGatewayV2::Api':
        found.push(entry(logicalId, `${render(get('ProtocolType') ?? 'HTTP')} API`, render(get('Name') ?? logicalId), get('DisableExecuteApiEndpoint') === true ? 'per route; default endpoint disabled' : 'per route', false));
        break;
      case 'AWS::Lambda::Url': {
        const type = render(get('AuthType'));
        found.push(entry(logicalId, 'Lambda function URL', render(get('TargetFunctionArn')), type, type === 'NONE'));
        break;
      }
      case 'AWS::SageMaker::Endpoint':
        found.push(entry(logicalId, 'SageMaker endpoint', render(get('EndpointName') ?? logicalId), 'AWS_IAM (sagemaker:InvokeEndpoint, SigV4)', false));
        break;
      case 'AWS::AppSync::GraphQLApi': {
        const type = render(get('AuthenticationType'));
        found.push(entry(logicalId, 'GraphQL API', render(get('Name') ?? logicalId), type, type === 'API_KEY'));
        break;
      }
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer': {
        const scheme = render(get('Scheme') ?? 'internet-facing');
        found.push(entry(logicalId, `${render(get('Type') ?? 'application')} load balancer`, scheme, 'per listener', scheme === 'internet-facing'));
        break;
      }
      case 'AWS::CloudFront::Distribution':
        found.push(entry(logicalId, 'CloudFront distribution', asList(get('DistributionConfig', 'Aliases')).map(render).join(', ') || 'default domain', 'public CDN', true));
        break;
      default:
        break;
    }
  }
  return found;
}

const JOB_TASK = /:(sagemaker:create(Training|Processing|Transform|HyperParameterTuning)Job|bedrock:createModelCustomizationJob)/;

/** Task states that start jobs (training, processing, customization), from a state machine definition. */
function taskStates(definition: string): Array<{ name: string; resource: string; parameters: unknown }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch {
    return [];
  }
  const found: Array<{ name: string; resource: string; parameters: unknown }> = [];
  const visit = (states: unknown) => {
    for (const [name, state] of Object.entries((states ?? {}) as Record<string, unknown>)) {
      const parameters = at(state, 'Parameters') ?? at(state, 'Arguments');
      const resource = String(at(state, 'Resource') ?? '');
      if (at(state, 'Type') === 'Task' && (JOB_TASK.test(resource) || at(parameters, 'VpcConfig') !== undefined)) found.push({ name, resource, parameters });
      for (const branch of asList(at(state, 'Branches'))) visit(at(branch, 'States'));
      visit(at(state, 'ItemProcessor', 'States') ?? at(state, 'Iterator', 'States'));
    }
  };
  visit(at(parsed, 'States'));
  return found;
}

function placement(context: AuditContext, stack: AssemblyStack, stage: string): PlacementAudit[] {
  const render: Render = (value) => context.resolver.render(stack.stackName, value);
  const placed = (path: string, kind: string, vpc: unknown, subnetsKey: string, isolation: unknown): PlacementAudit => ({
    stack: stack.stackName,
    stage,
    path,
    kind,
    inVpc: vpc !== undefined,
    subnets: asList(at(vpc, subnetsKey)).map(render),
    securityGroups: asList(at(vpc, 'SecurityGroupIds')).map(render),
    networkIsolation: isolation === undefined ? null : isolation === true,
  });
  const found: PlacementAudit[] = [];
  for (const [logicalId, resource] of resourcesOf(stack, 'AWS::Lambda::Function', 'AWS::SageMaker::Model', 'AWS::StepFunctions::StateMachine')) {
    const path = resourcePath(stack, logicalId);
    const props = resource.Properties;
    if (resource.Type === 'AWS::Lambda::Function') found.push(placed(path, 'Lambda function', at(props, 'VpcConfig'), 'SubnetIds', undefined));
    if (resource.Type === 'AWS::SageMaker::Model') found.push(placed(path, 'SageMaker model', at(props, 'VpcConfig'), 'Subnets', at(props, 'EnableNetworkIsolation') ?? false));
    if (resource.Type === 'AWS::StepFunctions::StateMachine') {
      const definition = render(at(props, 'DefinitionString') ?? at(props, 'Definition'));
      for (const task of taskStates(definition)) {
        const vpc = at(task.parameters, 'VpcConfig');
        const subnetsKey = at(vpc, 'SubnetIds') !== undefined ? 'SubnetIds' : 'Subnets';
        const job = JOB_TASK.exec(task.resource)?.[1] ?? task.resource;
        found.push(placed(`${path} state ${task.name}`, `job started by Step Functions (${job})`, vpc, subnetsKey, at(task.parameters, 'EnableNetworkIsolation')));
      }
    }
  }
  return found;
}

function endpoints(context: AuditContext, stack: AssemblyStack, stage: string): VpcEndpointAudit[] {
  const render: Render = (value) => context.resolver.render(stack.stackName, value);
  return resourcesOf(stack, 'AWS::EC2::VPCEndpoint').map(([logicalId, endpoint]) => {
    const get = (property: string) => endpoint.Properties?.[property];
    return {
      stack: stack.stackName,
      stage,
      path: resourcePath(stack, logicalId),
      service: render(get('ServiceName')),
      type: render(get('VpcEndpointType') ?? 'Gateway'),
      privateDns: get('PrivateDnsEnabled') === undefined ? null : get('PrivateDnsEnabled') === true,
      subnets: asList(get('SubnetIds')).length,
      securityGroups: asList(get('SecurityGroupIds')).map(render),
      policy: get('PolicyDocument') !== undefined,
    };
  });
}

/** Network exposure of the environment: VPCs and subnets, endpoints, security groups, addresses, and what runs in a VPC. */
export function networkAudit(context: AuditContext): NetworkAudit {
  const sorted = <T extends { stack: string; path: string }>(build: (context: AuditContext, stack: AssemblyStack, stage: string) => T[]): T[] =>
    context.stacks.flatMap(({ stack, stage }) => build(context, stack, stage)).sort(byStackThenPath(context));
  return {
    vpcs: sorted(vpcs),
    endpoints: sorted(endpoints),
    securityGroups: sorted(securityGroups),
    entryPoints: sorted(entryPoints),
    placement: sorted(placement),
  };
}
