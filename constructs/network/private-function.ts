import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { acknowledgeWildcards } from '../../lib/compliance/wildcards';
import { allowCloudWatchLogs } from '../data/log-encryption';

export interface PrivateFunctionProps {
  /** Entry file of the handler (see kit-files.ts `handlerEntry`). */
  readonly entry: string;
  readonly description: string;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  /** Encrypts the log group. */
  readonly encryptionKey: kms.IKey;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN (the log group) */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How the function is invoked, in the words the compliance report keeps:
   * why it needs no dead-letter queue (asynchronous invocations only use
   * one) and what bounds its concurrency instead of a reservation.
   */
  readonly invocation: FunctionInvocation;
}

/**
 * How every handler is bundled (bench/handlers.ts measures the same):
 * minified for Node 24, the SDK v3 left to the runtime (NodejsFunction's
 * default externals). The source map gives stack traces the original file
 * and line; it carries no source text (`sourcesContent: false`), which
 * makes it about a quarter of the size, and Node reads it at every cold
 * start when source maps are enabled.
 */
export const HANDLER_BUNDLING = { minify: true, sourceMap: true, sourcesContent: false, target: 'node24', forceDockerBundling: false } as const satisfies nodejs.BundlingOptions;
/** Stack traces through the source map. */
export const HANDLER_NODE_OPTIONS = '--enable-source-maps';

/** Why a function has no dead-letter queue and no reserved concurrency: true of its invoker, so the caller says it. */
export interface FunctionInvocation {
  readonly deadLetterQueue: string;
  readonly concurrency: string;
}

/** A task of a Step Functions workflow, run once per execution. */
export const WORKFLOW_TASK: FunctionInvocation = {
  deadLetterQueue: 'Invoked synchronously by a Step Functions task that retries and catches its errors; a dead-letter queue only receives failed asynchronous invocations',
  concurrency: 'Invoked once per execution of its workflow',
};

/** The handler of an API Gateway route (proxy integration). */
export const API_ROUTE: FunctionInvocation = {
  deadLetterQueue: 'Invoked synchronously by API Gateway, which returns its errors to the caller; a dead-letter queue only receives failed asynchronous invocations',
  concurrency: 'Bounded by the API stage throttling and the usage plan in front of it',
};

/** Reserving concurrency would fail deployment in accounts whose quota is still a new account's default: said of every kit function. */
const NO_RESERVATION = 'no concurrency is reserved: a reservation would fail deployment in accounts whose concurrency quota is still the default of new accounts';

/**
 * A Lambda function of the kit: Node.js bundled by the local esbuild (no
 * Docker), ARM, in the private network (no X-Ray: its daemon would need an
 * endpoint the isolated subnets lack), its own KMS-encrypted
 * log group, and a role that may only write that log group and manage its
 * network interfaces. Grant it the rest (`grantPrincipal`).
 */
export class PrivateFunction extends Construct implements iam.IGrantable {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: PrivateFunctionProps) {
    super(scope, id);
    allowCloudWatchLogs(this, props.encryptionKey);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', { description: props.description, assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.grantPrincipal = this.role;
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Logs and network interfaces of ${this.node.path}`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}:*`] }),
        new iam.PolicyStatement({
          actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
          resources: ['*'],
        }),
      ],
    });
    acknowledgeWildcards(policy.node.defaultChild as iam.CfnManagedPolicy, [
      { match: /^Resource::<[^>]*Logs[^>]*\.Arn>:\*$/, reason: 'Lambda names its log streams itself, inside the function\'s own log group', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'] },
      {
        match: /^Resource::\*$/,
        reason: 'Lambda creates and deletes the function\'s network interfaces in the VPC, whose ids are unknown in advance',
        actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      },
    ]);
    this.function = new nodejs.NodejsFunction(this, 'Resource', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.minutes(1),
      role: this.role,
      logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      bundling: HANDLER_BUNDLING,
      environment: { NODE_OPTIONS: HANDLER_NODE_OPTIONS },
    });
    this.function.node.addDependency(policy);
    acknowledge(this.function, 'NIST.800.53.R5-LambdaDLQ', props.invocation.deadLetterQueue);
    acknowledge(this.function, 'HIPAA.Security-LambdaDLQ', props.invocation.deadLetterQueue);
    const concurrency = `${props.invocation.concurrency}; ${NO_RESERVATION}`;
    acknowledge(this.function, 'NIST.800.53.R5-LambdaConcurrency', concurrency);
    acknowledge(this.function, 'HIPAA.Security-LambdaConcurrency', concurrency);
  }
}
