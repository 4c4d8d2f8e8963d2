import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Guardrail, PII_POLICY, type DataClassification, type GuardrailProps } from '../../constructs/augment';
import { augmentStack, grantsOf, logicalId, statementsOfRole } from '../helpers/augment';

/** A guardrail alone in a fresh stack, with a role granted to apply it. */
function guardrailWith(props: Partial<GuardrailProps> = {}) {
  const stack = augmentStack();
  const key = new kms.Key(stack, 'Key');
  const guardrail = new Guardrail(stack, 'Guardrail', { dataClassification: 'confidential', encryptionKey: key, ...props });
  const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  guardrail.grantApply(role);
  return { guardrail, template: Template.fromStack(stack) };
}

/** The PII entity types of the synthesized guardrail, by action. */
function piiOf(template: Template): Record<string, string[]> {
  const guardrail = Object.values(template.findResources('AWS::Bedrock::Guardrail'))[0];
  const byAction: Record<string, string[]> = {};
  for (const entity of guardrail.Properties.SensitiveInformationPolicyConfig.PiiEntitiesConfig) (byAction[entity.Action] ??= []).push(entity.Type);
  for (const types of Object.values(byAction)) types.sort();
  return byAction;
}

const { template } = guardrailWith({
  deniedTopics: [{ name: 'Legal advice', definition: 'Opinions on legal rights and obligations', examples: ['Can I sue you?'] }],
  contextualGrounding: { groundingThreshold: 0.8, relevanceThreshold: 0.6 },
});

describe('policies', () => {
  test('filters harmful content both ways and prompt attacks on the input only, with the profanity list', () => {
    const guardrail = Object.values(template.findResources('AWS::Bedrock::Guardrail'))[0].Properties;
    expect(guardrail.ContentPolicyConfig.FiltersConfig).toEqual([
      ...['SEXUAL', 'VIOLENCE', 'HATE', 'INSULTS', 'MISCONDUCT'].map((Type) => ({ Type, InputStrength: 'HIGH', OutputStrength: 'HIGH' })),
      { Type: 'PROMPT_ATTACK', InputStrength: 'HIGH', OutputStrength: 'NONE' },
    ]);
    expect(guardrail.WordPolicyConfig).toEqual({ ManagedWordListsConfig: [{ Type: 'PROFANITY' }] });
  });

  test('checks grounding in the retrieved passages and relevance to the question at the given thresholds', () => {
    template.hasResourceProperties('AWS::Bedrock::Guardrail', {
      ContextualGroundingPolicyConfig: { FiltersConfig: [{ Type: 'GROUNDING', Threshold: 0.8 }, { Type: 'RELEVANCE', Threshold: 0.6 }] },
    });
  });

  test('denies the configured topics', () => {
    template.hasResourceProperties('AWS::Bedrock::Guardrail', {
      TopicPolicyConfig: { TopicsConfig: [{ Name: 'Legal advice', Definition: 'Opinions on legal rights and obligations', Examples: ['Can I sue you?'], Type: 'DENY' }] },
    });
    expect(Object.values(guardrailWith().template.findResources('AWS::Bedrock::Guardrail'))[0].Properties.TopicPolicyConfig).toBeUndefined();
  });

  test('is encrypted with the customer-managed key', () => {
    template.hasResourceProperties('AWS::Bedrock::Guardrail', { KmsKeyArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'Key'), 'Arn'] } });
  });
});

