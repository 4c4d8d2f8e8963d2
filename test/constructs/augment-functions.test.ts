import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RagQueryFunction, ToolAgentFunction, type ToolAgentFunctionProps } from '../../constructs/augment';
import { actionsOf, augmentFixture, grantsOf, logicalId, statementsOfRole, TOOL_ARN } from '../helpers/augment';

const fixture = augmentFixture();
const { template } = fixture;
const kbArn = { 'Fn::GetAtt': [logicalId(template, 'AWS::Bedrock::KnowledgeBase', 'KnowledgeBase'), 'KnowledgeBaseArn'] };
const kbId = { 'Fn::GetAtt': [logicalId(template, 'AWS::Bedrock::KnowledgeBase', 'KnowledgeBase'), 'KnowledgeBaseId'] };
const guardrailArn = { 'Fn::GetAtt': [logicalId(template, 'AWS::Bedrock::Guardrail', 'Guardrail'), 'GuardrailArn'] };
const guardrailId = { 'Fn::GetAtt': [logicalId(template, 'AWS::Bedrock::Guardrail', 'Guardrail'), 'GuardrailId'] };
const guardrailVersion = { 'Fn::GetAtt': [logicalId(template, 'AWS::Bedrock::GuardrailVersion', 'GuardrailVersion'), 'Version'] };
const NOVA_LITE = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0';

const environmentOf = (each: Template, fn: string) => each.findResources('AWS::Lambda::Function')[logicalId(each, 'AWS::Lambda::Function', fn)].Properties.Environment.Variables;
const statementsOf = (each: Template, role: string) => statementsOfRole(each, logicalId(each, 'AWS::IAM::Role', role));
/** The actions a role may take besides its logs and network interfaces (PrivateFunction's own policy). */
const grantedActions = (each: Template, role: string) => actionsOf(statementsOf(each, role)).filter((action) => !action.startsWith('logs:') && !action.startsWith('ec2:'));

describe('rag-query (POST /ask)', () => {
  test('is told the knowledge base, the model, the pinned guardrail, the prompt version and the limits', () => {
    const promptVersion = logicalId(template, 'AWS::Bedrock::PromptVersion', 'Promptsgroundedanswer');
    expect(environmentOf(template, 'RagQueryFunction')).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      KNOWLEDGE_BASE_ID: kbId,
      MODEL_KIND: 'bedrock',
      MODEL_ID: 'amazon.nova-lite-v1:0',
      GUARDRAIL_ID: guardrailId,
      GUARDRAIL_VERSION: guardrailVersion,
      PROMPT_ARN: { 'Fn::GetAtt': [promptVersion, 'Arn'] },
      DEFAULT_TOP_K: '5',
      MAX_TOP_K: '10',
      MIN_SCORE: '0.3',
      MAX_QUESTION_CHARS: '2000',
      MAX_TOKENS: '1024',
      POWERTOOLS_SERVICE_NAME: 'rag-query',
    });
  });

  test('may retrieve from its knowledge base, invoke its model, apply its guardrail and read its prompt version only', () => {
    const statements = statementsOf(template, 'RagQueryFunctionRole');
    expect(grantedActions(template, 'RagQueryFunctionRole')).toEqual(['bedrock:ApplyGuardrail', 'bedrock:GetPrompt', 'bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:Retrieve', 'kms:Decrypt']);
    expect(grantsOf(statements, 'bedrock:Retrieve').resources).toEqual([kbArn]);
    expect(grantsOf(statements, 'bedrock:InvokeModel').resources).toEqual([NOVA_LITE]);
    expect(grantsOf(statements, 'bedrock:ApplyGuardrail').resources).toEqual([guardrailArn]);
    const prompt = logicalId(template, 'AWS::Bedrock::Prompt', 'Promptsgroundedanswer');
    expect(grantsOf(statements, 'bedrock:GetPrompt').resources).toEqual([
      { 'Fn::GetAtt': [prompt, 'Arn'] },
      { 'Fn::GetAtt': [logicalId(template, 'AWS::Bedrock::PromptVersion', 'Promptsgroundedanswer'), 'Arn'] },
    ]);
  });

  test('with a SageMaker endpoint, names the endpoint and its inference component and may invoke that endpoint only', () => {
    const withEndpoint = augmentFixture({ model: 'endpoint' }).template;
    expect(environmentOf(withEndpoint, 'RagQueryFunction')).toEqual(
      expect.objectContaining({ MODEL_KIND: 'sagemaker-endpoint', ENDPOINT_NAME: 'dev-llm-g6-xlarge', INFERENCE_COMPONENT_NAME: 'dev-llm-g6-xlarge-model' }),
    );
    expect(environmentOf(withEndpoint, 'RagQueryFunction').MODEL_ID).toBeUndefined();
    const statements = statementsOf(withEndpoint, 'RagQueryFunctionRole');
    expect(grantsOf(statements, 'sagemaker:InvokeEndpoint').resources).toEqual(['arn:aws:sagemaker:us-east-1:111122223333:endpoint/dev-llm-g6-xlarge']);
    expect(grantsOf(statements, 'bedrock:InvokeModel').resources).toEqual([]);
  });

  test('runs in the private network within API Gateway\'s 29 seconds', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [logicalId(template, 'AWS::IAM::Role', 'RagQueryFunctionRole'), 'Arn'] },
      Timeout: 29,
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
  });
});

