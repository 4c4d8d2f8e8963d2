import * as fs from 'node:fs';
import * as path from 'node:path';
import { TAG_KEYS } from '../compliance/tags';
import { KitError } from '../errors';

/**
 * Reads a synthesized cloud assembly (`cdk.out`) without aws-cdk-lib: the
 * manifest, one nested assembly per environment (`assembly-<env>/`), the
 * CloudFormation template of each stack and the compliance validation
 * report. Reports (audit, cost) build on it; it only reads, never resolves
 * against an account.
 */

/** One resource of a template, as CloudFormation reads it. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
}

export interface TemplateOutput {
  readonly Value: unknown;
  readonly Description?: string;
  readonly Export?: { readonly Name: unknown };
}

export interface Template {
  readonly Description?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Resources?: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, TemplateOutput>;
}

/** A stack of the assembly with its template. */
export interface AssemblyStack {
  /** Artifact id in the manifest, e.g. `prodData007C6C9D`. */
  readonly artifactId: string;
  /** The CloudFormation stack name, e.g. `prod-Data`. */
  readonly stackName: string;
  /** The construct path of the stack, e.g. `prod/Data`. */
  readonly displayName: string;
  /** `aws://ACCOUNT/REGION` as the manifest records it (`unknown-account` until deploy time). */
  readonly environment: string;
  readonly region: string;
  readonly account: string;
  readonly terminationProtection: boolean;
  /** Template file, relative to the assembly root (`assembly-prod/prodData007C6C9D.template.json`). */
  readonly templateFile: string;
  readonly template: Template;
  /** Stack names this stack depends on (deploys after), sorted. */
  readonly dependencies: readonly string[];
  /** Construct path of each resource by logical id, without the trailing `/Resource` of an L2's primary child. */
  readonly paths: ReadonlyMap<string, string>;
}

/** One environment: a nested assembly of the app (one cdk.Stage), or the app's own stacks. */
export interface EnvironmentAssembly {
  /** The stage name (`prod`), or `default` for stacks outside any stage. */
  readonly name: string;
  /** Stacks sorted by name. */
  readonly stacks: readonly AssemblyStack[];
}

/** A violating construct in the validation report. */
export interface ValidationViolatingConstruct {
  readonly constructPath: string;
  readonly cloudFormationResource?: { readonly templatePath: string; readonly logicalId: string };
}

export interface ValidationViolation {
  readonly ruleName: string;
  readonly description: string;
  readonly severity: string;
  readonly violatingConstructs: readonly ValidationViolatingConstruct[];
}

export interface SuppressedValidationViolation extends ValidationViolation {
  readonly acknowledgedId: string;
  readonly reason?: string;
}

export interface ValidationPluginReport {
  readonly pluginName: string;
  readonly pluginVersion?: string;
  readonly conclusion: string;
  readonly violations: readonly ValidationViolation[];
  readonly suppressedViolations?: readonly SuppressedValidationViolation[];
}

/**
 * `validation-report.json`: aws-cdk-lib writes it at the assembly root
 * after running the policy validation plugins (the cdk-nag packs). A plugin
 * appears only when it has findings or suppressed findings, so a clean
 * synth leaves `pluginReports` empty.
 */
export interface ValidationReport {
  readonly version: string;
  readonly pluginReports: readonly ValidationPluginReport[];
}

/** Name of the environment formed by stacks outside any stage. */
export const DEFAULT_ENVIRONMENT = 'default';
/** Account and region of a stack whose environment is left to deploy time (`aws://unknown-account/unknown-region`). */
export const UNKNOWN_ACCOUNT = 'unknown-account';
export const UNKNOWN_REGION = 'unknown-region';
/** What every error about a missing or incomplete assembly tells the reader to do. */
const SYNTH_HINT = 'run npm run synth first';
const VALIDATION_REPORT_FILE = 'validation-report.json';

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly properties?: Record<string, unknown>;
  readonly dependencies?: readonly string[];
  readonly displayName?: string;
  /** Construct metadata by construct path, inline or in `additionalMetadataFile`. */
  readonly metadata?: Record<string, ReadonlyArray<{ readonly type: string; readonly data?: unknown }>>;
  readonly additionalMetadataFile?: string;
}

interface Manifest {
  readonly version: string;
  readonly artifacts?: Record<string, ManifestArtifact>;
}

