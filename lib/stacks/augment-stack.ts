import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { PromptLibrary } from '../../constructs/adapt';
import {
  AGENT_SCHEMA,
  askSchema,
  AugmentApi,
  DEFAULT_EMBEDDING_MODEL,
  FEEDBACK_SCHEMA,
  FeedbackFunction,
  Guardrail,
  KnowledgeBase,
  RagQueryFunction,
  ToolAgentFunction,
  type AnswerModel,
  type AugmentFunctionOptions,
} from '../../constructs/augment';
import type { DataLake } from '../../constructs/data';
import type { PrivateNetwork } from '../../constructs/network';
import { BedrockModel } from '../../constructs/serve';
import type { AugmentConfig, KitConfig } from '../config/schema';
import { removalPolicyOf } from './protection';

export interface AugmentStackProps extends StackProps {
  readonly config: KitConfig;
  readonly augment: AugmentConfig;
  readonly environmentName: string;
  readonly dataLake: DataLake;
  readonly network: PrivateNetwork;
  /** The served model: it answers POST /ask (and POST /agent when it is a Bedrock model and no agent model is configured). */
  readonly model: AnswerModel;
  /** Holds the grounded-answer template. */
  readonly prompts: PromptLibrary;
}

/** The template of the prompt library that POST /ask renders. */
export const GROUNDED_ANSWER_PROMPT = 'grounded-answer';

/**
 * The Augment stage: a knowledge base over the documents prefix of the raw
 * bucket on S3 Vectors, kept in sync as documents change; the guardrail;
 * the question-answering, tool-calling and feedback Lambdas in the private
 * network; and the authorised API in front of them.
 */
export class AugmentStack extends Stack {
  public readonly knowledgeBase: KnowledgeBase;
  public readonly guardrail: Guardrail;
  public readonly ragQuery: RagQueryFunction;
  /** Absent without a Bedrock model for the agent. */
  public readonly toolAgent?: ToolAgentFunction;
  public readonly feedback: FeedbackFunction;
  public readonly api: AugmentApi;

  constructor(scope: Construct, id: string, props: AugmentStackProps) {
    super(scope, id, props);
    const { config, augment, dataLake, network } = props;
    const removalPolicy = removalPolicyOf(config);
    const securityGroups = [network.createSecurityGroup(this, 'AugmentSecurityGroup', `Augment Lambdas of ${props.environmentName}`)];
    const functionOptions: AugmentFunctionOptions = { vpc: network.vpc, vpcSubnets: network.vpcSubnets, securityGroups, encryptionKey: dataLake.key, removalPolicy };

    this.knowledgeBase = new KnowledgeBase(this, 'KnowledgeBase', {
      documents: { bucket: dataLake.rawBucket, prefix: augment.documentsPrefix ?? 'documents/' },
      encryptionKey: dataLake.key,
      embeddingModel: augment.embeddingModel ?? DEFAULT_EMBEDDING_MODEL,
      chunking: augment.chunking,
      ingestion: {
        vpc: network.vpc,
        vpcSubnets: network.vpcSubnets,
        securityGroups,
        schedule: events.Schedule.expression(augment.ingestionSchedule ?? 'rate(1 day)'),
      },
      removalPolicy,
    });
    const guardrailSettings = augment.guardrail ?? {};
    this.guardrail = new Guardrail(this, 'Guardrail', {
      dataClassification: config.scope.dataClassification,
      encryptionKey: dataLake.key,
      deniedTopics: guardrailSettings.deniedTopics,
      contextualGrounding: { groundingThreshold: guardrailSettings.groundingThreshold ?? 0.75, relevanceThreshold: guardrailSettings.relevanceThreshold ?? 0.75 },
      contentFilterStrength: guardrailSettings.contentFilterStrength,
    });

    const retrieval = { defaultTopK: augment.retrieval?.topK ?? 5, maxTopK: augment.retrieval?.maxTopK ?? 20, minScore: augment.retrieval?.minScore ?? 0.3 };
    const maxQuestionChars = augment.answer?.maxQuestionChars ?? 2000;
    this.ragQuery = new RagQueryFunction(this, 'RagQuery', {
      ...functionOptions,
      knowledgeBase: this.knowledgeBase,
      model: props.model,
      guardrail: this.guardrail,
      prompts: props.prompts,
      promptId: GROUNDED_ANSWER_PROMPT,
      retrieval,
      maxQuestionChars,
      maxTokens: augment.answer?.maxTokens ?? 1024,
    });
    this.toolAgent = this.addToolAgent(props, functionOptions);
    this.feedback = new FeedbackFunction(this, 'Feedback', { ...functionOptions, bucket: dataLake.feedbackBucket });

    const apiSettings = augment.api ?? {};
    this.api = new AugmentApi(this, 'Api', {
      encryptionKey: dataLake.key,
      authorization:
        apiSettings.auth === 'cognito'
          ? { kind: 'cognito', userPools: [cognito.UserPool.fromUserPoolArn(this, 'UserPool', apiSettings.userPoolArn as string)] }
          : { kind: 'iam' },
      throttle: apiSettings.throttle,
      quotaPerDay: apiSettings.quotaPerDay,
      webAcl: apiSettings.waf ?? false,
      removalPolicy,
    });
    this.api.addRoute({ path: 'ask', handler: this.ragQuery.function.function, requestSchema: askSchema({ maxQuestionChars, maxTopK: retrieval.maxTopK }) });
    if (this.toolAgent !== undefined) this.api.addRoute({ path: 'agent', handler: this.toolAgent.function.function, requestSchema: AGENT_SCHEMA });
    this.api.addRoute({ path: 'feedback', handler: this.feedback.function.function, requestSchema: FEEDBACK_SCHEMA });
    new CfnOutput(this, 'KnowledgeBaseId', { description: `Knowledge base of ${props.environmentName}`, value: this.knowledgeBase.knowledgeBaseId });
  }

