import { ArnFormat, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { KitError } from '../../lib/errors';
import { allowCloudWatchLogs } from '../data/log-encryption';

/** Who may call the API: IAM principals signing with SigV4, or users of Cognito user pools with their ID token. */
export type ApiAuthorization = { readonly kind: 'iam' } | { readonly kind: 'cognito'; readonly userPools: readonly cognito.IUserPool[] };

export interface ApiThrottle {
  /** Steady requests per second. */
  readonly rateLimit: number;
  /** Requests accepted at once above the steady rate. */
  readonly burstLimit: number;
}

export interface AugmentApiProps {
  /** Encrypts the access, execution and WAF log groups. */
  readonly encryptionKey: kms.IKey;
  /** @default { kind: 'iam' } */
  readonly authorization?: ApiAuthorization;
  /**
   * Stage throttling of every method; requests beyond it get 429, which clients retry.
   * @default { rateLimit: 10, burstLimit: 20 }
   */
  readonly throttle?: ApiThrottle;
  /**
   * Requests one client may make a day. With a quota every method requires
   * an API key (header `x-api-key`, besides the authorisation), attached to
   * a usage plan with this quota and the throttle; one key is created.
   * @default - no quota, no API key
   */
  readonly quotaPerDay?: number;
  /**
   * A WAFv2 web ACL on the stage with the AWS managed common and
   * known-bad-inputs rule sets, its requests logged.
   * @default false
   */
  readonly webAcl?: boolean;
  /**
   * Sets API Gateway's account-wide CloudWatch Logs role, which access and
   * execution logging need; turn off where the platform team already set it.
   * @default true
   */
  readonly cloudWatchRole?: boolean;
  /** @default 'v1' */
  readonly stageName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN (log groups) */
  readonly removalPolicy?: RemovalPolicy;
}

/** One route of the API. */
export interface ApiRoute {
  /** One path segment, such as `ask`. */
  readonly path: string;
  readonly handler: lambda.IFunction;
  /** The request body every call must match. */
  readonly requestSchema: apigw.JsonSchema;
}

/**
 * The API in front of the augment stage's Lambdas: a regional REST API
 * whose every method requires authorisation (IAM by default, or Cognito
 * user pools) and a JSON body that matches its model (validated by API
 * Gateway), throttled at the stage, optionally limited per client by a
 * usage plan and protected by a WAF web ACL, traced with X-Ray, with access
 * and execution logs in KMS-encrypted log groups. Routes are POST methods
 * with a Lambda proxy integration (`addRoute`).
 */
export class AugmentApi extends Construct {
  public readonly api: apigw.RestApi;
  public readonly stageName: string;
  public readonly accessLogs: logs.LogGroup;
  public readonly usagePlan?: apigw.UsagePlan;
  public readonly apiKey?: apigw.IApiKey;
  public readonly webAcl?: wafv2.CfnWebACL;
  private readonly validator: apigw.RequestValidator;
  private readonly authorization: ApiAuthorization;
  private readonly authorizer?: apigw.IAuthorizer;
  private readonly routes: ApiRoute[] = [];
  private readonly apiKeyRequired: boolean;

  constructor(scope: Construct, id: string, props: AugmentApiProps) {
    super(scope, id);
    this.authorization = props.authorization ?? { kind: 'iam' };
    const throttle = props.throttle ?? { rateLimit: 10, burstLimit: 20 };
    this.stageName = props.stageName ?? 'v1';
    this.checkProps(props, throttle);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    allowCloudWatchLogs(this, props.encryptionKey);
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { encryptionKey: props.encryptionKey, retention, removalPolicy });

    this.api = new apigw.RestApi(this, 'Resource', {
      description: `Augment API of ${this.node.path}`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: props.cloudWatchRole ?? true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: this.stageName,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        tracingEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        // Request and response bodies hold questions and answers: never logged.
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
      },
    });
    // API Gateway creates this group on the first execution log unless it exists: created here, it is encrypted and expires.
    new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${this.stageName}`,
      encryptionKey: props.encryptionKey,
      retention,
      removalPolicy,
    });
    if (this.authorization.kind === 'cognito') {
      this.authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'Authorizer', { cognitoUserPools: [...this.authorization.userPools] });
    }
    this.validator = this.api.addRequestValidator('BodyValidator', { validateRequestBody: true, validateRequestParameters: true });
    // A body the route's model refuses never reaches the handler: say what the validator found, in the handlers' error shape.
    this.api.addGatewayResponse('BadRequestBody', {
      type: apigw.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: { 'application/json': '{"error": "$util.escapeJavaScript($context.error.validationErrorString)", "field": "(body)"}' },
    });

    this.apiKeyRequired = props.quotaPerDay !== undefined;
    if (props.quotaPerDay !== undefined) {
      this.usagePlan = this.api.addUsagePlan('UsagePlan', {
        description: `Per-client limits of ${this.node.path}`,
        throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
        quota: { limit: props.quotaPerDay, period: apigw.Period.DAY },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      this.apiKey = this.api.addApiKey('ClientKey', { description: `Client key of ${this.node.path}; its value is generated by API Gateway` });
      this.usagePlan.addApiKey(this.apiKey);
    }
    if (props.webAcl === true) this.webAcl = this.addWebAcl(props, removalPolicy, retention);
    this.acknowledgeStage(props.webAcl === true);
  }

  /** Adds `POST /<path>`: authorised, its body validated against the schema, proxied to the handler. */
  public addRoute(route: ApiRoute): apigw.Method {
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(route.path)) throw KitError.invalidProp(this, 'path', route.path, 'one lower-case path segment such as ask');
    if (this.routes.some((existing) => existing.path === route.path)) throw KitError.invalidProp(this, 'path', route.path, 'a path not routed yet');
    this.routes.push(route);
    const modelId = `${route.path.replace(/(^|-)([a-z])/g, (_, _dash, letter: string) => letter.toUpperCase())}Request`;
    const model = this.api.addModel(modelId, { contentType: 'application/json', description: `Body of POST /${route.path}`, schema: route.requestSchema });
    const method = this.api.root.addResource(route.path).addMethod('POST', new apigw.LambdaIntegration(route.handler, { proxy: true }), {
      authorizationType: this.authorization.kind === 'iam' ? apigw.AuthorizationType.IAM : apigw.AuthorizationType.COGNITO,
      authorizer: this.authorizer,
      apiKeyRequired: this.apiKeyRequired,
      requestValidator: this.validator,
      requestModels: { 'application/json': model },
    });
    if (this.authorization.kind === 'iam') {
      acknowledge(method, 'AwsSolutions-COG4', 'The method is authorised with IAM (SigV4): callers are IAM principals of the platform, not Cognito users');
    }
    return method;
  }

  /** Lets the grantee call every route added so far (execute-api:Invoke on `POST /<path>` of the stage); IAM authorisation only. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    if (this.authorization.kind !== 'iam') throw KitError.invalidProp(this, 'grantInvoke', this.authorization.kind, 'IAM authorisation: Cognito users are authorised by their user pool, not by IAM');
    if (this.routes.length === 0) throw KitError.invalidProp(this, 'grantInvoke', 'no route', 'routes added before the grant (addRoute)');
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: this.routes.map((route) => this.api.arnForExecuteApi('POST', `/${route.path}`, this.stageName)),
    });
  }

  /** The stage's URL. */
  public get url(): string {
    return this.api.url;
  }

  private addWebAcl(props: AugmentApiProps, removalPolicy: RemovalPolicy, retention: logs.RetentionDays): wafv2.CfnWebACL {
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: name });
    // The common rule set blocks bodies over 8 KB (SizeRestrictions_BODY); the API's own models bound each
    // route's body (a preference pair with its prompt, an agent's history run far beyond 8 KB), so that rule only counts.
    const overrides: Record<string, wafv2.CfnWebACL.RuleActionOverrideProperty[]> = {
      AWSManagedRulesCommonRuleSet: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
    };
    const managed = (name: string, priority: number): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ...(overrides[name] === undefined ? {} : { ruleActionOverrides: overrides[name] }) } },
      overrideAction: { none: {} },
      visibilityConfig: metric(name),
    });
    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      description: `Web ACL of ${this.node.path}`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric(`${Names.uniqueId(this).slice(-100)}WebAcl`),
      rules: [managed('AWSManagedRulesCommonRuleSet', 0), managed('AWSManagedRulesKnownBadInputsRuleSet', 1)],
    });
    // WAF delivers its logs only to log groups whose name starts with aws-waf-logs-.
    const logGroupName = `aws-waf-logs-${Names.uniqueResourceName(this, { maxLength: 400, separator: '-' })}`;
    const wafLogs = new logs.LogGroup(this, 'WafLogs', { logGroupName, encryptionKey: props.encryptionKey, retention, removalPolicy });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: webAcl.attrArn,
      logDestinationConfigs: [Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    });
    logging.node.addDependency(wafLogs);
    const association = new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: webAcl.attrArn });
    association.node.addDependency(this.api.deploymentStage);
    return webAcl;
  }

  private acknowledgeStage(webAcl: boolean): void {
    const stage = this.api.deploymentStage;
    const cache = 'Answers depend on the caller and on documents that change; a cache of POST answers would serve stale or other users\' answers';
    acknowledge(stage, 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted', cache);
    acknowledge(stage, 'HIPAA.Security-APIGWCacheEnabledAndEncrypted', cache);
    const certificate = 'Every integration is a Lambda proxy integration inside AWS; a client certificate authenticates API Gateway to HTTP backends only';
    acknowledge(stage, 'NIST.800.53.R5-APIGWSSLEnabled', certificate);
    acknowledge(stage, 'HIPAA.Security-APIGWSSLEnabled', certificate);
    if (!webAcl) {
      const waf = 'No web ACL in this environment (waf off in its config): every method still requires IAM or Cognito authorisation, a valid body and stays under the stage throttle';
      acknowledge(stage, 'AwsSolutions-APIG3', waf);
      acknowledge(stage, 'NIST.800.53.R5-APIGWAssociatedWithWAF', waf);
    }
    const role = this.api.node.tryFindChild('CloudWatchRole');
    if (role !== undefined) {
      acknowledge(
        role,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'API Gateway\'s account-wide logging role: AWS prescribes this managed policy, which writes API Gateway\'s own log groups only',
      );
    }
  }

  private checkProps(props: AugmentApiProps, throttle: ApiThrottle): void {
    if (!Token.isUnresolved(this.stageName) && !/^[a-zA-Z0-9_]{1,128}$/.test(this.stageName)) throw KitError.invalidProp(this, 'stageName', this.stageName, 'letters, digits and _, 1 to 128 characters');
    if (!(throttle.rateLimit > 0)) throw KitError.invalidProp(this, 'throttle.rateLimit', throttle.rateLimit, 'a number of requests per second > 0');
    if (!Number.isInteger(throttle.burstLimit) || throttle.burstLimit < 1) throw KitError.invalidProp(this, 'throttle.burstLimit', throttle.burstLimit, 'a whole number of requests >= 1');
    if (props.quotaPerDay !== undefined && (!Number.isInteger(props.quotaPerDay) || props.quotaPerDay < 1)) throw KitError.invalidProp(this, 'quotaPerDay', props.quotaPerDay, 'a whole number of requests >= 1');
    if (this.authorization.kind === 'cognito' && this.authorization.userPools.length === 0) throw KitError.invalidProp(this, 'authorization.userPools', [], 'at least one user pool');
  }
}