/** Byte-order comparison: the same order on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new KitError(`${file}: cannot read the ${what}: ${(error as Error).message}`);
  }
}

/** An opened cloud assembly: the environments it holds, read on demand. */
export class CloudAssembly {
  /** Opens `directory`; fails with a hint when there is no synthesized assembly there. */
  public static open(directory: string): CloudAssembly {
    const manifestFile = path.join(directory, 'manifest.json');
    if (!fs.existsSync(manifestFile)) {
      throw new KitError(`no cloud assembly in ${directory} (${manifestFile} is missing): ${SYNTH_HINT}`);
    }
    return new CloudAssembly(directory, readJson<Manifest>(manifestFile, 'assembly manifest'));
  }

  /** The cloud assembly schema version. */
  public readonly version: string;
  private readonly nested = new Map<string, string>();
  private readonly cache = new Map<string, EnvironmentAssembly>();

  private constructor(
    public readonly directory: string,
    private readonly manifest: Manifest,
  ) {
    this.version = manifest.version;
    for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
      if (artifact.type !== 'cdk:cloud-assembly') continue;
      const props = artifact.properties ?? {};
      this.nested.set(String(props.displayName ?? id), String(props.directoryName ?? id));
    }
  }

  /** Environment names, sorted: one per stage, plus `default` when the app has stacks of its own. */
  public get environmentNames(): string[] {
    const names = [...this.nested.keys()];
    if (stackArtifacts(this.manifest).length > 0) names.push(DEFAULT_ENVIRONMENT);
    return names.sort(compareText);
  }

  /** The environments a report covers: those asked for, else every one; fails when the assembly holds none. */
  public selectEnvironments(requested: readonly string[] = []): string[] {
    if (requested.length > 0) return [...requested];
    const names = this.environmentNames;
    if (names.length === 0) throw new KitError(`the cloud assembly in ${this.directory} has no stacks: ${SYNTH_HINT}`);
    return names;
  }

  /** The stacks of one environment with their templates; an unknown name fails, listing the known ones. */
  public environment(name: string): EnvironmentAssembly {
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached;
    let environment: EnvironmentAssembly;
    const nestedDir = this.nested.get(name);
    if (nestedDir !== undefined) {
      const manifest = readJson<Manifest>(path.join(this.directory, nestedDir, 'manifest.json'), `manifest of environment ${name}`);
      environment = { name, stacks: readStacks(this.directory, nestedDir, manifest) };
    } else if (name === DEFAULT_ENVIRONMENT && stackArtifacts(this.manifest).length > 0) {
      environment = { name, stacks: readStacks(this.directory, '', this.manifest) };
    } else {
      const known = this.environmentNames;
      throw new KitError(
        `environment ${JSON.stringify(name)} is not in the cloud assembly ${this.directory}; allowed: ${known.length > 0 ? known.join(', ') : 'none (the assembly has no stacks)'} (an environment added since the last synth: ${SYNTH_HINT})`,
      );
    }
    this.cache.set(name, environment);
    return environment;
  }

  /** The validation report at the assembly root, if synth wrote one. */
  public get validationReport(): ValidationReport | undefined {
    const file = path.join(this.directory, VALIDATION_REPORT_FILE);
    return fs.existsSync(file) ? readJson<ValidationReport>(file, 'validation report') : undefined;
  }
}

function stackArtifacts(manifest: Manifest): Array<[string, ManifestArtifact]> {
  return Object.entries(manifest.artifacts ?? {}).filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack');
}

