import { AssemblyResolver, deploymentOrder, lifecycleStageOf, type AssemblyStack, type EnvironmentAssembly } from './assembly';

/** A stack with its lifecycle stage and its place in deployment order. */
export interface StackContext {
  readonly stack: AssemblyStack;
  readonly stage: string;
  readonly order: number;
}

/** What every section of the audit reads: the environment's stacks, in deployment order, and the resolver. */
export interface AuditContext {
  readonly environment: string;
  readonly resolver: AssemblyResolver;
  readonly stacks: readonly StackContext[];
  /** The stack of a name, by stack name. */
  stackOf(stackName: string): StackContext | undefined;
  /** The stack whose construct path (`prod/Data`) starts a construct path. */
  stackOfPath(path: string): StackContext | undefined;
}

export function auditContext(environment: EnvironmentAssembly): AuditContext {
  const stacks = deploymentOrder(environment.stacks).map((stack, order) => ({ stack, stage: lifecycleStageOf(stack), order }));
  const byName = new Map(stacks.map((context) => [context.stack.stackName, context]));
  return {
    environment: environment.name,
    resolver: new AssemblyResolver(environment),
    stacks,
    stackOf: (stackName) => byName.get(stackName),
    stackOfPath: (path) => stacks.find(({ stack }) => path === stack.displayName || path.startsWith(`${stack.displayName}/`)),
  };
}

/** Where an audited resource is: its stack, that stack's lifecycle stage, and its construct path. */
export interface AuditedPlace {
  readonly stack: string;
  readonly stage: string;
  readonly path: string;
}

/** Orders entries by their stack's deployment order, then by construct path. */
export function byStackThenPath(context: AuditContext) {
  return (a: Pick<AuditedPlace, 'stack' | 'path'>, b: Pick<AuditedPlace, 'stack' | 'path'>): number =>
    (context.stackOf(a.stack)?.order ?? Number.MAX_SAFE_INTEGER) - (context.stackOf(b.stack)?.order ?? Number.MAX_SAFE_INTEGER) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}
