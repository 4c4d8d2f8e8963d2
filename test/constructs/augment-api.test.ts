import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AugmentApi, FEEDBACK_SCHEMA } from '../../constructs/augment';
import { augmentBase, augmentFixture, augmentStack, grantsOf, logicalId, statementsOfRole } from '../helpers/augment';

const { template } = augmentFixture();
const methods = () => Object.values(template.findResources('AWS::ApiGateway::Method'));

describe('authorisation and validation', () => {
  test('every method is a POST authorised with IAM, needs the usage plan\'s API key and is validated', () => {
    const validator = logicalId(template, 'AWS::ApiGateway::RequestValidator', 'ApiBodyValidator');
    expect(methods()).toHaveLength(3);
    for (const method of methods()) {
      expect(method.Properties).toEqual(
        expect.objectContaining({ HttpMethod: 'POST', AuthorizationType: 'AWS_IAM', ApiKeyRequired: true, RequestValidatorId: { Ref: validator } }),
      );
      expect(Object.keys(method.Properties.RequestModels)).toEqual(['application/json']);
    }
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
  });

  test('routes POST /ask, /agent and /feedback to their Lambdas through proxy integrations', () => {
    const paths = Object.values(template.findResources('AWS::ApiGateway::Resource')).map((resource) => resource.Properties.PathPart).sort();
    expect(paths).toEqual(['agent', 'ask', 'feedback']);
    for (const [route, fn] of [['ask', 'RagQueryFunction'], ['agent', 'ToolAgentFunction'], ['feedback', 'FeedbackWriterFunction']]) {
      const method = template.findResources('AWS::ApiGateway::Method')[logicalId(template, 'AWS::ApiGateway::Method', `Api${route}POST`)];
      expect(method.Properties.Integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(logicalId(template, 'AWS::Lambda::Function', fn));
    }
  });

  test('models each body: the question\'s length and topK, the agent\'s message, ratings of 1 or -1 and preference pairs with a request id', () => {
    const schemaOf = (name: string) => Object.values(template.findResources('AWS::ApiGateway::Model')).find((model) => model.Properties.Schema.title === name)?.Properties.Schema;
    expect(schemaOf('AskRequest')).toEqual(
      expect.objectContaining({ required: ['question'], properties: { question: expect.objectContaining({ maxLength: 2000, minLength: 1 }), topK: { type: 'integer', minimum: 1, maximum: 10 } } }),
    );
    expect(schemaOf('AgentRequest')).toEqual(expect.objectContaining({ required: ['message'] }));
    const [rating, preference] = schemaOf('FeedbackRequest').oneOf;
    expect(rating.properties.rating).toEqual({ type: 'integer', enum: [1, -1] });
    expect(rating.required).toEqual(['requestId', 'kind', 'prompt', 'response', 'rating']);
    expect(preference.required).toEqual(['requestId', 'kind', 'prompt', 'chosen', 'rejected']);
    expect(rating.additionalProperties).toBe(false);
    expect(preference.properties.requestId.pattern).toBe('^[A-Za-z0-9_-]{8,128}$');
  });

  test('with Cognito, authorises every method with the user pool instead of IAM', () => {
    const stack = augmentStack();
    const { key } = augmentBase(stack);
    const api = new AugmentApi(stack, 'Api', {
      encryptionKey: key,
      authorization: { kind: 'cognito', userPools: [cognito.UserPool.fromUserPoolArn(stack, 'Pool', 'arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_Abc123')] },
    });
    api.addRoute({ path: 'feedback', handler: lambda.Function.fromFunctionArn(stack, 'Handler', 'arn:aws:lambda:us-east-1:111122223333:function:feedback'), requestSchema: FEEDBACK_SCHEMA });
    const withPool = Template.fromStack(stack);
    withPool.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS', ProviderARNs: ['arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_Abc123'] });
    withPool.hasResourceProperties('AWS::ApiGateway::Method', { AuthorizationType: 'COGNITO_USER_POOLS', AuthorizerId: { Ref: logicalId(withPool, 'AWS::ApiGateway::Authorizer', 'ApiAuthorizer') } });
    expect(template.findResources('AWS::ApiGateway::Authorizer')).toEqual({});
    expect(() => api.grantInvoke(new iam.AccountRootPrincipal())).toThrow(/Test\/Api: grantInvoke received "cognito"; allowed: IAM authorisation/);
  });
});

describe('stage', () => {
  test('throttles every method, traces, logs errors without bodies and writes access logs to an encrypted group', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      MethodSettings: [
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true }),
      ],
    });
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
    const accessLogs = logicalId(template, 'AWS::Logs::LogGroup', 'ApiAccessLogs');
    expect(JSON.stringify(stage.Properties.AccessLogSetting.DestinationArn)).toContain(`{"Ref":"${accessLogs}"}`);
    expect(template.findResources('AWS::Logs::LogGroup')[accessLogs].Properties).toEqual(
      expect.objectContaining({ KmsKeyId: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'Key'), 'Arn'] }, RetentionInDays: 365 }),
    );
  });

  test('creates the execution log group API Gateway would otherwise create unencrypted and forever', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: logicalId(template, 'AWS::ApiGateway::RestApi', 'Api') }, '/v1']] },
      KmsKeyId: Match.anyValue(),
    });
  });

  test('limits each client by a daily quota on a usage plan with one API key', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Quota: { Limit: 1000, Period: 'DAY' }, Throttle: { RateLimit: 10, BurstLimit: 20 } });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
  });

  test('without a quota, requires no API key and creates no usage plan', () => {
    const stack = augmentStack();
    const { key } = augmentBase(stack);
    const api = new AugmentApi(stack, 'Api', { encryptionKey: key, throttle: { rateLimit: 5, burstLimit: 5 } });
    api.addRoute({ path: 'ask', handler: lambda.Function.fromFunctionArn(stack, 'Handler', 'arn:aws:lambda:us-east-1:111122223333:function:ask'), requestSchema: FEEDBACK_SCHEMA });
    const bare = Template.fromStack(stack);
    bare.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
    bare.hasResourceProperties('AWS::ApiGateway::Method', { ApiKeyRequired: false });
  });
});

