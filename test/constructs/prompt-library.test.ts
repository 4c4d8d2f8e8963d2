import * as path from 'node:path';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { PromptLibrary, type PromptLibraryProps } from '../../constructs/adapt/prompt-library';
import { loadPromptLibrary, promptSha256, templateWithExamples, type PromptTemplate } from '../../lib/adapt/prompt-template';
import { ROOT, testStack } from '../helpers/app';

const SHIPPED = loadPromptLibrary(path.join(ROOT, 'prompts'));
const SUPPORT_QA = SHIPPED.find((prompt) => prompt.id === 'support-qa') as PromptTemplate;

/** A second prompt: no examples, no inference settings. */
const SUMMARY: PromptTemplate = {
  id: 'ticket-summary',
  version: 3,
  description: 'Summarizes a support ticket in two sentences',
  template: 'Summarize this support ticket in two sentences.\n\n{{ticket}}',
  variables: { ticket: 'The ticket text' },
  examples: [],
};

function libraryInFreshStack(props: Partial<PromptLibraryProps> = {}): { stack: Stack; key: kms.Key; library: PromptLibrary } {
  const stack = testStack();
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const library = new PromptLibrary(stack, 'Prompts', { prompts: [SUPPORT_QA, SUMMARY], encryptionKey: key, ...props });
  return { stack, key, library };
}

function logicalId(stack: Stack, construct: unknown): string {
  return stack.resolve((construct as any).logicalId);
}

function statementsOf(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('PromptLibrary with the shipped prompts', () => {
  let stack: Stack;
  let library: PromptLibrary;
  let template: Template;
  let keyId: string;
  beforeAll(() => {
    const built = libraryInFreshStack();
    stack = built.stack;
    library = built.library;
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    library.grantGet(role);
    template = Template.fromStack(stack);
    keyId = logicalId(stack, built.key.node.defaultChild);
  });

  const promptId = (id: string) => logicalId(stack, library.node.findChild(id).node.findChild('Resource'));
  const versionId = (id: string, version: number) => logicalId(stack, library.node.findChild(id).node.findChild(`Version${version}`));

  test('creates one prompt and one prompt version per template', () => {
    template.resourceCountIs('AWS::Bedrock::Prompt', 2);
    template.resourceCountIs('AWS::Bedrock::PromptVersion', 2);
  });

  test('stores the template as one TEXT variant with the examples expanded and the declared variables as input variables', () => {
    template.hasResourceProperties('AWS::Bedrock::Prompt', {
      Name: 'Test-support-qa',
      Description: SUPPORT_QA.description,
      DefaultVariant: 'default',
      Variants: [
        Match.objectLike({
          Name: 'default',
          TemplateType: 'TEXT',
          TemplateConfiguration: {
            Text: { Text: templateWithExamples(SUPPORT_QA), InputVariables: [{ Name: 'context' }, { Name: 'question' }] },
          },
        }),
      ],
    });
    const text: string = template.findResources('AWS::Bedrock::Prompt')[promptId('support-qa')].Properties.Variants[0].TemplateConfiguration.Text.Text;
    expect(text.match(/<example>/g)).toHaveLength(2);
    expect(text).toContain(SUPPORT_QA.examples[1].output);
    expect(text).not.toContain('{{examples}}');
  });

  test('stores the inference settings when the prompt has them, and none otherwise', () => {
    template.hasResourceProperties('AWS::Bedrock::Prompt', {
      Name: 'Test-support-qa',
      Variants: [Match.objectLike({ InferenceConfiguration: { Text: { MaxTokens: 512, Temperature: 0.2, TopP: 0.9 } } })],
    });
    template.hasResourceProperties('AWS::Bedrock::Prompt', {
      Name: 'Test-ticket-summary',
      Variants: [Match.objectLike({ InferenceConfiguration: Match.absent(), TemplateConfiguration: { Text: { Text: SUMMARY.template, InputVariables: [{ Name: 'ticket' }] } } })],
    });
  });

  test('records the id, declared version and content hash in the variant metadata', () => {
    template.hasResourceProperties('AWS::Bedrock::Prompt', {
      Name: 'Test-ticket-summary',
      Variants: [
        Match.objectLike({
          Metadata: [
            { Key: 'prompt-id', Value: 'ticket-summary' },
            { Key: 'declared-version', Value: '3' },
            { Key: 'sha256', Value: promptSha256(SUMMARY) },
          ],
        }),
      ],
    });
  });

  test('encrypts every prompt with the given key', () => {
    template.resourcePropertiesCountIs('AWS::Bedrock::Prompt', { CustomerEncryptionKeyArn: { 'Fn::GetAtt': [keyId, 'Arn'] } }, 2);
  });

  test('retains the prompts by default', () => {
    for (const resource of Object.values(template.findResources('AWS::Bedrock::Prompt'))) {
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    }
  });

  test('versions each prompt under a construct id carrying the declared version, retained, with the hash in the description', () => {
    const versions = template.findResources('AWS::Bedrock::PromptVersion');
    const supportVersion = versions[versionId('support-qa', SUPPORT_QA.version)];
    expect(supportVersion.Properties).toEqual({
      PromptArn: { 'Fn::GetAtt': [promptId('support-qa'), 'Arn'] },
      Description: `support-qa v${SUPPORT_QA.version} sha256:${promptSha256(SUPPORT_QA)}`,
    });
    expect(versions[versionId('ticket-summary', 3)].Properties.Description).toBe(`ticket-summary v3 sha256:${promptSha256(SUMMARY)}`);
    for (const resource of Object.values(versions)) {
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    }
  });

  test('exposes id, declared version, hash and the ARNs of prompt and version', () => {
    const entry = library.prompt('ticket-summary');
    expect(entry.id).toBe('ticket-summary');
    expect(entry.version).toBe(3);
    expect(entry.sha256).toBe(promptSha256(SUMMARY));
    expect(stack.resolve(entry.promptArn)).toEqual({ 'Fn::GetAtt': [promptId('ticket-summary'), 'Arn'] });
    expect(stack.resolve(entry.promptVersionArn)).toEqual({ 'Fn::GetAtt': [versionId('ticket-summary', 3), 'Arn'] });
    expect(stack.resolve(entry.bedrockVersion)).toEqual({ 'Fn::GetAtt': [versionId('ticket-summary', 3), 'Version'] });
    expect(library.prompts.map((prompt) => prompt.id)).toEqual(['support-qa', 'ticket-summary']);
  });

  test("lets Bedrock use the key for this account's prompts only, through the encryption context", () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'BedrockPromptManagement',
            Effect: 'Allow',
            Principal: { Service: 'bedrock.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: {
              StringLike: {
                'kms:EncryptionContext:aws:bedrock-prompts:arn': {
                  'Fn::Join': ['', ['arn:aws:bedrock:us-east-1:', { Ref: 'AWS::AccountId' }, ':prompt/*']],
                },
              },
            },
          },
        ]),
      },
    });
  });

  test('grants bedrock:GetPrompt on exactly the prompt and version ARNs, and kms:Decrypt through Bedrock only', () => {
    const statements = statementsOf(template);
    expect(statements).toHaveLength(2);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'bedrock:GetPrompt',
      Resource: ['support-qa', 'ticket-summary'].flatMap((id) => [
        { 'Fn::GetAtt': [promptId(id), 'Arn'] },
        { 'Fn::GetAtt': [versionId(id, id === 'support-qa' ? SUPPORT_QA.version : 3), 'Arn'] },
      ]),
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['bedrock.us-east-1.', { Ref: 'AWS::URLSuffix' }]] } } },
    });
  });
});