function readStacks(root: string, dir: string, manifest: Manifest): AssemblyStack[] {
  const artifacts = stackArtifacts(manifest);
  const nameOf = new Map(artifacts.map(([id, artifact]) => [id, String(artifact.properties?.stackName ?? id)]));
  const stacks = artifacts.map(([id, artifact]): AssemblyStack => {
    const props = artifact.properties ?? {};
    const templateFile = path.posix.join(dir, String(props.templateFile));
    const template = readJson<Template>(path.join(root, templateFile), `template of stack ${nameOf.get(id)}`);
    const environment = artifact.environment ?? `aws://${UNKNOWN_ACCOUNT}/${UNKNOWN_REGION}`;
    const [account = UNKNOWN_ACCOUNT, region = UNKNOWN_REGION] = environment.replace(/^aws:\/\//, '').split('/');
    return {
      artifactId: id,
      stackName: nameOf.get(id)!,
      displayName: artifact.displayName ?? id,
      environment,
      account,
      region,
      terminationProtection: props.terminationProtection === true,
      templateFile,
      template,
      paths: resourcePaths(template, () => artifactMetadata(root, dir, artifact)),
      dependencies: (artifact.dependencies ?? [])
        .map((dependency) => nameOf.get(dependency))
        .filter((name): name is string => name !== undefined)
        .sort(compareText),
    };
  });
  return stacks.sort((a, b) => compareText(a.stackName, b.stackName));
}

/** The resources of a template as `[logicalId, resource]`, sorted by logical id. */
export function resourcesOf(stack: AssemblyStack, ...types: string[]): Array<[string, TemplateResource]> {
  return Object.entries(stack.template.Resources ?? {})
    .filter(([, resource]) => types.length === 0 || types.includes(resource.Type))
    .sort(([a], [b]) => compareText(a, b));
}

/** A construct path without the trailing `/Resource` or `/Default` of an L2's primary child. */
export const trimConstructPath = (path: string) => path.replace(/\/(Resource|Default)$/, '');

/** The construct metadata of a stack artifact: inline in the manifest, or in its metadata file. */
function artifactMetadata(root: string, dir: string, artifact: ManifestArtifact): NonNullable<ManifestArtifact['metadata']> {
  const file = artifact.additionalMetadataFile === undefined ? undefined : path.join(root, dir, artifact.additionalMetadataFile);
  const fromFile = file !== undefined && fs.existsSync(file) ? readJson<NonNullable<ManifestArtifact['metadata']>>(file, 'stack metadata') : {};
  return { ...(artifact.metadata ?? {}), ...fromFile };
}

/**
 * Construct paths by logical id: `aws:cdk:path` in the template (what `cdk synth`
 * writes), else the `aws:cdk:logicalId` entries of the stack's construct
 * metadata (an assembly synthesized without path metadata).
 */
function resourcePaths(template: Template, metadata: () => NonNullable<ManifestArtifact['metadata']>): Map<string, string> {
  const paths = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const value = resource.Metadata?.['aws:cdk:path'];
    if (typeof value === 'string') paths.set(logicalId, trimConstructPath(value));
  }
  if (paths.size < Object.keys(template.Resources ?? {}).length) {
    for (const [constructPath, entries] of Object.entries(metadata()).sort(([a], [b]) => compareText(a, b))) {
      for (const entry of entries) {
        if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string' && !paths.has(entry.data)) paths.set(entry.data, trimConstructPath(constructPath.replace(/^\//, '')));
      }
    }
  }
  return paths;
}

/** The construct path of a resource of a stack, or its logical id when the assembly does not record one. */
export function resourcePath(stack: AssemblyStack, logicalId: string): string {
  return stack.paths.get(logicalId) ?? logicalId;
}

/**
 * The construct a resource stands for, as a line of a report names it: its
 * construct path without every trailing primary-child id, so a kit construct
 * whose primary child is an L2 names the kit construct
 * (`prod/Adapt/FineTuning/Resource/Resource` -> `prod/Adapt/FineTuning`);
 * `<stack name>/<logical id>` when the assembly records no path.
 */
export function ownerPath(stack: AssemblyStack, logicalId: string): string {
  const path = stack.paths.get(logicalId);
  return path === undefined ? `${stack.stackName}/${logicalId}` : path.replace(/(\/(Resource|Default))+$/, '');
}