describe('tool-agent (POST /agent)', () => {
  test('is told its model, knowledge base, guardrail, bounds and registered tools', () => {
    const environment = environmentOf(template, 'ToolAgentFunction');
    expect(environment).toEqual(
      expect.objectContaining({ MODEL_ID: 'amazon.nova-lite-v1:0', KNOWLEDGE_BASE_ID: kbId, GUARDRAIL_ID: guardrailId, GUARDRAIL_VERSION: guardrailVersion, MAX_TURNS: '6', TIME_BUDGET_MS: '15000', MAX_TOKENS: '1024', POWERTOOLS_SERVICE_NAME: 'tool-agent' }),
    );
    expect(JSON.parse(environment.TOOLS)).toEqual([{ name: 'lookup_order', description: 'Finds an order by its number', functionName: TOOL_ARN, inputSchema: { type: 'object', properties: { orderId: { type: 'string' } } } }]);
    expect(environment.SYSTEM_PROMPT).toBeUndefined();
  });

  test('may invoke its model and its registered tools, retrieve from its knowledge base and apply its guardrail only', () => {
    const statements = statementsOf(template, 'ToolAgentFunctionRole');
    expect(grantedActions(template, 'ToolAgentFunctionRole')).toEqual(['bedrock:ApplyGuardrail', 'bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:Retrieve', 'kms:Decrypt', 'lambda:InvokeFunction']);
    expect(grantsOf(statements, 'lambda:InvokeFunction').resources).toEqual([TOOL_ARN, `${TOOL_ARN}:*`]);
    expect(grantsOf(statements, 'bedrock:Retrieve').resources).toEqual([kbArn]);
    expect(grantsOf(statements, 'bedrock:InvokeModel').resources).toEqual([NOVA_LITE]);
    expect(grantsOf(statements, 'bedrock:ApplyGuardrail').resources).toEqual([guardrailArn]);
  });

  test('rejects a tool named like a built-in one, a tool named twice and a time budget API Gateway would cut', () => {
    const withProps = (props: Partial<ToolAgentFunctionProps>) => () =>
      new ToolAgentFunction(fixture.stack, `Agent${Math.random().toString(36).slice(2)}`, {
        ...fixture.functionOptions,
        model: fixture.bedrockModel,
        knowledgeBase: fixture.knowledgeBase,
        guardrail: fixture.guardrail,
        ...props,
      });
    const tool = (name: string) => ({ name, description: 'A tool', function: lambda.Function.fromFunctionArn(fixture.stack, `Fn${Math.random().toString(36).slice(2)}`, TOOL_ARN), inputSchema: { type: 'object' } });
    expect(withProps({ tools: [tool('calculator')] })).toThrow(/tools\.0\.name received "calculator"; allowed: a name other than the built-in tools' \(calculator, current_time, search_knowledge_base\)/);
    expect(withProps({ tools: [tool('lookup'), tool('lookup')] })).toThrow(/tools\.1\.name received "lookup"; allowed: each tool name once/);
    expect(withProps({ timeBudget: Duration.seconds(28) })).toThrow(/timeBudget received "28 seconds"; allowed: 1 to 25 seconds/);
    expect(withProps({ tools: [{ ...tool('lookup'), inputSchema: { type: 'string' } }] })).toThrow(/tools\.0\.inputSchema received .*; allowed: a JSON schema of an object/);
  });
});

describe('rag-query answer length', () => {
  test('warns when maxTokens lets answers outgrow the 5,000 characters the grounding check reads, and not at the default', () => {
    const fresh = augmentFixture();
    new RagQueryFunction(fresh.stack, 'LongAnswers', { ...fresh.functionOptions, knowledgeBase: fresh.knowledgeBase, model: fresh.bedrockModel, guardrail: fresh.guardrail, prompts: fresh.prompts, maxTokens: 2000 });
    const annotations = Annotations.fromStack(fresh.stack);
    annotations.hasWarning('/Test/LongAnswers', Match.stringLikeRegexp('maxTokens 2000 lets answers outgrow the 5000 characters the contextual grounding check reads'));
    expect(annotations.findWarning('*', Match.stringLikeRegexp('grounding check reads')).map((warning) => warning.id)).toEqual(['/Test/LongAnswers']);
  });
});

describe('feedback (POST /feedback)', () => {
  test('is told the feedback bucket and prefix', () => {
    expect(environmentOf(template, 'FeedbackWriterFunction')).toEqual(
      expect.objectContaining({ FEEDBACK_BUCKET: { Ref: logicalId(template, 'AWS::S3::Bucket', 'Feedback') }, FEEDBACK_PREFIX: 'feedback/', POWERTOOLS_SERVICE_NAME: 'feedback' }),
    );
  });

  test('may only put objects under the feedback prefix\'s api/ records, encrypting through S3', () => {
    const statements = statementsOf(template, 'FeedbackWriterFunctionRole');
    expect(grantedActions(template, 'FeedbackWriterFunctionRole')).toEqual(['kms:GenerateDataKey', 's3:PutObject']);
    expect(grantsOf(statements, 's3:PutObject').resources).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(template, 'AWS::S3::Bucket', 'Feedback'), 'Arn'] }, '/feedback/api/*']] }]);
    expect(grantsOf(statements, 'kms:GenerateDataKey').conditions).toEqual([{ StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.us-east-1.', { Ref: 'AWS::URLSuffix' }]] } } }]);
  });
});