describe('PromptLibrary variations', () => {
  test('grants one prompt only when given its id', () => {
    const { stack, library } = libraryInFreshStack();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    library.grantGet(role, 'ticket-summary');
    const getPrompt = statementsOf(Template.fromStack(stack)).find((statement) => statement.Action === 'bedrock:GetPrompt');
    expect(getPrompt.Resource).toEqual([stack.resolve(library.prompt('ticket-summary').promptArn), stack.resolve(library.prompt('ticket-summary').promptVersionArn)]);
  });

  test('a bumped version is a new version resource; the old construct id is gone', () => {
    const { library } = libraryInFreshStack({ prompts: [{ ...SUMMARY, version: 4 }] });
    const prompt = library.node.findChild('ticket-summary');
    expect(prompt.node.tryFindChild('Version4')).toBeDefined();
    expect(prompt.node.tryFindChild('Version3')).toBeUndefined();
  });

  test('uses the given name prefix and removal policy; versions stay retained', () => {
    const { stack } = libraryInFreshStack({ prompts: [SUMMARY], namePrefix: 'dev', removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::Bedrock::Prompt', { Properties: Match.objectLike({ Name: 'dev-ticket-summary' }), DeletionPolicy: 'Delete' });
    template.hasResource('AWS::Bedrock::PromptVersion', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('leaves the policy of an imported key alone', () => {
    const stack = testStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new PromptLibrary(stack, 'Prompts', { prompts: [SUMMARY], encryptionKey: key });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Bedrock::Prompt', { CustomerEncryptionKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' });
  });
});

describe('PromptLibrary rejections', () => {
  function build(props: Partial<PromptLibraryProps>): () => PromptLibrary {
    return () => {
      const stack = testStack();
      return new PromptLibrary(stack, 'Prompts', { prompts: [SUMMARY], encryptionKey: new kms.Key(stack, 'Key'), ...props });
    };
  }

  test('rejects an empty list', () => {
    expect(build({ prompts: [] })).toThrow(/^Test\/Prompts: prompts received \[\]; allowed: at least one prompt template$/);
  });

  test('rejects duplicate ids', () => {
    expect(build({ prompts: [SUMMARY, SUPPORT_QA, { ...SUMMARY, version: 4 }] })).toThrow(/^Test\/Prompts: prompts received \["ticket-summary"\]; allowed: each prompt id once$/);
  });

  test('rejects an invalid prompt, with the construct path and every problem', () => {
    const bad = { ...SUMMARY, template: 'Summarize {{ticket}} for {{audience}}.' };
    expect(build({ prompts: [SUPPORT_QA, bad] })).toThrow(
      'Test/Prompts: prompts[1] ("ticket-summary") is invalid:\n  - template: received the placeholder {{audience}}; allowed: placeholders of declared variables (ticket) and {{examples}}; declare audience under variables or remove it',
    );
  });

  test('rejects a name prefix that makes an invalid Bedrock prompt name', () => {
    expect(build({ namePrefix: 'dev--blue' })).toThrow(/^Test\/Prompts: namePrefix received "dev--blue"; allowed: a prefix that makes "<namePrefix>-<id>" a Bedrock prompt name .*"dev--blue-ticket-summary" is not$/);
  });

  test('rejects an unknown prompt id', () => {
    const library = build({})();
    expect(() => library.prompt('nope')).toThrow(/^Test\/Prompts: id received "nope"; allowed: a prompt of the library: ticket-summary$/);
    expect(() => library.grantGet(new iam.AnyPrincipal(), 'nope')).toThrow(/id received "nope"/);
  });
});
