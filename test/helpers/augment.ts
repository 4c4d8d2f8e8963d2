import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PromptLibrary } from '../../constructs/adapt';
import {
  AGENT_SCHEMA,
  askSchema,
  AugmentApi,
  FEEDBACK_SCHEMA,
  FeedbackFunction,
  Guardrail,
  KnowledgeBase,
  RagQueryFunction,
  ToolAgentFunction,
  type AnswerModel,
  type AugmentApiProps,
  type DataClassification,
  type KnowledgeBaseProps,
} from '../../constructs/augment';
import { BedrockModel } from '../../constructs/serve';
import { loadPromptLibrary } from '../../lib/adapt/prompt-template';
import { kitContext, ROOT } from './app';

/** A stack in a fresh app with the kit's flags, account and region set, Lambda bundling skipped. */
export function augmentStack(): Stack {
  const app = new App({ context: { ...kitContext(), 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test', { env: { region: 'us-east-1', account: '111122223333' } });
}

/** What the augment constructs share: a key, the documents and feedback buckets (named), a VPC and a security group. */
export function augmentBase(stack: Stack) {
  const key = new kms.Key(stack, 'Key');
  const documents = new s3.Bucket(stack, 'Raw', { bucketName: 'raw-bucket', encryptionKey: key });
  const feedback = new s3.Bucket(stack, 'Feedback', { bucketName: 'feedback-bucket', encryptionKey: key });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const securityGroups = [new ec2.SecurityGroup(stack, 'Group', { vpc, allowAllOutbound: false })];
  const functionOptions = { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, securityGroups, encryptionKey: key };
  return { key, documents, feedback, vpc, securityGroups, functionOptions };
}

/** A SageMaker endpoint deployed elsewhere, with an inference component: the fixture's stand-in for InferenceEndpoint. */
export function endpointModel(stack: Stack): AnswerModel {
  return {
    kind: 'sagemaker-endpoint',
    endpointName: 'dev-llm-g6-xlarge',
    inferenceComponentName: 'dev-llm-g6-xlarge-model',
    grantInvoke: (grantee: iam.IGrantable) =>
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['sagemaker:InvokeEndpoint'],
        resourceArns: [stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: 'dev-llm-g6-xlarge' })],
      }),
  };
}

export const TOOL_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:lookup-order';

export interface AugmentFixtureOptions {
  readonly model?: 'bedrock' | 'endpoint';
  readonly dataClassification?: DataClassification;
  readonly knowledgeBase?: Partial<KnowledgeBaseProps>;
  readonly api?: Partial<AugmentApiProps>;
}

/**
 * The whole augment stage in one stack: a knowledge base with ingestion on
 * `documents/` of a raw bucket, a guardrail, the three handler functions
 * (the agent with one registered tool) and the API with their routes.
 */
export function augmentFixture(options: AugmentFixtureOptions = {}) {
  const stack = augmentStack();
  const base = augmentBase(stack);
  const { key, documents, feedback, vpc, securityGroups, functionOptions } = base;
  const prompts = new PromptLibrary(stack, 'Prompts', { prompts: loadPromptLibrary(path.join(ROOT, 'prompts')), encryptionKey: key });
  const bedrockModel = new BedrockModel(stack, 'Model', { modelId: 'amazon.nova-lite-v1:0' });
  const model = options.model === 'endpoint' ? endpointModel(stack) : bedrockModel;
  const knowledgeBase = new KnowledgeBase(stack, 'KnowledgeBase', {
    documents: { bucket: documents, prefix: 'documents/' },
    encryptionKey: key,
    ingestion: { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, securityGroups },
    ...options.knowledgeBase,
  });
  const guardrail = new Guardrail(stack, 'Guardrail', {
    dataClassification: options.dataClassification ?? 'confidential',
    encryptionKey: key,
    deniedTopics: [{ name: 'Legal advice', definition: 'Opinions on legal rights and obligations', examples: ['Can I sue you?'] }],
    contextualGrounding: { groundingThreshold: 0.8, relevanceThreshold: 0.6 },
  });
  const ragQuery = new RagQueryFunction(stack, 'RagQuery', { ...functionOptions, knowledgeBase, model, guardrail, prompts, retrieval: { maxTopK: 10 } });
  const toolAgent = new ToolAgentFunction(stack, 'ToolAgent', {
    ...functionOptions,
    model: bedrockModel,
    knowledgeBase,
    guardrail,
    tools: [{ name: 'lookup_order', description: 'Finds an order by its number', function: lambda.Function.fromFunctionArn(stack, 'Tool', TOOL_ARN), inputSchema: { type: 'object', properties: { orderId: { type: 'string' } } } }],
    timeBudget: Duration.seconds(15),
  });
  const feedbackFunction = new FeedbackFunction(stack, 'FeedbackWriter', { ...functionOptions, bucket: feedback });
  const api = new AugmentApi(stack, 'Api', { encryptionKey: key, quotaPerDay: 1000, ...options.api });
  api.addRoute({ path: 'ask', handler: ragQuery.function.function, requestSchema: askSchema({ maxQuestionChars: 2000, maxTopK: 10 }) });
  api.addRoute({ path: 'agent', handler: toolAgent.function.function, requestSchema: AGENT_SCHEMA });
  api.addRoute({ path: 'feedback', handler: feedbackFunction.function.function, requestSchema: FEEDBACK_SCHEMA });
  return { stack, ...base, prompts, bedrockModel, knowledgeBase, guardrail, ragQuery, toolAgent, feedbackFunction, api, template: Template.fromStack(stack) };
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every statement of the policies (inline and managed) attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  const attached = (roles: unknown) => JSON.stringify(roles ?? []).includes(`{"Ref":"${roleId}"}`);
  const policies = [...Object.values(template.findResources('AWS::IAM::Policy')), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy'))];
  return policies.filter((policy) => attached(policy.Properties.Roles)).flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

/** The statements granting an action, and the resources they name. */
export function grantsOf(statements: Statement[], action: string): { resources: unknown[]; conditions: unknown[] } {
  const matching = statements.filter((statement) => statement.Effect === 'Allow' && ([] as string[]).concat(statement.Action).includes(action));
  return { resources: matching.flatMap((statement) => ([] as unknown[]).concat(statement.Resource)), conditions: matching.map((statement) => statement.Condition) };
}

/** Every action any statement grants. */
export function actionsOf(statements: Statement[]): string[] {
  return [...new Set(statements.flatMap((statement) => ([] as string[]).concat(statement.Action)))].sort();
}

/** The logical id of the only resource of a type whose id starts with a prefix. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} whose id starts with ${prefix}; found ${ids.join(', ') || 'none'}`);
  return ids[0];
}