describe('PII handling per data classification', () => {
  test('public data blocks credentials and masks e-mail addresses and phone numbers only', () => {
    expect(piiOf(guardrailWith({ dataClassification: 'public' }).template)).toEqual({
      BLOCK: ['AWS_ACCESS_KEY', 'AWS_SECRET_KEY', 'CREDIT_DEBIT_CARD_CVV', 'CREDIT_DEBIT_CARD_EXPIRY', 'CREDIT_DEBIT_CARD_NUMBER', 'PASSWORD', 'PIN'],
      ANONYMIZE: ['EMAIL', 'PHONE'],
    });
  });

  test('internal data masks contact data and identifiers', () => {
    const pii = piiOf(guardrailWith({ dataClassification: 'internal' }).template);
    expect(pii.ANONYMIZE).toEqual(expect.arrayContaining(['NAME', 'ADDRESS', 'US_SOCIAL_SECURITY_NUMBER', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER']));
    expect(pii.BLOCK).not.toContain('US_SOCIAL_SECURITY_NUMBER');
  });

  test('confidential data blocks identifiers and masks contact data', () => {
    const pii = piiOf(template);
    expect(pii.BLOCK).toEqual(expect.arrayContaining(['PASSWORD', 'US_SOCIAL_SECURITY_NUMBER', 'US_PASSPORT_NUMBER', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER']));
    expect(pii.ANONYMIZE).toEqual(['ADDRESS', 'EMAIL', 'IP_ADDRESS', 'NAME', 'PHONE', 'USERNAME']);
  });

  test('restricted data also masks every other entity type, and each level handles at least what the one below does', () => {
    const pii = piiOf(guardrailWith({ dataClassification: 'restricted' }).template);
    expect(pii.ANONYMIZE).toEqual(expect.arrayContaining(['AGE', 'URL', 'MAC_ADDRESS', 'NAME']));
    const order: DataClassification[] = ['public', 'internal', 'confidential', 'restricted'];
    const rank = (action: string | undefined) => (action === 'BLOCK' ? 2 : action === 'ANONYMIZE' ? 1 : 0);
    for (let level = 1; level < order.length; level += 1) {
      for (const [type, action] of Object.entries(PII_POLICY[order[level - 1]])) {
        expect(rank(PII_POLICY[order[level]][type])).toBeGreaterThanOrEqual(rank(action));
      }
    }
  });
});

describe('version', () => {
  test('pins a version of the guardrail whose description changes with the configuration', () => {
    template.hasResourceProperties('AWS::Bedrock::GuardrailVersion', { GuardrailIdentifier: { 'Fn::GetAtt': [logicalId(template, 'AWS::Bedrock::Guardrail', 'Guardrail'), 'GuardrailId'] } });
    const description = (each: Template) => Object.values(each.findResources('AWS::Bedrock::GuardrailVersion'))[0].Properties.Description;
    const stricter = guardrailWith({
      deniedTopics: [{ name: 'Legal advice', definition: 'Opinions on legal rights and obligations', examples: ['Can I sue you?'] }],
      contextualGrounding: { groundingThreshold: 0.9, relevanceThreshold: 0.6 },
    }).template;
    expect(description(template)).toMatch(/^Configuration sha256:[0-9a-f]{16}$/);
    expect(description(stricter)).not.toEqual(description(template));
  });
});

describe('grantApply', () => {
  test('allows ApplyGuardrail on this guardrail only, and decrypting it through Bedrock only', () => {
    const statements = statementsOfRole(template, logicalId(template, 'AWS::IAM::Role', 'Caller'));
    expect(grantsOf(statements, 'bedrock:ApplyGuardrail').resources).toEqual([{ 'Fn::GetAtt': [logicalId(template, 'AWS::Bedrock::Guardrail', 'Guardrail'), 'GuardrailArn'] }]);
    const decrypt = grantsOf(statements, 'kms:Decrypt');
    expect(decrypt.resources).toEqual([{ 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'Key'), 'Arn'] }]);
    expect(decrypt.conditions).toEqual([{ StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['bedrock.us-east-1.', { Ref: 'AWS::URLSuffix' }]] } } }]);
  });
});

describe('rejected props', () => {
  test('rejects a threshold of 1, which would block every answer', () => {
    expect(() => guardrailWith({ contextualGrounding: { groundingThreshold: 1, relevanceThreshold: 0.5 } })).toThrow(
      /Test\/Guardrail: contextualGrounding\.groundingThreshold received 1; allowed: a number from 0 to 0\.99/,
    );
  });

  test('rejects a topic name Bedrock refuses and a topic named twice', () => {
    expect(() => guardrailWith({ deniedTopics: [{ name: 'Legal/advice', definition: 'Law' }] })).toThrow(/deniedTopics\.0\.name received "Legal\/advice"; allowed: 1 to 100 letters/);
    expect(() => guardrailWith({ deniedTopics: [{ name: 'Law', definition: 'Law' }, { name: 'law', definition: 'Law again' }] })).toThrow(/deniedTopics received "law"; allowed: each topic name once/);
  });

  test('rejects more than five examples of a topic', () => {
    expect(() => guardrailWith({ deniedTopics: [{ name: 'Law', definition: 'Law', examples: ['a', 'b', 'c', 'd', 'e', 'f'] }] })).toThrow(/deniedTopics\.0\.examples received "6 examples"; allowed: at most 5 examples/);
  });
});