  /** The tool-calling agent, with a Bedrock model: augment.agent.modelId, else the served model when it is one. */
  private addToolAgent(props: AugmentStackProps, functionOptions: AugmentFunctionOptions): ToolAgentFunction | undefined {
    const agent = props.augment.agent ?? {};
    let model: Extract<AnswerModel, { kind: 'bedrock' }> | undefined;
    if (agent.modelId !== undefined) model = new BedrockModel(this, 'AgentModel', { modelId: agent.modelId });
    else if (props.model.kind === 'bedrock') model = props.model;
    if (model === undefined) {
      Annotations.of(this).addWarningV2(
        'genai-kit:noAgent',
        `No tool-calling agent in ${props.environmentName}: the served model is a SageMaker endpoint; set augment.agent.modelId to a Bedrock model for POST /agent.`,
      );
      return undefined;
    }
    const tools = (agent.tools ?? []).map((tool, index) => ({
      name: tool.name,
      description: tool.description,
      // The agent's role is granted lambda:InvokeFunction; a tool of another account must also allow that role in its own resource policy.
      function: lambda.Function.fromFunctionAttributes(this, `Tool${index}`, { functionArn: tool.functionArn, skipPermissions: true }),
      inputSchema: tool.inputSchema,
    }));
    if (tools.length > 0) {
      // Registered tools are Lambdas the agent invokes from the isolated subnets.
      if (props.config.network.mode === 'create') props.network.addInterfaceEndpoint(ec2.InterfaceVpcEndpointAwsService.LAMBDA);
      else Annotations.of(this).addWarningV2('genai-kit:lambdaEndpoint', 'The agent invokes registered tools: the imported VPC needs an interface endpoint of Lambda.');
    }
    return new ToolAgentFunction(this, 'ToolAgent', {
      ...functionOptions,
      model,
      knowledgeBase: this.knowledgeBase,
      guardrail: this.guardrail,
      tools,
      maxTurns: agent.maxTurns,
      timeBudget: agent.timeBudgetSeconds === undefined ? undefined : Duration.seconds(agent.timeBudgetSeconds),
      maxTokens: agent.maxTokens,
      systemPrompt: agent.systemPrompt,
    });
  }
}