/** The value of a tag of a resource (the CloudFormation `Tags` list or map), if it carries it. */
export function tagOf(resource: TemplateResource, key: string): string | undefined {
  const tags = resource.Properties?.Tags;
  if (Array.isArray(tags)) {
    const tag = tags.find((entry) => (entry as { Key?: unknown }).Key === key) as { Value?: unknown } | undefined;
    return typeof tag?.Value === 'string' ? tag.Value : undefined;
  }
  if (tags !== null && typeof tags === 'object') {
    const value = (tags as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/**
 * The lifecycle stage of a stack: the `LifecycleStage` tag most of its
 * resources carry, else the stack name after the environment prefix
 * (`prod-Augment` -> `augment`), else the stack name.
 */
export function lifecycleStageOf(stack: AssemblyStack): string {
  const counts = new Map<string, number>();
  for (const [, resource] of resourcesOf(stack)) {
    const stage = tagOf(resource, TAG_KEYS.lifecycleStage);
    if (stage !== undefined) counts.set(stage, (counts.get(stage) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort(([a, x], [b, y]) => y - x || compareText(a, b));
  if (ranked.length > 0) return ranked[0][0];
  const dash = stack.stackName.lastIndexOf('-');
  return (dash >= 0 ? stack.stackName.slice(dash + 1) : stack.stackName).toLowerCase();
}

/**
 * Stacks in deployment order: a stack after the stacks it depends on,
 * ties by name. The same assembly always gives the same order.
 */
export function deploymentOrder(stacks: readonly AssemblyStack[]): AssemblyStack[] {
  const remaining = [...stacks].sort((a, b) => compareText(a.stackName, b.stackName));
  const done = new Set<string>();
  const known = new Set(remaining.map((stack) => stack.stackName));
  const ordered: AssemblyStack[] = [];
  while (remaining.length > 0) {
    const index = remaining.findIndex((stack) => stack.dependencies.every((dependency) => done.has(dependency) || !known.has(dependency)));
    const next = remaining.splice(index >= 0 ? index : 0, 1)[0];
    ordered.push(next);
    done.add(next.stackName);
  }
  return ordered;
}

/** A resource that a template value refers to, in this stack or, through an output, in another. */
export interface ResourceReference {
  readonly stackName: string;
  readonly logicalId: string;
  /** The attribute of `Fn::GetAtt`; absent for `Ref`. */
  readonly attribute?: string;
}

/** A use of another stack's output (`Fn::GetStackOutput`, or `Fn::ImportValue` of an export). */
export interface CrossStackReference {
  readonly consumer: string;
  readonly producer: string;
  readonly outputName: string;
  /** The resources the output's value refers to, in the producer. */
  readonly targets: readonly ResourceReference[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
/** The one key of an intrinsic function object (`Ref`, `Fn::Join`, ...), if `value` is one. */
function intrinsic(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition') ? keys[0] : undefined;
}

const SUB_VARIABLE = /\$\{([^}]*)\}/g;
const MAX_DEPTH = 8;

export function compareReferences(a: ResourceReference, b: ResourceReference): number {
  return compareText(a.stackName, b.stackName) || compareText(a.logicalId, b.logicalId) || compareText(a.attribute ?? '', b.attribute ?? '');
}

/**
 * Renders template values of one environment for people, and follows
 * references between its stacks. `Ref` and `Fn::GetAtt` become the
 * construct path of the resource (`<prod/Data/DataLake/Datasets.Arn>`),
 * pseudo parameters stay `${AWS::AccountId}`, `Fn::Join` and `Fn::Sub`
 * are joined, and another stack's output (`Fn::GetStackOutput`,
 * `Fn::ImportValue`) becomes what that stack put into it. The same
 * template always renders to the same text.
 */
export class AssemblyResolver {
  private readonly stacks = new Map<string, AssemblyStack>();
  private readonly exports = new Map<string, { stackName: string; outputName: string }>();

  constructor(public readonly environment: EnvironmentAssembly) {
    for (const stack of environment.stacks) this.stacks.set(stack.stackName, stack);
    for (const stack of environment.stacks) {
      for (const [outputName, output] of Object.entries(stack.template.Outputs ?? {}).sort(([a], [b]) => compareText(a, b))) {
        if (output.Export === undefined) continue;
        const name = this.render(stack.stackName, output.Export.Name);
        if (!this.exports.has(name)) this.exports.set(name, { stackName: stack.stackName, outputName });
      }
    }
  }

  public stack(stackName: string): AssemblyStack | undefined {
    return this.stacks.get(stackName);
  }

  public resource(reference: ResourceReference): TemplateResource | undefined {
    return this.stacks.get(reference.stackName)?.template.Resources?.[reference.logicalId];
  }

  /** The construct path of a resource, or its logical id when it has none. */
  public pathOf(reference: ResourceReference): string {
    const stack = this.stacks.get(reference.stackName);
    return stack === undefined ? reference.logicalId : resourcePath(stack, reference.logicalId);
  }

  /** A value for people: intrinsic functions resolved as far as the assembly allows. */
  public render(stackName: string, value: unknown, depth = 0): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (value === null || value === undefined) return '';
    if (Array.isArray(value)) return `[${value.map((item) => this.render(stackName, item, depth)).join(', ')}]`;
    const fn = intrinsic(value);
    if (fn === undefined) {
      const entries = Object.entries(value as Json).map(([key, item]) => `${key}: ${this.render(stackName, item, depth)}`);
      return `{${entries.join(', ')}}`;
    }
    const arg = (value as Json)[fn];
    const args = Array.isArray(arg) ? arg : [arg];
    switch (fn) {
      case 'Ref':
        return this.renderName(stackName, String(arg));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof arg === 'string' ? splitOnce(arg, '.') : [String(args[0]), this.render(stackName, args[1], depth)];
        return `<${this.pathOf({ stackName, logicalId })}.${attribute}>`;
      }
      case 'Fn::Join': {
        const items = Array.isArray(args[1]) ? args[1] : [args[1]];
        return items.map((item) => this.render(stackName, item, depth)).join(String(args[0] ?? ''));
      }
      case 'Fn::Sub': {
        const [text, variables] = typeof arg === 'string' ? [arg, {}] : [String(args[0]), isObject(args[1]) ? args[1] : {}];
        return text.replace(SUB_VARIABLE, (_match, name: string) => {
          if (name.startsWith('!')) return `\${${name.slice(1)}}`;
          if (name in variables) return this.render(stackName, variables[name], depth);
          if (name.includes('.') && !name.startsWith('AWS::')) {
            const [logicalId, attribute] = splitOnce(name, '.');
            return `<${this.pathOf({ stackName, logicalId })}.${attribute}>`;
          }
          return this.renderName(stackName, name);
        });
      }
      case 'Fn::GetStackOutput':
      case 'Fn::ImportValue': {
        const output = this.outputOf(stackName, fn, arg);
        if (output !== undefined && depth < MAX_DEPTH) return this.render(output.stackName, output.value, depth + 1);
        return fn === 'Fn::ImportValue' ? `import(${this.render(stackName, arg, depth)})` : `output(${this.render(stackName, (arg as Json)?.StackName)}:${this.render(stackName, (arg as Json)?.OutputName)})`;
      }
      case 'Fn::Select': {
        const list = args[1];
        const index = Number(args[0]);
        if (Array.isArray(list) && Number.isInteger(index) && index >= 0 && index < list.length) return this.render(stackName, list[index], depth);
        return `select(${this.render(stackName, args[0], depth)}, ${this.render(stackName, list, depth)})`;
      }
      case 'Fn::GetAZs': {
        const region = this.render(stackName, arg, depth);
        return `AZs(${region === '' ? this.stacks.get(stackName)?.region ?? 'region' : region})`;
      }
      default:
        return `${fn.replace(/^Fn::/, '')}(${args.map((item) => this.render(stackName, item, depth)).join(', ')})`;
    }
  }

  /** Every resource a value refers to, following other stacks' outputs; sorted, without duplicates. */
  public references(stackName: string, value: unknown): ResourceReference[] {
    const found = new Map<string, ResourceReference>();
    this.collect(stackName, value, found, 0);
    return [...found.values()].sort(compareReferences);
  }

  /** The resource a value is exactly a reference to (`Ref`, `Fn::GetAtt`, or an output holding one). */
  public target(stackName: string, value: unknown, depth = 0): ResourceReference | undefined {
    const fn = intrinsic(value);
    if (fn === undefined) return undefined;
    const arg = (value as Json)[fn];
    const resources = this.stacks.get(stackName)?.template.Resources ?? {};
    if (fn === 'Ref' && typeof arg === 'string' && arg in resources) return { stackName, logicalId: arg };
    if (fn === 'Fn::GetAtt') {
      const [logicalId, attribute] = typeof arg === 'string' ? splitOnce(arg, '.') : [String((arg as unknown[])[0]), String((arg as unknown[])[1])];
      return logicalId in resources ? { stackName, logicalId, attribute } : undefined;
    }
    if ((fn === 'Fn::GetStackOutput' || fn === 'Fn::ImportValue') && depth < MAX_DEPTH) {
      const output = this.outputOf(stackName, fn, arg);
      return output === undefined ? undefined : this.target(output.stackName, output.value, depth + 1);
    }
    return undefined;
  }

  /** Each use of another stack's output in the resources of every stack, sorted by consumer, producer and output. */
  public crossStackReferences(): CrossStackReference[] {
    const found = new Map<string, CrossStackReference>();
    for (const stack of this.environment.stacks) {
      for (const [, resource] of resourcesOf(stack)) {
        walk(resource.Properties, (node) => {
          const fn = intrinsic(node);
          if (fn !== 'Fn::GetStackOutput' && fn !== 'Fn::ImportValue') return true;
          const output = this.outputOf(stack.stackName, fn, node[fn]);
          if (output !== undefined && output.stackName !== stack.stackName) {
            const key = `${stack.stackName}\0${output.stackName}\0${output.outputName}`;
            if (!found.has(key)) {
              found.set(key, { consumer: stack.stackName, producer: output.stackName, outputName: output.outputName, targets: this.references(output.stackName, output.value) });
            }
          }
          return false;
        });
      }
    }
    return [...found.values()].sort((a, b) => compareText(a.consumer, b.consumer) || compareText(a.producer, b.producer) || compareText(a.outputName, b.outputName));
  }

  private renderName(stackName: string, name: string): string {
    const template = this.stacks.get(stackName)?.template;
    if (name.startsWith('AWS::') || (template?.Parameters !== undefined && name in template.Parameters)) return `\${${name}}`;
    return `<${this.pathOf({ stackName, logicalId: name })}>`;
  }

  private outputOf(stackName: string, fn: string, arg: unknown): { stackName: string; outputName: string; value: unknown } | undefined {
    let located: { stackName: string; outputName: string } | undefined;
    if (fn === 'Fn::GetStackOutput' && isObject(arg)) {
      located = { stackName: this.render(stackName, arg.StackName), outputName: this.render(stackName, arg.OutputName) };
    } else if (fn === 'Fn::ImportValue') {
      located = this.exports.get(this.render(stackName, arg));
    }
    const output = located === undefined ? undefined : this.stacks.get(located.stackName)?.template.Outputs?.[located.outputName];
    return output === undefined ? undefined : { ...located!, value: output.Value };
  }

  private collect(stackName: string, value: unknown, found: Map<string, ResourceReference>, depth: number): void {
    const add = (reference: ResourceReference) => found.set(`${reference.stackName}\0${reference.logicalId}\0${reference.attribute ?? ''}`, reference);
    const resources = this.stacks.get(stackName)?.template.Resources ?? {};
    walk(value, (node) => {
      const fn = intrinsic(node);
      if (fn === undefined) return true;
      const arg = node[fn];
      if (fn === 'Ref' || fn === 'Fn::GetAtt') {
        const target = this.target(stackName, node);
        if (target !== undefined) add(target);
        return false;
      }
      if (fn === 'Fn::Sub') {
        const text = typeof arg === 'string' ? arg : Array.isArray(arg) ? String(arg[0]) : '';
        for (const [, name] of text.matchAll(SUB_VARIABLE)) {
          const [logicalId, attribute] = splitOnce(name, '.');
          if (logicalId in resources) add(attribute === '' ? { stackName, logicalId } : { stackName, logicalId, attribute });
        }
        if (Array.isArray(arg)) this.collect(stackName, arg[1], found, depth);
        return false;
      }
      if (fn === 'Fn::GetStackOutput' || fn === 'Fn::ImportValue') {
        const output = this.outputOf(stackName, fn, arg);
        if (output !== undefined && depth < MAX_DEPTH) this.collect(output.stackName, output.value, found, depth + 1);
        return false;
      }
      return true;
    });
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, ''] : [text.slice(0, index), text.slice(index + 1)];
}

/** Visits every object below `value`; `visit` returns false to skip an object's children. */
function walk(value: unknown, visit: (node: Json) => boolean): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
  } else if (isObject(value) && visit(value)) {
    for (const item of Object.values(value)) walk(item, visit);
  }
}

/** The value at a path of properties and indexes (`at(props, 'Rules', 0, 'Status')`); undefined when any step is missing. */
export function at(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/** A value as a list: absent is empty, a single value is a list of one. */
export function asList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