test('answers a body the route\'s model refuses with the validator\'s message, in the handlers\' error shape', () => {
  augmentFixture().template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
    ResponseType: 'BAD_REQUEST_BODY',
    StatusCode: '400',
    ResponseTemplates: { 'application/json': Match.stringLikeRegexp('context\\.error\\.validationErrorString.*"field": "\\(body\\)"') },
  });
});

describe('web ACL', () => {
  test('associates a web ACL with the AWS managed common rules with the stage, and logs its requests', () => {
    const withWaf = augmentFixture({ api: { webAcl: true } }).template;
    withWaf.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({
          Name: 'AWSManagedRulesCommonRuleSet',
          // Bodies over 8 KB are the API models' business (preference pairs, agent histories): that rule only counts.
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet', RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }] } },
          OverrideAction: { None: {} },
        }),
        Match.objectLike({ Name: 'AWSManagedRulesKnownBadInputsRuleSet' }),
      ],
    });
    const webAcl = { 'Fn::GetAtt': [logicalId(withWaf, 'AWS::WAFv2::WebACL', 'ApiWebAcl'), 'Arn'] };
    withWaf.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: webAcl, ResourceArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
    withWaf.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', { ResourceArn: webAcl });
    withWaf.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'), KmsKeyId: Match.anyValue() });
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });
});

describe('grantInvoke', () => {
  test('allows execute-api:Invoke on the stage\'s routes only', () => {
    const stack = augmentStack();
    const { key } = augmentBase(stack);
    const api = new AugmentApi(stack, 'Api', { encryptionKey: key });
    const handler = lambda.Function.fromFunctionArn(stack, 'Handler', 'arn:aws:lambda:us-east-1:111122223333:function:ask');
    api.addRoute({ path: 'ask', handler, requestSchema: FEEDBACK_SCHEMA });
    api.addRoute({ path: 'feedback', handler, requestSchema: FEEDBACK_SCHEMA });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    api.grantInvoke(caller);
    const granted = Template.fromStack(stack);
    const resources = grantsOf(statementsOfRole(granted, logicalId(granted, 'AWS::IAM::Role', 'Caller')), 'execute-api:Invoke').resources;
    expect(JSON.stringify(resources)).toMatch(/\/v1\/POST\/ask".*\/v1\/POST\/feedback"/);
    expect(resources).toHaveLength(2);
  });

  test('rejects a path of more than one segment and a path routed twice', () => {
    const stack = augmentStack();
    const { key } = augmentBase(stack);
    const api = new AugmentApi(stack, 'Api', { encryptionKey: key });
    const handler = lambda.Function.fromFunctionArn(stack, 'Handler', 'arn:aws:lambda:us-east-1:111122223333:function:ask');
    expect(() => api.addRoute({ path: 'v2/ask', handler, requestSchema: FEEDBACK_SCHEMA })).toThrow(/Test\/Api: path received "v2\/ask"; allowed: one lower-case path segment/);
    api.addRoute({ path: 'ask', handler, requestSchema: FEEDBACK_SCHEMA });
    expect(() => api.addRoute({ path: 'ask', handler, requestSchema: FEEDBACK_SCHEMA })).toThrow(/path received "ask"; allowed: a path not routed yet/);
  });
});
